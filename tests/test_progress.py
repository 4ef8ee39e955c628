"""The batch progress bar: drawn on a real terminal, never when piped, in CI, or for a handful of files."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from apm_designer.progress import MIN_FILES

ROOT = Path(__file__).resolve().parents[1]
HIDE_CURSOR = "\x1b[?25l"  # Rich hides the cursor while a live bar is up


def proposals(folder: Path, n: int, bad: int = 1) -> Path:
    folder.mkdir(exist_ok=True)
    for i in range(n - bad):
        (folder / f"good{i:02}.yaml").write_text(f"metadata:\n  title: Model {i}\n  status: draft\n")
    for i in range(bad):
        (folder / f"bad{i:02}.yaml").write_text("metadata:\n  title: 3\n  status: draft\n")
    return folder


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k != "CI"}
    return {**base, "TERM": "xterm-256color", "COLUMNS": "100", **extra}


def on_terminal(*args: str, **extra_env: str) -> tuple[str, int]:
    """Run the CLI with stdin, stdout and stderr on one pseudo-terminal; all it drew, and its exit status."""
    child = pexpect.spawn(sys.executable, ["-m", "apm_designer", *args], cwd=str(ROOT), env=env(**extra_env),
                          encoding="utf-8", dimensions=(24, 100), timeout=60)
    output = child.read()
    child.close()
    return output, child.exitstatus


def test_bar_shows_on_a_terminal_and_results_still_print(tmp_path):
    folder = proposals(tmp_path / "p", MIN_FILES + 2)
    output, status = on_terminal("validate", str(folder))
    assert status == 1
    assert HIDE_CURSOR in output
    assert "Validating" in output
    assert f"{MIN_FILES + 2}/{MIN_FILES + 2}" in output  # the final count is drawn before the bar is cleared
    assert "bad00.yaml:2:10: error: metadata.title: expected text" in output
    assert f"checked {MIN_FILES + 2} files: {MIN_FILES + 1} valid, 1 invalid" in output


BATCHES = {  # command: (its bar's label, extra arguments, what it reports about a good file)
    "evaluate": ("Evaluating", [], "good00.yaml: Model 0 (performance year"),
    "render": ("Rendering", ["-o", "{out}"], "good00.yaml: rendered to"),
}


@pytest.mark.parametrize("command", BATCHES)
def test_evaluate_and_render_show_the_bar_too(tmp_path, command):
    label, extra, reported = BATCHES[command]
    folder = proposals(tmp_path / "p", MIN_FILES + 2)
    args = [a.format(out=tmp_path / "out") for a in extra]
    output, status = on_terminal(command, str(folder), *args)
    assert status == 1  # the bad proposal
    assert HIDE_CURSOR in output and label in output and f"{MIN_FILES + 2}/{MIN_FILES + 2}" in output
    assert reported in output
    assert "bad00.yaml:2:10: error:" in output


@pytest.mark.parametrize("command", ["validate", *BATCHES])
def test_silent_when_piped(tmp_path, command):
    folder = proposals(tmp_path / "p", MIN_FILES + 2)
    args = [a.format(out=tmp_path / "out") for a in BATCHES.get(command, ("", [], ""))[1]]
    done = subprocess.run([sys.executable, "-m", "apm_designer", command, str(folder), *args], cwd=ROOT, env=env(),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "\x1b" not in done.stdout + done.stderr
    assert not any(label in done.stderr for label in ("Validating", "Evaluating", "Rendering"))
    if command == "render":  # render's own reports go to stderr, one plain line per file
        assert sorted(done.stderr.splitlines())[-1] == f"{folder}/good05.yaml: rendered to {tmp_path}/out/good05.md"
    else:
        assert done.stderr == ""


def test_validate_piped_output_is_exactly_the_report(tmp_path):
    folder = proposals(tmp_path / "p", MIN_FILES + 2)
    done = subprocess.run([sys.executable, "-m", "apm_designer", "validate", str(folder)], cwd=ROOT, env=env(),
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines() == [
        f"{folder}/bad00.yaml:2:10: error: metadata.title: expected text, got the number 3 [type]",
        f"checked {MIN_FILES + 2} files: {MIN_FILES + 1} valid, 1 invalid (1 problem)",
    ]


@pytest.mark.parametrize("ci", ["1", "true"])
def test_silent_in_ci_even_on_a_terminal(tmp_path, ci):
    folder = proposals(tmp_path / "p", MIN_FILES + 2)
    output, status = on_terminal("validate", str(folder), CI=ci)
    assert status == 1
    assert HIDE_CURSOR not in output and "Validating" not in output
    assert "checked 7 files" in output


def test_silent_for_a_few_files(tmp_path):
    folder = proposals(tmp_path / "p", MIN_FILES - 1)
    output, _ = on_terminal("validate", str(folder))
    assert HIDE_CURSOR not in output and "Validating" not in output


def test_json_on_a_terminal_stays_one_clean_document(tmp_path):
    folder = proposals(tmp_path / "p", MIN_FILES + 1)
    output, _ = on_terminal("validate", "--format", "json", str(folder))
    assert "Validating" in output  # the bar was up on stderr ...
    assert '"status": "invalid"' in output  # ... and the document still printed after it


def test_bar_on_stderr_while_stdout_goes_to_a_file(tmp_path):
    """`validate dir > report.txt` on a terminal: the bar on the terminal, the report clean in the file."""
    folder = proposals(tmp_path / "p", MIN_FILES + 2)
    report = tmp_path / "report.txt"
    main, follower = pty.openpty()
    with report.open("w") as out:
        child = subprocess.Popen([sys.executable, "-m", "apm_designer", "validate", str(folder)], cwd=ROOT,
                                 env=env(), stdin=subprocess.DEVNULL, stdout=out, stderr=follower)
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        drawn += chunk
    os.close(main)
    assert child.wait(timeout=60) == 1
    assert b"Validating" in drawn and b"bad00.yaml" not in drawn
    text = report.read_text()
    assert "\x1b" not in text
    assert text.splitlines()[-1].startswith(f"checked {MIN_FILES + 2} files")


def test_rich_is_not_imported_when_no_bar_shows(tmp_path):
    folder = proposals(tmp_path / "p", MIN_FILES + 2)
    code = ("import sys\nfrom apm_designer.cli import main\nmain(['validate', sys.argv[1]])\n"
            "sys.stderr.write(repr(sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'textual', 'jinja2'})))")
    done = subprocess.run([sys.executable, "-c", code, str(folder)], cwd=ROOT, env=env(), capture_output=True,
                          text=True, timeout=60)
    assert done.stderr == "[]"
