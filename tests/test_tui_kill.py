"""Kill the real wizard mid-edit (SIGKILL: no chance to clean up) and show the next launch restores every answer.

The app runs as its own process in a pseudo-terminal (pexpect) exactly as a proposer starts it. Keys are sent as a
terminal sends them; the answers are read back from the file the relaunched app saves.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sys
import time
from pathlib import Path

import pexpect
import pytest

from apm_designer.document import load
from apm_designer.drafts import draft_path_for, read_draft

CTRL_N, CTRL_S, CTRL_Q, TAB, ENTER = "\x0e", "\x13", "\x11", "\t", "\r"

TYPED = {
    ("metadata", "title"): "Crash-proof Care",
    ("metadata", "organisation"): "Kill Nine Clinic",
    ("metadata", "contact", "name"): "Ada Okafor",
    ("element_2", "care_delivery_changes"): "Nurse-led follow-up\nwithin 48 hours of discharge.",
    ("element_4", "beneficiaries"): 12000,
}


def spawn(target: Path, state: Path) -> pexpect.spawn:
    env = {**os.environ, "TERM": "xterm-256color", "XDG_STATE_HOME": str(state), "COLUMNS": "80", "LINES": "24"}
    return pexpect.spawn(sys.executable, ["-m", "apm_designer", "new", str(target)], env=env, dimensions=(24, 80),
                         encoding="utf-8", cwd=str(target.parent), timeout=60)


def pump(child: pexpect.spawn, seconds: float) -> None:
    """Read (and drop) what the app draws for a while, so it never blocks on a full terminal."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with contextlib.suppress(pexpect.TIMEOUT):
            child.read_nonblocking(1 << 16, timeout=0.1)


def answers(data: dict, paths) -> dict:
    out = {}
    for path in paths:
        node = data
        for part in path:
            node = node.get(part, {}) if isinstance(node, dict) else {}
        out[path] = node if node != {} else None
    return out


def test_answers_typed_before_a_kill_are_restored_on_the_next_launch(tmp_path):
    target = tmp_path / "crash.yaml"
    state = tmp_path / "state"
    child = spawn(target, state)
    try:
        child.expect("Overview")
        pump(child, 1.0)
        for text in ("Crash-proof Care", TAB, "Kill Nine Clinic", TAB, "Ada Okafor"):
            child.send(text)
            pump(child, 0.3)
        child.send(CTRL_N + CTRL_N)  # element 1, element 2: its first question is a long text
        pump(child, 1.5)
        child.send("Nurse-led follow-up" + ENTER + "within 48 hours of discharge.")
        pump(child, 0.5)
        child.send(CTRL_N + CTRL_N)  # element 3, element 4: its first question is a number
        pump(child, 1.5)
        child.send("12,000")

        deadline = time.monotonic() + 30  # wait for the autosave to settle with every answer in it
        while time.monotonic() < deadline:
            pump(child, 0.3)
            draft = read_draft(draft_path_for(target))
            if draft is not None and answers(draft.data, TYPED) == TYPED:
                break
        else:
            pytest.fail(f"the draft never held every answer: {draft and answers(draft.data, TYPED)}")
    finally:
        child.kill(signal.SIGKILL)
        child.close(force=True)
    assert not target.exists()

    child = spawn(target, state)
    try:
        child.expect("Unsaved answers found")
        pump(child, 0.5)
        child.send(ENTER)  # Restore the draft (the first button)
        pump(child, 1.5)
        child.send(CTRL_S)
        deadline = time.monotonic() + 30
        while not target.exists() and time.monotonic() < deadline:
            pump(child, 0.3)
        pump(child, 0.5)
        child.send(CTRL_Q)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert answers(load(target).data, TYPED) == TYPED
    assert not draft_path_for(target).exists()


# The wizard with a bug: quitting fails, and no settle (so no autosave) ever runs while it is up. Only the crash
# handling can put the typed answer in the draft.
WITH_A_BUG = """
import sys
from apm_designer.cli import main
from apm_designer.tui.screens.proposal import ProposalScreen

def quit_fails(self):
    raise RuntimeError("a bug in quitting")

ProposalScreen.settle = lambda self: None
ProposalScreen.request_quit = quit_fails
sys.exit(main(sys.argv[1:]))
"""


def test_a_bug_in_the_wizard_exits_3_and_keeps_what_was_typed_in_the_draft(tmp_path):
    """Textual shows the traceback; then one line says it is a bug and where the answers are, and the exit code
    is apm-designer's for an internal error, not 0 (a script would take the session for a success)."""
    target = tmp_path / "buggy.yaml"
    state = tmp_path / "state"
    env = {**os.environ, "TERM": "xterm-256color", "XDG_STATE_HOME": str(state), "COLUMNS": "80", "LINES": "24"}
    child = pexpect.spawn(sys.executable, ["-c", WITH_A_BUG, "new", str(target)], env=env, dimensions=(24, 80),
                          encoding="utf-8", cwd=str(tmp_path), timeout=60)
    child.logfile_read = seen = io.StringIO()
    try:
        child.expect("Overview")
        pump(child, 1.0)
        child.send("Typed just before the bug")
        pump(child, 0.5)
        child.send(CTRL_Q)
        child.expect("internal error in the wizard; your answers are kept in the draft")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 3
    assert "a bug in quitting" in seen.getvalue()  # Textual's traceback, for the bug report
    draft = read_draft(draft_path_for(target))
    assert draft is not None and draft.data["metadata"]["title"] == "Typed just before the bug"
    assert not target.exists()  # nothing was saved: the draft is where the answers are
