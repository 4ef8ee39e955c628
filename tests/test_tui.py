"""The wizard driven through Textual's Pilot: start screen, steps, forms from the schema, help, evaluation, review,
and never losing work. Each test is one focused scenario (the app is slow to start on a small machine)."""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from test_wizard import schema_with_a_new_question  # noqa: F401  (a fixture)
from textual.app import App
from textual.color import Color
from textual.geometry import Region
from textual.widgets import Button, Input, Markdown, OptionList, Select, TextArea
from textual.widgets._select import SelectCurrent

from apm_designer.document import load
from apm_designer.drafts import Session, draft_path_for, remember, write_draft
from apm_designer.tui.app import WizardApp
from apm_designer.tui.screens.dialogs import Ask, AskPath
from apm_designer.tui.screens.proposal import ProposalScreen, rendered_markdown
from apm_designer.tui.screens.start import StartScreen
from apm_designer.tui.widgets.choice import Choice
from apm_designer.tui.widgets.fields import EntryBox, FieldBox, GroupBox, slug
from apm_designer.tui.widgets.help import HelpPage
from apm_designer.tui.widgets.pages import StepPage
from apm_designer.tui.widgets.proposal_view import BulletItem, ProposalView, TableBlock, fit_columns, top_level_blocks
from apm_designer.wizard import REVIEW, field_at, parse_dotted, step_fields, step_of, steps

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "proposals" / "examples"
RUN = [sys.executable, "-m", "apm_designer"]


def drive(app: WizardApp, scenario: Callable[..., Awaitable[None]], size: tuple[int, int] = (80, 24)) -> None:
    async def run() -> None:
        app.animation_level = "none"
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await scenario(pilot)
            # run_test ends the app without WizardApp.exit, which would first stop the building of pages while the
            # proposer pauses (a scenario longer than IDLE) and let the page being built finish: Textual mounts
            # nothing once it is ending. As exit does:
            app.exiting = True
            proposal = next((s for s in app.screen_stack if isinstance(s, ProposalScreen)), None)
            if proposal is not None:
                await proposal.pages_built()

    asyncio.run(run())


async def settled(pilot) -> None:
    """Wait until the answers have been checked, evaluated and drafted (the screen does that after a pause)."""
    await pilot.pause(0.3)
    await pilot.pause()


async def go(pilot, path: str) -> None:
    """Go to a question the way selecting a finding does (focus moves on the next refresh)."""
    await pilot.app.screen.jump(path)
    await pilot.pause()


def box(app: WizardApp, path: str) -> FieldBox:
    return app.screen.query_one(f"#box-{slug(field_at(path).path)}", FieldBox)


def _path_of(widget) -> str:
    """The dotted path of the question a widget belongs to."""
    while widget is not None and not hasattr(widget, "field"):
        widget = widget.parent
    return widget.field.dotted if widget is not None else ""


def typed(text: str) -> list[str]:
    return ["space" if c == " " else c for c in text]


# ------------------------------------------------------------------------------------------------- start screen


