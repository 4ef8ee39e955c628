"""The wizard's commands as a proposer runs them: `apm-designer` alone, `new [FILE]`, `edit FILE`.

Bad input is one located line on stderr and a non-zero exit, before any screen is drawn; a good start opens the
app in a real terminal (pexpect), which quits on ctrl+q.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect

RUN = [sys.executable, "-m", "apm_designer"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*RUN, *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def test_edit_a_missing_file_says_so_in_one_line(tmp_path):
    done = run("edit", "nowhere.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("nowhere.yaml: error: no such file") and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_edit_a_broken_file_points_at_the_problem(tmp_path):
    (tmp_path / "broken.yaml").write_text("metadata:\n  title: [unclosed\n", encoding="utf-8")
    done = run("edit", "broken.yaml", cwd=tmp_path)
    assert done.returncode == 1
    line = done.stderr.strip()
    assert line.startswith("broken.yaml:") and line.split(":")[1].isdigit() and line.split(":")[2].isdigit()
    assert "\n" not in line and "Traceback" not in done.stderr


def test_new_refuses_to_replace_an_existing_file(tmp_path):
    (tmp_path / "taken.yaml").write_text("schema_version: 1\n", encoding="utf-8")
    done = run("new", "taken.yaml", cwd=tmp_path)
    assert done.returncode == 2 and "already exists" in done.stderr and "apm-designer edit" in done.stderr
    assert (tmp_path / "taken.yaml").read_text(encoding="utf-8") == "schema_version: 1\n"


def test_new_in_a_missing_folder_is_refused(tmp_path):
    done = run("new", "no/such/folder/p.yaml", cwd=tmp_path)
    assert done.returncode == 2 and "no folder" in done.stderr


CTRL_Q, CTRL_S = "\x11", "\x13"


def in_a_terminal(tmp_path: Path, args: list[str], steps: list[tuple[str, str]], width: int = 80) -> int | None:
    """Run apm-designer in a real 24-line terminal: each step waits for a text, then sends keys (ctrl+q last);
    returns the exit status."""
    env = {**os.environ, "TERM": "xterm-256color", "XDG_STATE_HOME": str(tmp_path / "state")}
    child = pexpect.spawn(sys.executable, ["-m", "apm_designer", *args], env=env, dimensions=(24, width),
                          encoding="utf-8", cwd=str(tmp_path), timeout=60)
    try:
        for text, keys in steps:
            child.expect(text)
            child.send(keys)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return child.exitstatus


def test_no_command_opens_the_start_screen_and_ctrl_q_quits(tmp_path):
    assert in_a_terminal(tmp_path, [], [("New proposal", ""), ("Open a file", CTRL_Q)]) == 0
