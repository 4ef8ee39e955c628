"""The wizard's review shows what saving would change, driven with Textual's Pilot as a proposer works: the
verdicts an edit changes and the answers it changes, in words, each going to its answer; nothing after a save;
nothing at all for a proposal that has no file yet."""

from __future__ import annotations

from test_tui import drive, go, settled
from textual.widgets import OptionList, Static

from apm_designer.document import load
from apm_designer.drafts import Session
from apm_designer.tui.app import WizardApp
from apm_designer.wizard import REVIEW


def prompts(panel: OptionList) -> list[str]:
    return [str(panel.get_option_at_index(i).prompt) for i in range(panel.option_count)]


def test_the_review_shows_what_saving_would_change_and_nothing_once_saved(state, aco):
    async def scenario(pilot):
        app, screen = pilot.app, pilot.app.screen
        await screen.show_step(REVIEW, focus=True)
        await settled(pilot)
        changes = screen.query_one("#review-changes", OptionList)
        assert changes.display and prompts(changes) == ["✓ The same as the file on disk: nothing to save."]

        await go(pilot, "element_1.cehrt.share_of_clinicians")
        await pilot.press("ctrl+u", "7", "0")  # below the 75% an Advanced APM needs
        await go(pilot, "element_6.measures[1].name")
        await pilot.press("end", *" (adjusted)")
        await settled(pilot)
        await screen.show_step(REVIEW, focus=True)
        await settled(pilot)
        title = str(screen.query_one("#review-changes-title", Static).render())
        assert title == "Changes since the file was saved: 2 answers, 1 verdict changed."
        shown = prompts(changes)
        assert shown[0].startswith("◆ Advanced APM: Yes → No · Element 1 · Share of clinicians required to use CEHRT "
                                   "is 70%, which is below the 75%")
        assert "⚠ Intended classifications match the computed ones: no longer passes" in shown
        assert "✎ Element 1 · Share of clinicians required to use CEHRT: 80% → 70%" in shown
        assert "✎ Element 6 · Quality measure 2 · Measure: 1 word added" in shown  # a long text: its words counted
        assert not any("element_" in p or "share_of_clinicians" in p for p in shown)  # words, not paths

        changes.focus()  # a change goes to its answer
        changes.highlighted = shown.index("✎ Element 1 · Share of clinicians required to use CEHRT: 80% → 70%")
        await pilot.press("enter")
        await settled(pilot)
        assert screen.current == "element_1" and app.focused.id == "q-element_1-cehrt-share_of_clinicians"

        await pilot.press("ctrl+s")
        await settled(pilot)
        assert load(app.session.path).data["element_1"]["cehrt"]["share_of_clinicians"] == 70
        await screen.show_step(REVIEW, focus=True)
        await settled(pilot)
        assert prompts(changes) == ["✓ The same as the file on disk: nothing to save."]

    drive(WizardApp(Session.edit(aco)), scenario, size=(120, 40))


def test_a_proposal_with_no_file_yet_has_no_changes_to_show(state):
    async def scenario(pilot):
        screen = pilot.app.screen
        await screen.show_step(REVIEW, focus=True)
        await settled(pilot)
        assert not screen.query_one("#review-changes", OptionList).display
        assert not screen.query_one("#review-changes-title", Static).display

    drive(WizardApp(Session.new()), scenario, size=(120, 40))