def test_start_screen_offers_new_open_recent_and_unsaved_drafts(state, aco):
    remember(aco)
    write_draft(draft_path_for(None), None, {"schema_version": 1, "metadata": {"title": "Half-done model"}})

    async def scenario(pilot):
        screen = pilot.app.screen
        assert isinstance(screen, StartScreen)
        drafts = screen.query_one("#start-drafts", OptionList)
        recent = screen.query_one("#start-recent", OptionList)
        assert drafts.display and drafts.option_count == 1
        assert "Half-done model" in str(drafts.get_option_at_index(0).prompt)
        assert recent.display and "aco.yaml" in str(recent.get_option_at_index(0).prompt)
        # New, Start from a CMS model…, Open…, then the drafts list: resume the first draft
        await pilot.press("tab", "tab", "tab", "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ProposalScreen)
        assert pilot.app.session.questionnaire.title == "Half-done model"

    drive(WizardApp(), scenario)


def test_start_screen_opens_a_typed_file_name_and_reports_a_broken_one(state, aco):
    (state / "broken.yaml").write_text("metadata: [unclosed\n", encoding="utf-8")

    async def scenario(pilot):
        await pilot.press("o")
        assert isinstance(pilot.app.screen, AskPath)
        await pilot.press(*typed("broken.yaml"), "enter")
        error = pilot.app.screen.query_one("#path-error")
        assert error.display and "broken.yaml:" in str(error.render())
        pilot.app.screen.query_one("#path", Input).value = ""
        await pilot.press(*typed("aco.yaml"), "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ProposalScreen)
        assert pilot.app.session.path == Path("aco.yaml")
        assert "Tri-County" in pilot.app.screen.title

    drive(WizardApp(), scenario)


def test_new_proposal_from_the_start_screen(state):
    async def scenario(pilot):
        await pilot.press("n")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ProposalScreen) and screen.current == "overview"
        assert isinstance(pilot.app.focused, Input) and pilot.app.focused.id == "q-metadata-title"
        assert "not saved yet" in screen.sub_title

    drive(WizardApp(), scenario)


# ---------------------------------------------------------------------------------------- steps and navigation


def test_step_list_shows_each_steps_state_and_moving_around_keeps_every_answer(state, aco):
    async def scenario(pilot):
        app = pilot.app
        screen = app.screen
        await settled(pilot)
        assert screen.check.states["element_1"] == "complete"
        await go(pilot, "element_4.beneficiaries")
        assert isinstance(app.focused, Input) and app.focused.id == "q-element_4-beneficiaries"
        await pilot.press("end", "a")  # a number that is no number: a problem, shown as you type
        assert box(app, "element_4.beneficiaries").error.startswith("type a whole number")
        await settled(pilot)
        assert screen.check.states["element_4"] == "problems"
        steps_list = screen.query_one("#steps", OptionList)
        assert "▲" in str(steps_list.get_option("element_4").prompt)
        assert "●" in str(steps_list.get_option("element_1").prompt)

        await pilot.press("ctrl+n", "ctrl+n")
        assert screen.current == "element_6"
        await pilot.press("ctrl+b", "ctrl+b", "ctrl+b")
        assert screen.current == "element_3"
        await pilot.press("ctrl+g")  # to the step list, then pick a step with the arrows
        assert app.focused is steps_list
        await pilot.press("home", "enter")
        assert screen.current == "overview"
        await pilot.press("ctrl+g", "end", "enter")
        assert screen.current == REVIEW
        await screen.show_step("element_4")
        field = screen.query_one("#q-element_4-beneficiaries", Input)
        assert field.value.endswith("a") and box(app, "element_4.beneficiaries").error

    drive(WizardApp(Session.edit(aco)), scenario)


# ---------------------------------------------------------------------------------------------- schema forms


def test_every_question_in_the_schema_gets_a_widget(state, aco):
    """Including the entries of repeatable groups (quality measures, lines of business, arrangements)."""

    async def scenario(pilot):
        screen = pilot.app.screen
        data = pilot.app.session.questionnaire.data
        missing = []
        for s in steps():
            if s.key == REVIEW:
                continue
            await screen.show_step(s.key)
            await screen.pages[s.key].complete()
            await open_every_entry(screen)
            for field in (f for top in step_fields(s.key) for f in _with_entries(top, data)):
                if len(field.path) == 1:  # a step's section: its questions make up the page
                    continue
                if field.kind == "list":
                    wanted = f"#add-{slug(field.path)}"
                elif field.kind == "group":
                    wanted = f"#box-{slug(field.path)}"
                else:
                    wanted = f"#q-{slug(field.path)}"
                if not screen.query(wanted):
                    missing.append(field.dotted)
        assert missing == []

    drive(WizardApp(Session.edit(aco)), scenario, size=(120, 40))


async def open_every_entry(screen) -> None:
    """Open the closed entries of the current page, and those inside them."""
    while closed := [e for e in screen.pages[screen.current].query(EntryBox) if not e.open]:
        for entry in closed:
            await screen.open_entry(entry, True, focus=False)


def _with_entries(field, data):
    """A question and every question under it, with the entries the answers hold."""
    from apm_designer.wizard import get

    yield field
    for child in field.children:
        yield from _with_entries(child, data)
    if field.kind == "list":
        for index in range(len(get(data, field.path) or [])):
            for child in field.item_fields(index):
                yield from _with_entries(child, data)


def test_a_long_step_shows_its_first_questions_at_once_and_the_rest_straight_after(state, aco):
    """The twenty design factors: the first screenful is built for the first paint, the others right after; a
    problem in the last factor is shown at its question once that is built, and jumping there waits for it."""
    text = aco.read_text(encoding="utf-8")
    wrong = text.replace("rating: medium\n    rationale: Suits mature", "rating: 3\n    rationale: Suits mature")
    assert wrong != text
    aco.write_text(wrong, encoding="utf-8")
    last = "design_factors.scalability.rating"

    async def scenario(pilot):
        app, screen = pilot.app, pilot.app.screen
        await screen.show_step("design_factors", focus=True)
        page = screen.pages["design_factors"]
        assert not page.is_complete and len(page.query(GroupBox)) == StepPage.FIRST
        await page.complete()
        await settled(pilot)
        assert len(page.query(GroupBox)) == 20 and box(app, last).error
        assert app.focused.id == "q-design_factors-department_goals-rating"  # building the rest left the focus alone
        await go(pilot, last)
        assert app.focused.id == f"q-{slug(field_at(last).path)}"

    drive(WizardApp(Session.edit(aco)), scenario, size=(120, 40))


@pytest.mark.usefixtures("schema_with_a_new_question")
def test_a_question_added_to_the_schema_appears_with_its_limits(state):
    async def scenario(pilot):
        screen = pilot.app.screen
        await go(pilot, "element_3.prior_pilots")  # the last question of its step
        field = screen.query_one("#q-element_3-prior_pilots", Input)
        assert "Earlier pilots" in str(box(pilot.app, "element_3.prior_pilots").query_one(".field-title").render())
        field.focus()
        await pilot.press("5", "1")
        assert "maximum 50" in box(pilot.app, "element_3.prior_pilots").error
        await pilot.press("backspace")
        assert box(pilot.app, "element_3.prior_pilots").error is None
        assert pilot.app.session.questionnaire.data["element_3"]["prior_pilots"] == 5

    drive(WizardApp(Session.new(state / "p.yaml")), scenario)


def test_each_kind_of_question_takes_its_answer_from_the_keyboard(state):
    async def scenario(pilot):
        app = pilot.app
        q = app.session.questionnaire
        await go(pilot, "metadata.performance_year")
        await pilot.press(*typed("2,026"))
        assert q.data["metadata"]["performance_year"] == 2026
        await go(pilot, "metadata.status")
        assert isinstance(app.focused, Select)
        await pilot.press("enter", "down", "enter")
        assert q.data["metadata"]["status"] == app.focused.value
        await go(pilot, "element_1.cehrt.required")
        await pilot.press("enter", "down", "down", "enter")  # Not answered, Yes, No
        assert q.data["element_1"]["cehrt"]["required"] is False
        await go(pilot, "element_1.intended_types")
        await pilot.press("space", "down", "space")
        assert q.data["element_1"]["intended_types"] == ["apm", "advanced_apm"]
        await go(pilot, "element_1.authority_rationale")
        assert isinstance(app.focused, TextArea)
        await pilot.press(*typed("Two lines"), "enter", *typed("of text"))
        assert q.data["element_1"]["authority_rationale"] == "Two lines\nof text"
        await go(pilot, "element_6.measures")
        await pilot.press("enter")  # + Add quality measure
        await pilot.pause()
        assert q.data["element_6"]["measures"] == [{}]
        assert app.focused.id == "q-element_6-measures-0-name"

    drive(WizardApp(Session.new(state / "p.yaml")), scenario)


def test_the_question_in_use_is_marked_by_a_bar_and_its_title_in_the_theme_accent(state, aco):
    def painted(app, widget, dx: int = 0):
        """The character and its colour drawn on screen at the widget's top left (+ dx)."""
        x, y = widget.region.x + dx, widget.region.y
        strip = app.screen._compositor.render_strips()[y]  # the screen as the terminal is sent it
        cells = [(char, seg.style) for seg in strip for char in seg.text]
        char, style = cells[x]
        return char, style.color.triplet.hex if style.color else None

    async def scenario(pilot):
        app = pilot.app
        await go(pilot, "element_3.model_design")
        first, second = box(app, "element_3.model_design"), box(app, "element_3.supporting_data")

        def accent(name: str) -> str:
            return Color.parse(app.theme_variables[name]).hex.lower()

        accents = set()
        for theme in ("textual-dark", "nord", "textual-light"):
            app.theme = theme
            await pilot.pause()
            accents.add(accent("accent"))
            assert painted(app, first) == ("▌", accent("accent")), theme  # the bar, in this theme's accent
            title = first.query_one(".field-title")
            assert painted(app, title)[1] == accent("text-accent"), theme
            assert painted(app, second)[0] == " "  # no bar beside a question not in use
            assert painted(app, second.query_one(".field-title"))[1] != accent("text-accent")
        assert len(accents) > 1  # the themes differ in accent: the bar has followed a change of theme

        await pilot.press("tab")  # on to the next question: the bar and the colour follow the focus
        await pilot.pause()
        assert _path_of(app.focused) == "element_3.supporting_data"
        assert painted(app, second) == ("▌", accent("accent"))
        assert painted(app, first)[0] == " "
        assert painted(app, first.query_one(".field-title"))[1] != accent("text-accent")

    drive(WizardApp(Session.edit(aco)), scenario, size=(120, 40))


# -------------------------------------------------------------------------------------- help and evaluation


async def help_page(pilot, key: str) -> HelpPage:
    """A step's help, once shown: it is built after the form's first refresh, which on a loaded machine may take a
    few frames."""
    for _ in range(100):
        shown = pilot.app.screen.query_one("#help-pages").visible_content
        if isinstance(shown, HelpPage) and shown.id == f"help-{key}":
            return shown
        await pilot.pause(0.05)
    raise AssertionError(f"the help of {key} was not built")


def test_toolkit_help_is_beside_the_form_on_a_wide_terminal_and_toggles_with_f1(state):
    async def scenario(pilot):
        screen = pilot.app.screen
        aside = screen.query_one("#aside")
        assert aside.display
        await screen.show_step("element_4", focus=True)
        help_text = (await help_page(pilot, "element_4")).content  # the help follows the form onto the screen
        assert "From real models" in help_text.plain  # the toolkit's examples, each led by its model in bold
        assert any(span.style == "bold" and help_text.plain[span.start:span.end].startswith("Comprehensive ESRD Care")
                   for span in help_text.spans), help_text.plain
        await screen.show_step("payment", focus=True)
        assert "Glossary" in (await help_page(pilot, "payment")).content.plain
        await pilot.press("f1")
        assert not aside.display
        await pilot.press("f1")
        assert aside.display

    drive(WizardApp(Session.new(state / "p.yaml")), scenario, size=(120, 40))


def test_help_is_hidden_on_a_small_terminal_until_asked_for(state):
    async def scenario(pilot):
        screen = pilot.app.screen
        assert not screen.query_one("#aside").display
        await pilot.press("f1")
        assert "Welcome" in (await help_page(pilot, "overview")).content.plain
        assert screen.query_one("#aside").display
        await pilot.press("f2")
        assert screen.query_one("#aside-tabs").active == "tab-evaluation"

    drive(WizardApp(Session.new(state / "p.yaml")), scenario)


def test_the_evaluation_follows_the_answers_and_a_finding_jumps_to_its_question(state, aco):
    async def scenario(pilot):
        app, screen = pilot.app, pilot.app.screen
        await settled(pilot)
        assert screen.evaluation.verdicts["advanced_apm"].value == "yes"
        assert "✓ Advanced APM" in str(screen.query_one("#verdicts").render())
        await go(pilot, "element_1.cehrt.share_of_clinicians")
        await pilot.press("ctrl+u", "1", "0")  # 10% of clinicians on CEHRT is below the threshold
        await settled(pilot)
        assert screen.evaluation.verdicts["advanced_apm"].value == "no"
        assert "✗ Advanced APM" in str(screen.query_one("#verdicts").render())

        await pilot.press("f2")
        panel = screen.query_one("#evaluation", OptionList)
        panel.focus()
        cehrt = next(key for key, path in panel.targets.items() if path.startswith("element_1.cehrt"))
        panel.highlighted = panel.get_option_index(cehrt)
        await screen.show_step("overview")
        await pilot.press("enter")
        await pilot.pause()
        assert screen.current == "element_1"
        assert app.focused.id.startswith("q-element_1-cehrt")

    drive(WizardApp(Session.edit(aco)), scenario)


def test_the_evaluation_and_the_review_name_answers_by_question_and_label(state, aco):
    """What the proposer reads names each answer by its place and question, and its value by its label; the jump
    behind a line still goes by the answer's path."""
    from test_reviewer_words import machine_words

    contradicting = state / "contradicting.yaml"
    contradicting.write_text(aco.read_text(encoding="utf-8").replace("    required: true", "    required: false", 1),
                             encoding="utf-8")

    async def scenario(pilot):
        screen = pilot.app.screen
        await settled(pilot)
        await pilot.press("f2")
        panel = screen.query_one("#evaluation", OptionList)
        lines = [str(panel.get_option_at_index(i).prompt) for i in range(panel.option_count)]
        warning = next(line for line in lines if "A CEHRT share only where the model requires CEHRT" in line)
        assert ("Element 1 · Model requires CEHRT use is “No”, yet Element 1 · Share of clinicians required to use "
                "CEHRT is 80%") in warning
        key = next(k for k, path in panel.targets.items() if path == "element_1.cehrt.required" and
                   "A CEHRT share only" in str(panel.get_option(k).prompt))
        assert machine_words(str(panel.get_option(key).prompt)) == []
        await screen.show_step(REVIEW, focus=True)
        problems = screen.query_one("#review-problems", OptionList)
        review = [str(problems.get_option_at_index(i).prompt) for i in range(problems.option_count)]
        assert any("Element 1 · Model requires CEHRT use is “No”" in line for line in review)
        assert all(machine_words(line) == [] for line in review if "A CEHRT share only" in line)

    drive(WizardApp(Session.edit(contradicting)), scenario)


def test_a_jump_to_another_step_scrolls_its_question_into_view(state, aco):
    """The page of another step is laid out only once it is shown: the question is scrolled to after that."""
    async def scenario(pilot):
        screen = pilot.app.screen
        await screen.show_step("element_4", focus=True)
        await pilot.pause()
        await go(pilot, "metadata.version")  # far down the overview page
        await pilot.pause()
        focused = pilot.app.focused
        assert screen.current == "overview" and focused.id == "q-metadata-version"
        assert screen.pages["overview"].region.contains_region(focused.region), focused.region
        await pilot.press("end", "x")
        assert focused.value == "1.0x"

    drive(WizardApp(Session.edit(aco)), scenario, size=(120, 40))


def test_payment_step_shows_live_lan_metrics(state):
    async def scenario(pilot):
        screen = pilot.app.screen
        await screen.show_step("payment", focus=True)
        await pilot.press("enter")  # + Add line of business
        await pilot.pause()
        await go(pilot, "payment.lines_of_business[0].total_dollars")
        await pilot.press(*typed("1,000,000"))
        await go(pilot, "payment.lines_of_business[0].arrangements")
        await pilot.press("enter")
        await settled(pilot)
        # A note names the answer it waits for by its place and question, as the proposer sees it, not its path.
        table = str(screen.query_one("#metrics-table").render())
        assert "payment.lines_of_business" not in table
        assert "Payment arrangement 1 · Arrangement: no arrangement type yet" in " ".join(table.split())
        await go(pilot, "payment.lines_of_business[0].arrangements[0].type")
        await pilot.press("enter", *typed("Shared s"), "enter")
        await go(pilot, "payment.lines_of_business[0].arrangements[0].dollars")
        await pilot.press(*typed("250000"))
        await settled(pilot)
        table = str(screen.query_one("#metrics-table").render())
        assert "25.0%" in table or "25%" in table

    drive(WizardApp(Session.new(state / "p.yaml")), scenario, size=(120, 40))


def entry_line(screen, path: str) -> str:
    """What a closed entry's line says: its summary and its state."""
    entry = screen.query_one(f"#box-{slug(parse_dotted(path))}", EntryBox)
    assert not entry.open
    return f"{entry.query_one('.open-entry', Button).label} {entry.query_one('.entry-state').render()}"


def test_entries_of_a_repeatable_group_show_closed_and_open_to_edit_without_losing_answers(state, aco):
    async def scenario(pilot):
        app, screen = pilot.app, pilot.app.screen
        data = app.session.questionnaire.data
        await screen.show_step("payment", focus=True)
        await settled(pilot)
        lines = data["payment"]["lines_of_business"]
        # Closed: one line each, saying what the entry is and that it is complete; no questions built.
        assert not screen.query("#q-payment-lines_of_business-0-total_dollars")
        labels = dict(field_at("payment.lines_of_business[0].line_of_business").choices)
        for n, line in enumerate(lines):
            said = entry_line(screen, f"payment.lines_of_business[{n}]")
            assert labels[line["line_of_business"]] in said and f"${line['total_dollars']:,}" in said
            assert f"{len(line['arrangements'])} payment arrangements" in said and "✓ complete" in said

        assert app.focused.id == "open-payment-lines_of_business-0"  # the first thing on the page
        await pilot.press("tab", "tab", "enter")  # past Remove, to the second line, and open it
        await pilot.pause()
        assert app.focused.id == "q-payment-lines_of_business-1-line_of_business"
        assert screen.query("#box-payment-lines_of_business-0.-closed")  # the others stay closed
        await go(pilot, "payment.lines_of_business[1].total_dollars")
        await pilot.press(*["backspace"] * 12, *typed("$215,000,000"))
        await settled(pilot)
        assert lines[1]["total_dollars"] == 215_000_000
        screen.query_one("#close-payment-lines_of_business-1", Button).press()
        await settled(pilot)
        assert app.focused.id == "open-payment-lines_of_business-1"
        said = entry_line(screen, "payment.lines_of_business[1]")
        assert "$215,000,000" in said and "✗" not in said and lines[1]["total_dollars"] == 215_000_000

    drive(WizardApp(Session.edit(aco)), scenario, size=(120, 40))


def test_a_closed_entry_shows_its_problems_and_jumping_into_it_opens_it(state, aco):
    text = aco.read_text(encoding="utf-8")
    aco.write_text(text.replace("\n      dollars: 54000000\n", "\n      dollars: -5\n"), encoding="utf-8")

    async def scenario(pilot):
        app, screen = pilot.app, pilot.app.screen
        await screen.show_step("payment")
        await settled(pilot)
        assert "✗ 1 problem" in entry_line(screen, "payment.lines_of_business[0]")
        problem = "payment.lines_of_business[0].arrangements[1].dollars"
        assert list(screen.check.problems) == [problem]
        await go(pilot, problem)  # as selecting the problem in the review does
        assert _path_of(app.focused) == problem and box(app, problem).error
        assert "✗" not in entry_line(screen, "payment.lines_of_business[0].arrangements[0]")

    drive(WizardApp(Session.edit(aco)), scenario, size=(120, 40))


def test_removing_an_entry_with_answers_asks_first(state, aco):
    async def scenario(pilot):
        app, screen = pilot.app, pilot.app.screen
        measures = app.session.questionnaire.data["element_6"]["measures"]
        names = [m["name"] for m in measures]
        await go(pilot, "element_6.measures[2].name")  # opens the third measure
        screen.query_one("#remove-element_6-measures-0", Button).press()
        await pilot.pause()
        assert isinstance(app.screen, Ask) and "Remove quality measure 1?" in str(app.screen.title_text)
        await pilot.press("escape")  # the harmless answer: keep it
        await pilot.pause()
        assert [m["name"] for m in measures] == names
        screen.query_one("#remove-element_6-measures-0", Button).press()
        await pilot.pause()
        app.screen.query_one("#choice-remove", Button).press()
        await pilot.pause()
        assert [m["name"] for m in app.session.questionnaire.data["element_6"]["measures"]] == names[1:]
        # The open measure moved up with its answers and is still open; the others are closed.
        assert screen.query_one("#q-element_6-measures-1-name", Input).value == names[2]
        # (On this step's page: a slow run may have built the others meanwhile, the payment entries among them.)
        assert [e.open for e in screen.pages["element_6"].query(EntryBox)] == [i == 1 for i in range(len(names) - 1)]
        assert app.focused.id == "add-element_6-measures"

    drive(WizardApp(Session.edit(aco)), scenario, size=(120, 40))


# ---------------------------------------------------------------------------------------------------- review


def test_review_shows_the_rendered_proposal_and_exports_what_render_writes(state, aco):
    async def scenario(pilot):
        screen = pilot.app.screen
        await pilot.press("ctrl+g", "end", "enter")
        await settled(pilot)
        assert screen.current == REVIEW
        markdown = screen.query_one("#review-markdown", Markdown)
        assert markdown.source.startswith("# Tri-County Accountable Care Partnership")
        assert markdown.query("MarkdownH2")  # rendered as a document, not shown as text
        problems = screen.query_one("#review-problems", OptionList)
        assert problems.option_count >= 1
        await pilot.press("ctrl+r")  # asks where, offering aco.md
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause(0.2)

    drive(WizardApp(Session.edit(aco)), scenario)
    rendered = subprocess.run([*RUN, "render", str(aco)], capture_output=True, text=True, check=True).stdout
    assert aco.with_suffix(".md").read_text(encoding="utf-8") == rendered


def test_review_draws_every_table_and_list_item_whole_each_as_one_widget(state, aco):
    def cells_drawn(table) -> list[list[str]]:
        """Each row's cells as drawn, read back from the box-drawn lines (a cell's wrapped lines joined)."""
        lines = [strip.text for strip in table.render_lines(Region(0, 0, *table.size))]
        if "┬" not in lines[0]:  # a row at a time, each cell after its column's name
            headers = [h.plain for h in table._headers]
            stacked: list[list[str]] = []
            for line in lines:
                inner = line.strip()[1:-1]
                if line.lstrip().startswith(("┌", "├")):
                    stacked.append([])
                elif line.lstrip().startswith("│") and len(stacked[-1]) < len(headers) and inner.startswith(
                        f" {headers[len(stacked[-1])]}:"):
                    stacked[-1].append(inner.strip()[len(headers[len(stacked[-1])]) + 1:])
                elif line.lstrip().startswith("│"):
                    stacked[-1][-1] += " " + inner.strip()
            return [headers, *stacked]
        rows: list[list[str]] = []
        for line in lines:
            if line.lstrip().startswith(("┌", "├", "└")):  # a rule: the next text line starts a new row
                rows.append([])
            elif "│" in line and rows:
                parts = line.strip().split("│")[1:-1]
                rows[-1] = [a + " " + b for a, b in zip(rows[-1], parts, strict=True)] if rows[-1] else parts
        return [row for row in rows if row]

    def squeezed(text: str) -> str:
        return "".join(text.split())  # a cell's text as wrapped, folded or not

    async def scenario(pilot):
        screen = pilot.app.screen
        await screen.show_step(REVIEW, focus=True)
        await settled(pilot)
        markdown = screen.query_one("#review-markdown", Markdown)
        tables = list(markdown.query(TableBlock))
        source_tables = [block for block in markdown.source.split("\n\n") if block.startswith("|")]
        assert len(tables) == len(source_tables) > 5
        assert not markdown.query("MarkdownTableCellContents")  # no widget per cell
        for table, source in zip(tables, source_tables, strict=True):
            assert not table.children
            drawn = cells_drawn(table)
            lines = [strip.text.strip() for strip in table.render_lines(Region(0, 0, *table.size))]
            assert lines[0].startswith("┌") and lines[-1].startswith("└")  # as tall as the table: none cut or blank
            assert max(len(line) for line in lines) <= table.size.width
            parsed = [table._headers, *table._rows]  # the cells as Textual's Markdown parser read them
            assert len(parsed) == len(source.splitlines()) - 1  # every row of the source (less its rule)
            assert [[squeezed(c) for c in row] for row in drawn] == [[squeezed(c.plain) for c in row]
                                                                     for row in parsed]

        items = list(markdown.query(BulletItem))
        tokens = MarkdownIt("gfm-like").parse(markdown.source)
        one_paragraph = [i for i, t in enumerate(tokens) if t.type == "list_item_open"
                         and tokens[i + 1].type == "paragraph_open" and tokens[i + 4].type == "list_item_close"]
        assert len(items) == len(one_paragraph) > 20  # each item of one paragraph; others as Textual draws them
        # no row, bullet and column widgets around an item of one paragraph: only around an answer with parts
        groups = sum(1 for i, t in enumerate(tokens) if t.type == "list_item_open" and i not in one_paragraph)
        assert len(markdown.query("MarkdownBullet")) == groups
        wrapped = 0
        for item in items:
            lines = [strip.text.rstrip() for strip in item.render_lines(Region(0, 0, *item.size))]
            assert len(lines) == item.size.height and all(lines)  # as tall as its text
            indent = len(item.symbol)  # "• ": the bullet and its space
            assert lines[0].startswith(item.symbol) and lines[0][indent] != " "
            assert all(line.startswith(" " * indent) and line[indent] != " " for line in lines[1:])  # hanging
            assert squeezed("".join(line[indent:] for line in lines)) == squeezed(item._content.plain)
            wrapped += len(lines) > 1
        assert wrapped  # the hanging indent was seen at work

    drive(WizardApp(Session.edit(aco)), scenario, size=(120, 40))


def test_review_after_an_edit_rebuilds_only_the_blocks_whose_source_changed(state, aco):
    def drawn_text(block) -> str:  # a list draws nothing itself: its items do
        if block.children:
            return " ".join(drawn_text(child) for child in block.children)
        return " ".join(strip.text.strip() for strip in block.render_lines(Region(0, 0, *block.size)))

    async def scenario(pilot):
        screen = pilot.app.screen
        await screen.show_step(REVIEW, focus=True)
        await settled(pilot)
        markdown = screen.query_one("#review-markdown", ProposalView)
        before = list(markdown.children)
        await go(pilot, "element_3.model_design")
        await pilot.press("end", *" Zebra-crossing", "ctrl+s")
        await settled(pilot)
        await screen.show_step(REVIEW, focus=True)
        await settled(pilot)

        source = markdown.source
        assert "Zebra-crossing" in source and source == rendered_markdown(
            screen.session.questionnaire.data, screen.evaluation, screen.check)
        # Block for block what a fresh parse of the new source gives, in order, nothing left over or missing ...
        fresh = top_level_blocks(MarkdownIt("gfm-like").parse(source), source.splitlines(keepends=True))
        blocks = list(markdown.children)
        assert [block.block_source for block in blocks] == [block_source for block_source, _ in fresh]
        # ... with the blocks whose source is unchanged kept as they were, and the changed one built and drawn.
        new = [block for block in blocks if block not in before]
        assert 1 <= len(new) <= 3 and len(blocks) > 50
        assert [b for b in new if "Zebra-crossing" in b.block_source] == [b for b in new if "Zebra-crossing"
                                                                          in drawn_text(b)]
        assert any("Zebra-crossing" in drawn_text(b) for b in new)

    drive(WizardApp(Session.edit(aco)), scenario, size=(120, 40))


def test_table_columns_fit_the_width_with_short_columns_whole():
    # A verdict table: label, short verdict, long reason. The reason takes most of the width; the short columns
    # show whole once there is room for them beside it; all of it fits the width.
    lengths, words = [26, 16, 300], [14, 8, 52]
    for width in (40, 72, 120):
        widths = fit_columns(lengths, words, width)
        assert sum(widths) == width
        assert widths[2] == max(widths)
    assert fit_columns(lengths, words, 160)[:2] == [26, 16]
    assert fit_columns(lengths, words, 400) == lengths
    assert fit_columns([3, 5], [3, 5], 40) == [3, 5]  # never wider than its text
    assert fit_columns([50, 60], [10, 12], 4) == [2, 2]  # narrower than its words: split, never below one
    assert min(fit_columns([9, 9, 9], [9, 9, 9], 2)) == 1


def test_review_lists_problems_and_missing_answers_and_selecting_one_goes_there(state):
    draft = EXAMPLES / "draft-rural-telehealth.yaml"
    target = state / "draft.yaml"
    shutil.copyfile(draft, target)

    async def scenario(pilot):
        screen = pilot.app.screen
        await settled(pilot)
        await screen.show_step(REVIEW, focus=True)
        problems = screen.query_one("#review-problems", OptionList)
        lines = [str(problems.get_option_at_index(i).prompt) for i in range(problems.option_count)]
        assert any(line.startswith("○ missing:") for line in lines)
        assert [line for line in lines if line.startswith("○ missing: ") and "_" in line] == []  # by its place
        first_missing = next(i for i, line in enumerate(lines) if line.startswith("○ missing:"))
        path = screen.query_one("#page-review").targets[problems.get_option_at_index(first_missing).id]
        problems.highlighted = first_missing
        await pilot.press("enter")
        await pilot.pause()
        assert screen.current == step_of(path).key != REVIEW
        assert _path_of(pilot.app.focused).startswith(path)

    drive(WizardApp(Session.edit(target)), scenario)


# ------------------------------------------------------------------------------------------ never lose work


def test_ctrl_s_saves_and_editing_one_answer_changes_only_its_line(state, aco):
    before = aco.read_text(encoding="utf-8")

    async def scenario(pilot):
        await go(pilot, "element_4.beneficiaries")
        await pilot.press("ctrl+u", *typed("41000"))
        await settled(pilot)
        assert draft_path_for(aco).exists()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not pilot.app.session.dirty
        assert not draft_path_for(aco).exists()

    drive(WizardApp(Session.edit(aco)), scenario)
    changed = [(a, b) for a, b in zip(before.splitlines(), aco.read_text(encoding="utf-8").splitlines(), strict=True)
               if a != b]
    assert changed == [("  beneficiaries: 42000", "  beneficiaries: 41000")] or (
        len(changed) == 1 and changed[0][1].strip() == "beneficiaries: 41000")


def test_open_and_save_without_edits_is_byte_identical(state, aco):
    before = aco.read_bytes()
    mtime = aco.stat().st_mtime_ns

    async def scenario(pilot):
        await settled(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()

    drive(WizardApp(Session.edit(aco)), scenario)
    assert aco.read_bytes() == before and aco.stat().st_mtime_ns == mtime


def test_quitting_while_a_page_is_built_in_the_background_ends_cleanly(state, aco):
    """While the proposer pauses the screen builds the pages not visited yet; quitting then must not fail (run_test
    raises any error a widget had)."""

    async def scenario(pilot):
        app, screen = pilot.app, pilot.app.screen
        app.last_input = 0.0  # a long pause
        building = asyncio.ensure_future(screen._while_idle())
        for _ in range(100):
            if screen.building:
                break
            await asyncio.sleep(0)
        assert screen.building
        await pilot.press("ctrl+q")  # nothing changed: quits at once
        await building

    drive(WizardApp(Session.edit(aco)), scenario)


def test_quitting_with_unsaved_changes_asks(state, aco):
    async def scenario(pilot):
        await go(pilot, "metadata.version")
        await pilot.press("end", "1")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(pilot.app.screen, Ask)
        await pilot.press("escape")  # the harmless answer: keep working
        await pilot.pause()
        assert isinstance(pilot.app.screen, ProposalScreen) and pilot.app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("tab", "enter")  # Quit without saving
        await pilot.pause()
        assert not pilot.app.is_running

    drive(WizardApp(Session.edit(aco)), scenario)
    assert load(aco).data["metadata"]["version"] == "1.0"
    assert not draft_path_for(aco).exists()


def test_reopening_offers_the_newer_draft(state, aco):
    data = load(aco).data
    data["metadata"]["title"] = "Retitled in a session that crashed"
    write_draft(draft_path_for(aco), aco, data)
    os.utime(draft_path_for(aco), (aco.stat().st_mtime + 60,) * 2)

    async def scenario(pilot):
        await pilot.pause()
        assert isinstance(pilot.app.screen, Ask)
        assert "Unsaved answers found" in str(pilot.app.screen.query_one(".dialog-title").render())
        await pilot.press("enter")  # Restore the draft
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ProposalScreen)
        assert screen.query_one("#q-metadata-title", Input).value == "Retitled in a session that crashed"
        assert pilot.app.session.dirty

    drive(WizardApp(Session.edit(aco)), scenario)


def test_a_file_changed_on_disk_is_not_silently_overwritten(state, aco):
    async def scenario(pilot):
        await go(pilot, "metadata.version")
        await pilot.press("end", "1")
        aco.write_text(aco.read_text(encoding="utf-8").replace("Tri-County", "Someone else's"), encoding="utf-8")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, Ask)
        assert "Changed on disk" in str(pilot.app.screen.query_one(".dialog-title").render())
        await pilot.press("escape")  # cancel
        await pilot.pause()
        assert pilot.app.session.dirty

    drive(WizardApp(Session.edit(aco)), scenario)
    assert "Someone else's" in aco.read_text(encoding="utf-8")


