"""The wizard at its edges, driven through Textual's Pilot as a proposer uses it: typing into answers already given,
undo, where exports go, the panes and header at 80 columns, and choices told apart without colour."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from test_tui import drive, go, settled, typed
from textual.geometry import Region
from textual.widgets import Header, Input, SelectionList, TextArea
from textual.widgets._header import HeaderTitle

from apm_designer.document import load
from apm_designer.drafts import Session, draft_path_for, remember, write_draft
from apm_designer.tui.app import WizardApp
from apm_designer.tui.screens.dialogs import Ask, AskPath
from apm_designer.tui.screens.proposal import ProposalScreen
from apm_designer.tui.widgets.proposal_view import TableBlock
from apm_designer.wizard import REVIEW

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


# ------------------------------------------------------------------------------------------- where files go


def test_typing_no_on_a_yes_no_question_chooses_no_and_typing_not_clears_it(state, aco):
    """Textual's list matches its blank option ("Not answered") first, so typing "no" chose it rather than "No"."""
    path = ("element_1", "cehrt", "required")

    async def scenario(pilot):
        app = pilot.app
        await app.screen.jump("element_1.cehrt.required")
        await settled(pilot)
        assert app.focused.id == "q-element_1-cehrt-required" and app.session.questionnaire.answer(path) is True
        for keys, chosen in ((("n", "o"), False), (("y",), True), (("n", "o", "t"), None)):
            await pilot.press("enter", *keys, "enter")
            await settled(pilot)
            assert app.session.questionnaire.answer(path) is chosen, keys

    drive(WizardApp(Session.edit(aco)), scenario, size=(120, 40))


def test_make_run_edits_an_untracked_copy_of_the_example():
    """`make run` is a newcomer's first command: saving there (enter on the quit dialog) must not change a file the
    repository tracks."""
    plan = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    [edit] = [line for line in plan.splitlines() if "apm-designer edit " in line]
    edited = edit.split("apm-designer edit ", 1)[1].split()[0]
    assert subprocess.run(["git", "ls-files", "--error-unmatch", edited], cwd=ROOT, capture_output=True).returncode
    assert subprocess.run(["git", "check-ignore", "-q", edited], cwd=ROOT).returncode == 0
    assert f"cp -n proposals/examples/two-sided-aco.yaml {edited}" in plan


def test_export_says_where_it_writes_and_asks_before_replacing_a_file_it_did_not_write(state, aco):
    theirs = aco.with_suffix(".md")
    theirs.write_text("someone's notes\n", encoding="utf-8")
    rendered = subprocess.run([sys.executable, "-m", "apm_designer", "render", str(aco)], capture_output=True,
                              text=True, check=True).stdout

    async def scenario(pilot):
        app = pilot.app
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, AskPath)
        assert app.screen.query_one("#path", Input).value == "aco.md"  # where it will write, before it does
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, Ask) and "aco.md already exists" in str(app.screen.query_one(
            ".dialog-message").render())
        await pilot.press("enter")  # out of habit: keeps the file
        await pilot.pause()
        assert theirs.read_text(encoding="utf-8") == "someone's notes\n"

        await pilot.press("ctrl+r", "enter")
        await pilot.pause()
        await pilot.press("tab", "enter")  # Replace it
        await pilot.pause(0.2)
        assert theirs.read_text(encoding="utf-8") == rendered
        assert any("Exported the rendered proposal to aco.md" in str(n.message) for n in app._notifications)

        theirs.write_text("stale\n", encoding="utf-8")
        await pilot.press("ctrl+r")  # written in this session: written again, without asking
        await pilot.pause(0.2)
        assert isinstance(app.screen, ProposalScreen)
        assert theirs.read_text(encoding="utf-8") == rendered

    drive(WizardApp(Session.edit(aco)), scenario)


# ------------------------------------------------------------------------------------------- at 80 columns


def test_ctrl_g_at_80_columns_with_a_pane_open_shows_the_step_list_it_focuses(state, aco):
    async def scenario(pilot):
        screen = pilot.app.screen
        for pane in ("f1", "f2"):
            await pilot.press(pane)
            await pilot.pause()
            assert screen.aside_shown and not screen.query_one("#sidebar").display  # the pane takes its place
            await pilot.press("ctrl+g")
            await pilot.pause()
            steps = screen.query_one("#steps")
            assert pilot.app.focused is steps
            assert screen.query_one("#sidebar").display and steps.region.width > 0  # seen, not focused blind
            await pilot.press("down", "enter")
            await pilot.pause()
            assert screen.current == "element_1"
            await pilot.press("ctrl+b")
            await pilot.pause()

    drive(WizardApp(Session.edit(aco)), scenario, size=(80, 24))


