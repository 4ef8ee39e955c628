"""The wizard at its edges, driven through Textual's Pilot as a proposer uses it: typing into answers already given,
undo, where exports go, the panes and header at 80 columns, and choices told apart without colour."""

from __future__ import annotations

from pathlib import Path

from test_tui import drive, go, settled, typed
from textual.widgets import Input, TextArea

from apm_designer.document import load
from apm_designer.drafts import Session
from apm_designer.tui.app import WizardApp

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "proposals" / "examples"


# ------------------------------------------------------------------------------------------- typing and undo


def test_typing_into_a_given_answer_adds_to_it_and_ctrl_z_takes_it_back(state, aco):
    given = load(aco).data
    title, organisation = given["metadata"]["title"], given["metadata"]["organisation"]
    rationale = given["element_1"]["authority_rationale"]

    async def scenario(pilot):
        app = pilot.app
        q = app.session.questionnaire
        assert isinstance(app.focused, Input) and app.focused.id == "q-metadata-title"  # focused when it opens
        await pilot.press(*typed(" (v2)"))
        assert q.answer(("metadata", "title")) == title + " (v2)"
        await pilot.press("tab")
        assert app.focused.id == "q-metadata-organisation"
        await pilot.press(*typed(" Inc"))
        assert q.answer(("metadata", "organisation")) == organisation + " Inc"
        await pilot.press("ctrl+z")
        assert app.focused.value == organisation and q.answer(("metadata", "organisation")) == organisation
        await pilot.press(*typed(" LLC"))  # the cursor is back at the end of what was restored
        assert q.answer(("metadata", "organisation")) == organisation + " LLC"
        await pilot.press("shift+tab", "ctrl+z")
        assert q.answer(("metadata", "title")) == title
        await pilot.press("ctrl+z")  # nothing more to undo: nothing changes
        assert q.answer(("metadata", "title")) == title

        await go(pilot, "element_1.authority_rationale")
        assert isinstance(app.focused, TextArea)
        await pilot.press(*typed(" More."))
        assert q.answer(("element_1", "authority_rationale")) == rationale + " More."
        await pilot.press("ctrl+z")
        assert q.answer(("element_1", "authority_rationale")) == rationale
        await settled(pilot)

    drive(WizardApp(Session.edit(aco)), scenario)
