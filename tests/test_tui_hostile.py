"""Hostile answers in the real wizard (Pilot): whatever is pasted into a long answer is saved so that the file
opens again with that answer, a save that would not load back changes nothing and keeps the draft, and a valid but
extreme answer (a tiny total) does not end the session."""

from __future__ import annotations

import re

import pytest
from test_tui import drive, go, settled
from textual import events
from textual.widgets import Markdown, TextArea

from apm_designer.document import load
from apm_designer.drafts import AnswersNotKept, ProposalFile, Session, draft_path_for, read_draft
from apm_designer.tui.app import WizardApp
from apm_designer.wizard import REVIEW, parse_dotted

LONG_ANSWER = "element_3.model_design"


@pytest.mark.parametrize("pasted", [
    "\tA first line indented with a tab\nand a second line",
    "Escape \x1b[2J clears a screen\nDEL \x7f, NUL \x00, CSI \x9b and BEL \x07",
    "a next line\x85and a line separator\u2028and a paragraph separator\u2029in one line\nthen a CR at the end\r",
], ids=["tab-first", "control-characters", "unicode-breaks"])
def test_a_long_answer_pasted_into_the_wizard_is_saved_so_that_the_file_opens_again(state, aco, pasted):
    given = {}

    async def scenario(pilot):
        await go(pilot, LONG_ANSWER)
        area = pilot.app.focused
        assert isinstance(area, TextArea)
        area.clear()
        area.post_message(events.Paste(pasted))
        await settled(pilot)
        await pilot.press("ctrl+s")
        await settled(pilot)
        given["answer"] = pilot.app.session.questionnaire.answer(parse_dotted(LONG_ANSWER))
        assert not pilot.app.session.dirty

    drive(WizardApp(Session.edit(aco)), scenario)
    assert given["answer"].startswith(pasted[:5])  # what the text box holds of the paste is the answer
    assert load(aco).data["element_3"]["model_design"] == given["answer"]


class LosesAnAnswer(ProposalFile):
    """A writer with the in-place editor's old fault: a literal block whose first line starts with a tab."""

    def render(self, data):
        return re.sub(r"(?m)^  model_design: .*$", "  model_design: |-\n    \tTabbed", super().render(data))


def test_a_save_that_would_not_load_back_replaces_nothing_and_keeps_the_draft(state, aco):
    before = aco.read_bytes()
    session = Session.edit(aco)
    session.file.__class__ = LosesAnAnswer
    session.questionnaire.set(parse_dotted(LONG_ANSWER), "\tTabbed")
    with pytest.raises(AnswersNotKept, match="would not load again"):
        session.save()
    assert aco.read_bytes() == before
    draft = read_draft(draft_path_for(aco))
    assert draft is not None and draft.data["element_3"]["model_design"] == "\tTabbed"


def test_a_tiny_total_shows_its_metrics_and_review_instead_of_ending_the_wizard(state, aco):
    aco.write_text(aco.read_text(encoding="utf-8").replace("total_dollars: 540000000", "total_dollars: 1.0e-20"),
                   encoding="utf-8")
    assert load(aco).data["payment"]["lines_of_business"][0]["total_dollars"] == 1e-20

    async def scenario(pilot):
        screen = pilot.app.screen
        await screen.show_step(REVIEW, focus=True)
        await settled(pilot)
        assert pilot.app.is_running and pilot.app.screen is screen and screen.current == REVIEW
        markdown = screen.query_one("#review-markdown", Markdown)
        assert markdown.source.startswith("# Tri-County Accountable Care Partnership")
        await screen.show_step("payment", focus=True)
        await settled(pilot)
        assert pilot.app.is_running and screen.current == "payment"

    drive(WizardApp(Session.edit(aco)), scenario)