def test_the_header_always_shows_the_file_and_whether_it_is_saved_shortening_a_long_title(state, aco):
    async def scenario(pilot):
        screen = pilot.app.screen
        title = pilot.app.session.questionnaire.title
        for size in ((80, 24), (60, 24), (160, 40)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            await pilot.press("end", "x")  # an unsaved change
            await pilot.pause()
            shown = screen.query_one(Header).format_title().plain
            room = screen.query_one(HeaderTitle).size.width
            assert len(shown) <= room, (size, shown)
            assert shown.endswith(" — aco.yaml · ● unsaved"), shown
            assert title[:10] in shown  # the title, shortened only as much as it must be
            if size[0] == 160:
                assert title in shown
            await pilot.press("backspace")
            await pilot.pause()

    drive(WizardApp(Session.edit(aco)), scenario, size=(80, 24))


def test_under_a_root_folder_the_start_screen_lists_only_the_files_in_it(state, aco):
    team = state / "team"
    team.mkdir()
    inside = team / "shared.yaml"
    inside.write_bytes(aco.read_bytes())
    (team / "link.yaml").symlink_to(aco)
    remember(aco)
    remember(inside)
    write_draft(draft_path_for(aco), aco, {"metadata": {"title": "Draft outside"}})

    async def scenario(pilot):
        screen = pilot.app.screen
        assert screen.recent == [inside.resolve()]
        assert screen.drafts == []
        await pilot.press("o")
        await pilot.pause()
        for outside in ("aco.yaml", str(aco), "team/link.yaml"):  # relative, absolute, a link in the folder
            pilot.app.screen.query_one("#path", Input).value = ""
            await pilot.press(*typed(outside), "enter")
            await pilot.pause()
            assert isinstance(pilot.app.screen, AskPath)
            assert "only files in" in str(pilot.app.screen.query_one("#path-error").render())
        pilot.app.screen.query_one("#path", Input).value = ""
        await pilot.press(*typed("team/shared.yaml"), "enter")
        await pilot.pause()
        assert pilot.app.session.path == Path("team/shared.yaml")

    drive(WizardApp(root=team.resolve()), scenario)


def test_at_80_columns_every_choice_shows_whole_and_ticked_boxes_differ_without_colour(state, aco):
    path = "payment.lines_of_business.0.arrangements.0.combined_with"
    chosen = load(aco).data["payment"]["lines_of_business"][0]["arrangements"][0]["combined_with"]

    async def scenario(pilot):
        screen = pilot.app.screen
        await go(pilot, "payment.lines_of_business.0")
        await pilot.press("enter")  # open the line of business
        await go(pilot, "payment.lines_of_business.0.arrangements.0")
        await pilot.press("enter")  # and its first arrangement
        await go(pilot, path)
        choices = screen.query_one("#q-payment-lines_of_business-0-arrangements-0-combined_with", SelectionList)
        field = choices.parent.field
        assert choices.size.width < 40  # deep in the payment entries: a narrow list
        choices.styles.max_height = 200  # every line on screen, to read them all
        await pilot.pause()
        lines = [choices.render_line(y).text for y in range(choices.size.height)]
        boxes = [(n, line[1]) for n, line in enumerate(lines) if line.startswith("▐")]
        assert len(boxes) == len(field.choices)
        for (value, label), (n, tick), next_box in zip(field.choices, boxes, [*boxes[1:], (len(lines), "")],
                                                       strict=True):
            shown = " ".join(line[4:].strip() for line in lines[n:next_box[0]]).strip()
            assert shown == label, "a choice is shown whole, wrapped onto more lines"
            assert tick == ("X" if value in chosen else " "), "ticked: X; not ticked: blank"
        assert not lines[1].startswith("▐") and "legacy" not in chosen
        inside = choices.content_region.offset - choices.region.offset
        # Beside the first choice's second line: ticks that choice.
        await pilot.click(choices, offset=(inside.x + 1, inside.y + 1))
        await pilot.pause()
        assert "legacy" in pilot.app.session.questionnaire.answer(
            ("payment", "lines_of_business", 0, "arrangements", 0, "combined_with"))

    drive(WizardApp(Session.edit(aco)), scenario, size=(80, 24))


def test_at_80_columns_the_reviews_tables_split_no_word_that_fits(state, aco):
    """A table whose columns cannot stand side by side without splitting words (the payment arrangements' six, in
    the 46 columns the review has at 80) is drawn a row at a time, each cell after its column's name."""

    async def scenario(pilot):
        screen = pilot.app.screen
        await screen.show_step(REVIEW, focus=True)
        await settled(pilot)
        tables = list(screen.query(TableBlock))
        assert len(tables) >= 5  # the payment arrangements, the metrics, the findings, the design factors...
        stacked = 0
        for table in tables:
            width = table.size.width
            lines = [strip.text for strip in table.render_lines(Region(0, 0, *table.size))]
            assert lines[0].startswith("┌") and lines[-1].startswith("└") and len(lines) == table.size.height
            assert all(len(line.rstrip()) <= width for line in lines)
            drawn = {word for line in lines for word in line.replace("│", " ").split()}
            for row in [table._headers, *table._rows]:
                for cell in row:
                    for word in cell.plain.split():
                        assert len(word) > width - 6 or word in drawn or f"{word}:" in drawn, (word, lines)
            stacked += not any("┬" in line for line in lines)
        assert stacked  # some tables were too wide to draw side by side

    drive(WizardApp(Session.edit(aco)), scenario, size=(80, 24))