def test_opening_a_committed_example_leaves_the_git_tree_clean(state):
    # In a repository of its own with this one's .gitignore, not in this checkout: the draft written meanwhile
    # would be offered to the tests that open the same example at the same time (the suite runs in parallel).
    repo = state / "repo"
    example = repo / "proposals" / "examples" / "two-sided-aco.yaml"
    example.parent.mkdir(parents=True)
    shutil.copyfile(EXAMPLES / "two-sided-aco.yaml", example)
    shutil.copyfile(ROOT / ".gitignore", repo / ".gitignore")
    git = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "examples"]):
        subprocess.run([*git, *args], cwd=repo, check=True, capture_output=True)
    before = example.read_bytes()

    async def scenario(pilot):
        await settled(pilot)
        await go(pilot, "metadata.version")
        await pilot.press("end", "1")
        await settled(pilot)
        assert draft_path_for(example).exists()
        ignored = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True)
        assert ignored.stdout == "", "drafts beside committed files must be gitignored"
        await go(pilot, "metadata.version")
        await pilot.press("backspace")
        await settled(pilot)

    drive(WizardApp(Session.edit(example)), scenario)
    assert example.read_bytes() == before
    assert not draft_path_for(example).exists()
    assert subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=repo, capture_output=True,
                          text=True).stdout == ""


