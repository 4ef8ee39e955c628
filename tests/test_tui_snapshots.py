"""Snapshots of the wizard (pytest-textual-snapshot) at 80×24 and 120×40: the start screen, an element step, the
design factors, the payment step and the review, on the largest example. Update with
`pytest tests/test_tui_snapshots.py --snapshot-update` and look at the SVGs in tests/__snapshots__/ before
committing them.

Kept deterministic: a committed example file, a private state folder with fixed recent files and a draft with a
fixed time (in UTC), no cursor blink, and paths shown relative to the repository.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from apm_designer.drafts import Session, draft_path_for, remember, write_draft
from apm_designer.tui.app import WizardApp

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "proposals" / "examples" / "two-sided-aco.yaml"
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
DRAFT_TIME = 1_750_000_000  # 15 Jun 2025 15:06 UTC


@pytest.fixture
def fixed_state(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.chdir(ROOT)
    yield tmp_path
    monkeypatch.undo()
    time.tzset()


def wizard_on(step: str) -> tuple[WizardApp, object]:
    app = WizardApp(Session.edit(EXAMPLE), blink=False)

    async def go(pilot) -> None:
        await pilot.pause()
        await pilot.app.screen.show_step(step, focus=True)
        await pilot.pause(0.3)

    return app, go


@pytest.mark.parametrize("size", SIZES)
def test_start_screen(snap_compare, fixed_state, size):
    for name in ("small-practice-medical-home", "oncology-episode-pfpm", "two-sided-aco"):
        remember(ROOT / "proposals" / "examples" / f"{name}.yaml")
    draft = draft_path_for(None)
    write_draft(draft, None, {"schema_version": 1, "metadata": {"title": "Rural maternity bundle"}})
    os.utime(draft, (DRAFT_TIME, DRAFT_TIME))
    assert snap_compare(WizardApp(blink=False), terminal_size=size)


# An element, the twenty design factors, the payment step (its lines of business closed to one line each, then the
# LAN metrics) and the review.
STEPS = ["element_1", "design_factors", "payment", "review"]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("step", STEPS)
def test_step(snap_compare, fixed_state, step, size):
    app, go = wizard_on(step)
    assert snap_compare(app, terminal_size=size, run_before=go)


def test_element_step_in_the_light_theme(snap_compare, fixed_state):
    app, go = wizard_on("element_6")

    async def light(pilot) -> None:
        pilot.app.theme = "textual-light"
        await go(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=light)


def test_several_choices_at_80x24_in_monochrome(snap_compare, fixed_state, monkeypatch):
    """Deep in the payment entries at 80 columns and without colour: every choice whole, ticked ones marked X."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = WizardApp(Session.edit(EXAMPLE), blink=False)

    async def open_choices(pilot) -> None:
        await pilot.pause()
        screen = pilot.app.screen
        for entry in ("payment.lines_of_business.0", "payment.lines_of_business.0.arrangements.0"):
            await screen.jump(entry)
            await pilot.pause()
            await pilot.press("enter")  # open it
            await pilot.pause()
        await screen.jump("payment.lines_of_business.0.arrangements.0.combined_with")
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_choices)
