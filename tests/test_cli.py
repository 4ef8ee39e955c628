"""The command line as a whole: exit codes as the README lists them, and arguments refused before anything runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from apm_designer import cli

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_lists_every_exit_code_the_cli_documents() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Exit codes", 1)[1].split("\n#", 1)[0]
    listed = [int(code) for code in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)]
    documented = [int(code) for code in re.findall(r"^ +(\d+)  ", cli.__doc__ or "", re.MULTILINE)]
    assert listed == documented == [0, 1, 2, cli.EXIT_INTERNAL, 130]


@pytest.mark.parametrize("port", ["99999", "0", "-1", "http"])
def test_serve_refuses_a_port_that_cannot_be_before_printing_an_address(port: str) -> None:
    r = subprocess.run([sys.executable, "-m", "apm_designer", "serve", "--port", port], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2
    assert f"argument --port: '{port}' is not a port number (1 to 65535)" in r.stderr
    assert "http" not in r.stdout


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: os.mkfifo(p), "is not a regular file (a named pipe, device or socket); give a proposal file"),
    (lambda p: p.symlink_to(p), "cannot read: a symbolic link that leads back to itself (a symlink loop)"),
    (lambda p: None, "no such file; start one with `apm-designer new p.yaml`"),
], ids=["named-pipe", "symlink-loop", "missing"])
def test_edit_says_what_is_wrong_with_a_path_it_cannot_open_without_waiting(tmp_path: Path, make, message) -> None:
    make(tmp_path / "p.yaml")
    r = subprocess.run([sys.executable, "-m", "apm_designer", "edit", "p.yaml"], capture_output=True, text=True,
                       cwd=tmp_path, timeout=60)
    assert r.returncode == 2
    assert r.stderr == f"p.yaml: error: {message} [unreadable]\n"