def test_a_new_proposal_without_a_file_asks_for_a_name_on_first_save(state):
    async def scenario(pilot):
        await pilot.press(*typed("Unnamed model"))
        await settled(pilot)
        drafts = list((state / "state" / "apm-designer" / "drafts").glob("*.apm-draft.yaml"))
        assert len(drafts) == 1  # an unnamed proposal drafts in the state folder
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, AskPath)
        await pilot.press(*typed("notes.txt"), "enter")
        assert "end the name with .yaml" in str(pilot.app.screen.query_one("#path-error").render())
        pilot.app.screen.query_one("#path", Input).value = ""
        await pilot.press(*typed("mine.yaml"), "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ProposalScreen) and not pilot.app.session.dirty
        assert not drafts[0].exists()

    drive(WizardApp(Session.new()), scenario)
    assert load(state / "mine.yaml").data["metadata"]["title"] == "Unnamed model"


def test_a_step_switch_arranges_the_screen_once_per_layout(state, aco):
    # Textual 8.2.8 arranges every widget a second time in a frame that brings widgets on screen (compositor.py).
    async def scenario(pilot):
        screen = pilot.app.screen
        for key in ("design_factors", "element_1", REVIEW, "element_1"):
            await screen.show_step(key, focus=True)
            await settled(pilot)
        compositor = screen._compositor
        counts = {"reflow": 0, "arrange": 0}
        reflow, arrange = compositor.reflow, compositor._arrange_root

        def counted(name, method):
            def call(*args, **kwargs):
                counts[name] += 1
                return method(*args, **kwargs)
            return call

        compositor.reflow, compositor._arrange_root = counted("reflow", reflow), counted("arrange", arrange)
        for key in ("design_factors", "element_1", REVIEW, "element_1"):
            await screen.show_step(key, focus=True)
            await pilot.pause()
        assert counts["reflow"] >= 4
        assert counts["arrange"] == counts["reflow"]

    drive(WizardApp(Session.edit(aco)), scenario, size=(120, 40))


def test_garbage_is_collected_automatically_again_once_a_switched_step_is_on_screen(state, aco):
    async def scenario(pilot):
        screen = pilot.app.screen
        for key in ("design_factors", REVIEW, "element_1"):
            await screen.show_step(key, focus=True)
            assert not gc.isenabled()  # none until the step is drawn
            await pilot.pause()
            assert gc.isenabled()
            assert gc.get_count()[0] < 700  # what the switch made was collected

    drive(WizardApp(Session.edit(aco)), scenario, size=(120, 40))
    assert gc.isenabled()


def test_a_choice_draws_what_textuals_select_draws_with_fewer_widgets():
    # Every cell (its character, colours and weight; the colour of a blank is not seen) of a Choice and of Textual's
    # Select, side by side: with nothing chosen, a short and a wrapped value, focused or not, open, in both themes.
    options = [("Short", 1), ("A much longer label that wraps over more than one line of the box", 2)]

    class SideBySide(App):
        CSS = "Select { width: 40; margin-bottom: 8; }"

        def compose(self):
            yield Select(options, id="textual", prompt="Choose…")
            yield Choice(options, id="ours", prompt="Choose…")

    def cells(app, region):
        strips = app.screen._compositor.render_strips()
        return [[(ch, seg.style.color if ch != " " else None, seg.style.bgcolor, seg.style.bold)
                 for seg in strips[y].crop(region.x, region.right) for ch in seg.text]
                for y in range(region.y, region.bottom)]

    async def run():
        app = SideBySide()
        async with app.run_test(size=(60, 30)) as pilot:
            textual, ours = app.query_one("#textual", Select), app.query_one("#ours", Choice)
            assert len(list(ours.query("*"))) == len(list(textual.query("*"))) - 3
            compared = 0
            for theme in ("textual-dark", "textual-light"):
                app.theme = theme
                for value in (Select.NULL, 1, 2):
                    for state in ("blurred", "focused", "open"):
                        drawn = []
                        for select in (textual, ours):
                            select.value = value
                            select.expanded = False
                            app.set_focus(select if state != "blurred" else None)
                            await pilot.pause()
                            if state == "open":
                                await pilot.press("enter")
                                await pilot.pause()
                                assert select.expanded
                            drawn.append(cells(app, select.query_one(SelectCurrent).region))
                        assert drawn[0] == drawn[1], (theme, value, state)
                        compared += 1
            assert compared == 18

    asyncio.run(run())


def test_one_pause_builds_every_step_not_visited_yet_and_a_key_stops_it(state, aco):
    async def scenario(pilot):
        app, screen = pilot.app, pilot.app.screen
        screen.idle_timer.pause()  # the pause is made here, one at a time
        app.last_input = 0.0  # a long pause
        await screen._while_idle()
        assert set(screen.pages) == {s.key for s in steps()} - {REVIEW}  # all in one pause, the review aside
        assert all(page.is_complete for key, page in screen.pages.items() if key != screen.current)  # finished

        await screen.rebuild()  # every page but the current one gone again
        assert set(screen.pages) == {screen.current}
        app.last_input = 0.0
        building = asyncio.ensure_future(screen._while_idle())
        while len(screen.pages) < 2:
            await asyncio.sleep(0)
        await pilot.press("right")  # a key: the pause is over
        await building
        assert len(screen.pages) == 2  # the page being built was finished, and no other begun

    drive(WizardApp(Session.edit(aco)), scenario, size=(120, 40))
