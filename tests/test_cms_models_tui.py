"""Starting from a real CMS model on the wizard's start screen, driven through Textual's Pilot, and its snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_tui import drive, typed
from textual.widgets import Input, OptionList

from apm_designer import cms_models
from apm_designer.tui.app import WizardApp
from apm_designer.tui.screens.proposal import ProposalScreen
from apm_designer.tui.screens.start import PickModel, StartScreen

ROOT = Path(__file__).resolve().parent.parent


def test_start_from_a_cms_model_searches_the_library_and_opens_a_draft_of_its_answers(state):
    async def scenario(pilot):
        await pilot.press("m")
        await pilot.pause()
        picker = pilot.app.screen
        assert isinstance(picker, PickModel)
        models = picker.query_one("#model-list", OptionList)
        assert models.option_count == len(cms_models.library())
        first = str(models.get_option_at_index(0).prompt)
        assert first.startswith("▸ Shared Savings Program, BASIC track Level A\n  2022 · APM · MIPS APM · LAN 3A: ACOs")
        await pilot.press(*typed("oncology two"))  # every word must match
        assert [o.id for o in models.options] == ["oncology-care-model-two-sided"]
        picker.query_one("#model-search", Input).value = "oncology"
        await pilot.pause()
        assert [o.id for o in models.options] == ["oncology-care-model", "oncology-care-model-two-sided"]
        await pilot.press("down", "enter")  # the search keeps the focus; down moves to the second
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ProposalScreen)
        session = pilot.app.session
        model = cms_models.find("oncology-care-model-two-sided")
        assert session.questionnaire.title == "A new model based on Oncology Care Model, two-sided risk"
        assert session.questionnaire.data["metadata"]["status"] == "draft"
        assert session.questionnaire.data["element_1"] == model.data()["element_1"]
        assert session.path is None and session.dirty and "not saved yet" in screen.sub_title
        assert session.note == cms_models.note(model)

    drive(WizardApp(), scenario)


def test_escape_leaves_the_library_without_starting_anything(state):
    async def scenario(pilot):
        await pilot.press("m")
        await pilot.pause()
        await pilot.press(*typed("no such model"))
        assert pilot.app.screen.query_one("#model-list", OptionList).option_count == 0
        await pilot.press("enter")  # nothing to start
        assert isinstance(pilot.app.screen, PickModel)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, StartScreen) and pilot.app.session is None

    drive(WizardApp(), scenario)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_the_library_on_screen(snap_compare, tmp_path, monkeypatch, size):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(ROOT)

    async def open_library(pilot) -> None:
        await pilot.press("m")
        await pilot.pause()
        await pilot.press(*typed("aco"))
        await pilot.pause(0.3)

    assert snap_compare(WizardApp(blink=False), terminal_size=size, run_before=open_library)


def test_the_help_shows_how_the_models_the_toolkit_names_answered_the_question_in_use(state):
    from test_tui import go, help_page

    from apm_designer.drafts import Session

    ocm, cpc = cms_models.find("oncology-care-model"), cms_models.find("comprehensive-primary-care-plus")

    async def shown(pilot) -> str:
        page = await help_page(pilot, pilot.app.screen.current)
        box = page.query_one(".help-models")
        return str(box.render()) if box.display else ""

    async def scenario(pilot):
        await go(pilot, "element_2.value_over_volume")  # the toolkit's element 2 names OCM and CPC+
        await pilot.pause()
        text = await shown(pilot)
        assert text.startswith("How real models answered: Paying for value over volume\n\n")
        assert f"{ocm.name} (2018). {ocm.data()['element_2']['value_over_volume'][:60]}" in " ".join(text.split())
        assert f"{cpc.name} (2019). A care management fee" in text
        assert pilot.app.focused.id == "q-element_2-value_over_volume"  # the proposer's own answer, in the form
        await go(pilot, "element_2.new_payments")  # a repeatable group: the models' entries do not correspond
        await pilot.pause()
        assert await shown(pilot) == ""
        await go(pilot, "element_1.financial_risk.type")  # element 1 names the Next Generation ACO Model
        await pilot.pause()
        assert "Next Generation ACO Model (2019). Two-sided (shared savings and losses)" in await shown(pilot)
        await go(pilot, "element_7.workflow_fit")  # element 7 names only the Pioneer ACO Model, not in the library
        await pilot.pause()
        assert not (await help_page(pilot, "element_7")).query_one(".help-models").display

    drive(WizardApp(Session.new()), scenario, size=(120, 40))
