"""The proposal screen: the step list, the current step's form, the toolkit help and the live evaluation.

Every change is applied to the questionnaire at once; checking, evaluating, refreshing the panels and writing the
draft follow a moment later (one pass per burst of typing), so typing stays instant however large the proposal.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.scalar import Scalar
from textual.events import DescendantFocus, Resize
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import AwaitMount, Widget
from textual.widgets import Button, ContentSwitcher, Header, TabbedContent, TabPane

from apm_designer.document import write_atomic
from apm_designer.drafts import ChangedOnDisk, Session
from apm_designer.tui.compositor import ArrangeWhenNeeded
from apm_designer.tui.screens.dialogs import Ask, AskPath
from apm_designer.tui.widgets.evaluation import EvaluationPanel, JumpTo, VerdictSummary
from apm_designer.tui.widgets.fields import (
    AddEntry,
    Answered,
    EntryBox,
    FieldBox,
    GroupBox,
    ListBox,
    OpenEntry,
    RemoveEntry,
    slug,
)
from apm_designer.tui.widgets.footer import KeyFooter
from apm_designer.tui.widgets.help import HelpPage
from apm_designer.tui.widgets.pages import PageComplete, PaymentMetrics, ReviewPage, StepPage, page_id
from apm_designer.tui.widgets.steps import StepChosen, StepList
from apm_designer.wizard import (
    REVIEW,
    Check,
    answers_in,
    asked,
    asked_when,
    equal,
    parse_dotted,
    step,
    step_of,
    steps,
    without_problems,
)

if TYPE_CHECKING:
    from apm_designer.diff import Comparison

HEADER_ASIDE = 18  # columns of the header beside its title: Textual 8.2.8's icon (8) and clock space (10)
WIDE = 120  # columns from which the help and evaluation pane shows beside the form by default
SETTLE = 0.15  # seconds of quiet before checking, evaluating and writing the draft
IDLE = 2.0  # seconds without a key or a click before background work: building pages, collecting garbage


def evaluate(data: Any) -> Any:
    from apm_designer.rules import evaluate as run

    return run(data)


def rendered_markdown(data: Any, evaluation: Any, check: Check) -> str:
    """The proposal as `apm-designer render` writes it; with the problems in a banner while it does not validate
    (as `render --allow-invalid` does)."""
    from apm_designer.render import render_markdown
    from apm_designer.wording import place

    banner = None
    if check.problems:
        count = check.problem_count
        banner = "\n".join([f"This proposal does not validate yet ({count} problem{'s' * (count != 1)}).",
                            *(f"{place(path)}: {message}" for path, messages in check.problems.items()
                              for message in messages)])
    return render_markdown(data, evaluation=evaluation, banner=banner)


class ProposalScreen(Screen[None]):
    AUTO_FOCUS = ""  # not the step list first: each step focuses its first question itself (show_step)
    # Textual's screen repaints all of itself whenever the focus moves (its `focused` reactive repaints), after the
    # widgets that gained and lost the focus have repainted themselves: a second, whole-screen frame on every step
    # switch and every tab between questions.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+n", "next_step", "Next", priority=True),
        Binding("ctrl+b", "previous_step", "Back", priority=True),
        Binding("f1", "toggle_help", "Help"),
        Binding("f2", "toggle_evaluation", "Evaluation"),
        Binding("ctrl+g", "focus_steps", "Steps", priority=True),
        Binding("ctrl+r", "export", "Export", show=False, priority=True),  # not ctrl+e: end of line in text
    ]

    def __init__(self, session: Session, *, blink: bool = True) -> None:
        super().__init__()
        self._compositor = ArrangeWhenNeeded()  # see compositor.py
        self.session = session
        self.blink = blink
        self.current = steps()[0].key
        self.check: Check | None = None
        self.evaluation: Any = None
        self._settling = False
        self._aside_chosen = False  # once the user toggles the pane, resizing no longer decides for them
        # Pages are built on first visit and kept; each is brought up to date with the latest check when shown,
        # not on every check: a hidden page's widgets cost time on every pass and nobody sees them.
        self.pages: dict[str, StepPage | ReviewPage] = {}
        self._checked = 0  # how many times the answers have been checked
        self._page_checked: dict[str, int] = {}  # by step: the check its page shows
        self._saved: tuple[Any, Any] | None = None  # the file's answers as last opened or saved, and their evaluation
        self._panel_checked = 0
        self._building: AwaitMount | None = None  # a page being mounted (see WizardApp.exit)
        self.exported: set[Path] = set()  # the files the export wrote in this session (resolved)
        self.export_target: Path | None = None  # where the export last wrote

    # ------------------------------------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield StepList(id="steps")
                yield VerdictSummary(id="verdicts")
            yield ContentSwitcher(id="pages")
            with Vertical(id="aside"), TabbedContent(id="aside-tabs", initial="tab-help"):
                with TabPane("Toolkit", id="tab-help"):
                    yield ContentSwitcher(id="help-pages")
                with TabPane("Evaluation", id="tab-evaluation"):
                    yield EvaluationPanel(id="evaluation")
        yield KeyFooter(compact=True)

    async def on_mount(self) -> None:
        self.switcher = self.query_one("#pages", ContentSwitcher)
        self.step_list = self.query_one(StepList)
        self.panel = self.query_one(EvaluationPanel)
        self.aside = self.query_one("#aside")
        self._show_title()
        self._layout(self.app.size.width)
        self.settle()
        await self.show_step(self.current, focus=True)
        if self.session.offered_draft is not None:
            self.offer_draft()
        self._collected_for = -1.0  # the input after which garbage was last collected
        self.idle_timer = self.set_interval(IDLE / 2, self._while_idle)

    async def on_resize(self, event: Resize) -> None:
        self._show_title()
        self._layout(event.size.width)
        self._refresh_panel()
        self.show_help()

    def _layout(self, width: int, *, aside: bool | None = None) -> None:
        """Show the help and evaluation pane beside the form on a wide terminal (or when asked for); on a narrow one
        it takes the step list's place. Styles are set on the panes themselves: a class on the screen would
        restyle every widget of every page."""
        if aside is None:
            # Until the user decides, the terminal's width does; the review wants the width for the proposal.
            aside = self.aside_shown if self._aside_chosen else width >= WIDE and self.current != REVIEW
        narrow = width < WIDE
        sidebar, pane_width = self.query_one("#sidebar"), Scalar.parse("50%" if narrow else "32%")
        # Setting any of these, even to the value it has, lays the whole screen out again (50 ms on every step
        # switch, measured): so only what changes is set.
        if self.aside.display != aside:
            self.aside.display = aside
        if self.aside.styles.width != pane_width:
            self.aside.styles.width = pane_width
        if sidebar.display != (not (narrow and aside)):
            sidebar.display = not (narrow and aside)

    @property
    def aside_shown(self) -> bool:
        return bool(self.aside.display)

    def _show_title(self) -> None:
        """The header: the proposal's title, then its file and whether it is saved. The file and its state always
        show; the title is shortened to what room is left (Textual's header would cut the end off instead)."""
        path = self.session.path
        self.sub_title = (_shown(path) if path else "not saved yet") + (" · ● unsaved" if self.session.dirty
                                                                        else "")
        room = self.app.size.width - HEADER_ASIDE - len(" — ") - len(self.sub_title)
        title = self.session.questionnaire.title
        self.title = title if len(title) <= room else title[:max(room - 1, 0)].rstrip() + "…"

    # ------------------------------------------------------------------------------------------------- steps

    async def show_step(self, key: str, *, focus: bool = False) -> None:
        # No garbage collection until the step is on screen, then one of what the switch left (see _collect_young).
        gc.disable()
        try:
            await self._show_step(key, focus=focus)
        finally:
            self.call_after_refresh(_collect_young)  # after the frame that shows the step

    async def _show_step(self, key: str, *, focus: bool) -> None:
        page = self.pages.get(key)
        if page is None:
            page = ReviewPage() if key == REVIEW else StepPage(step(key), self.session.questionnaire,
                                                                 blink=self.blink)
            self.pages[key] = page
            await self._mount_page(page)
        elif self._building is not None:  # perhaps this very page, mounted while the proposer paused
            await self._building
        self.switcher.current = page_id(key)
        self.current = key
        self._layout(self.app.size.width)
        if focus:  # at once, before the hidden page's focus is moved elsewhere (each move rebuilds the footer)
            page.scroll_home(animate=False)
            page.focus_first()
        self.step_list.show_current(key)
        self._refresh_page(key)
        self.show_help()

    def show_help(self) -> None:
        """The toolkit help for the current step. Each step's help is built once, when it can first be seen, and
        after the step's form is on screen: the form comes first."""
        if not self.aside_shown:
            return
        switcher = self.query_one("#help-pages", ContentSwitcher)
        hid = f"help-{self.current}"
        if switcher.query_children(f"#{hid}"):
            switcher.current = hid
        else:
            switcher.current = None
            self.call_after_refresh(self._build_help, self.current)

    async def _build_help(self, key: str) -> None:
        switcher = self.query_one("#help-pages", ContentSwitcher)
        hid = f"help-{key}"
        if not switcher.query_children(f"#{hid}"):
            await switcher.mount(HelpPage(key))
        if key == self.current and switcher.query_children(f"#{hid}"):  # not there if the app is quitting
            switcher.current = hid
            self._show_model_answers()

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        self._show_model_answers()

    def _show_model_answers(self) -> None:
        """Beside the toolkit's guidance: how the real models it names answered the question in use."""
        help_page = self.query_one("#help-pages", ContentSwitcher).visible_content
        if not isinstance(help_page, HelpPage):
            return
        box = next((w for w in (self.focused, *(self.focused.ancestors if self.focused else ()))
                    if isinstance(w, FieldBox)), None)
        help_page.show_answers(box.field if box is not None else None)

    async def _while_idle(self) -> None:
        """Work done while the proposer reads or thinks, once they have not typed or clicked for `IDLE` seconds.

        First, build the pages of the steps not visited yet (the next ones first), one after another while the
        pause lasts, so going there later is as quick as going back; the review is left out, as it is rendered
        afresh when shown. A key pressed meanwhile waits for the page being built at most.

        Then, once per pause, collect garbage and freeze what is left. With every page built the app holds enough
        objects that a full collection takes up to a second (measured on the largest example); the app raises the
        collector's threshold for full collections (WizardApp), and collects here instead, while nobody waits.
        Frozen objects are left out of the collections made while typing, so those stay short.
        """
        keys = [s.key for s in steps() if s.key != REVIEW]
        while self._paused():
            start = keys.index(self.current) + 1 if self.current in keys else 0
            key = next((k for k in keys[start:] + keys[:start] if k not in self.pages), None)
            if key is None:
                break
            page = StepPage(step(key), self.session.questionnaire, blink=self.blink)
            page.display = False
            self.pages[key] = page
            await self._mount_page(page)
            await page.complete()
        else:
            return
        last_input = getattr(self.app, "last_input", 0.0)
        if self._collected_for != last_input:
            self._collected_for = last_input
            gc.unfreeze()  # so that what has died since the last pause is collected too
            gc.collect()
            gc.freeze()

    def _paused(self) -> bool:
        """Whether the proposer has paused on this screen (and the app is not quitting)."""
        app = self.app
        return (app.screen is self and not getattr(app, "exiting", False)
                and time.monotonic() - getattr(app, "last_input", 0.0) >= IDLE)

    async def _mount_page(self, page: StepPage | ReviewPage) -> None:
        self._building = self.switcher.mount(page)
        try:
            await self._building
        finally:
            self._building = None

    @property
    def building(self) -> bool:
        """Whether a page is being built (mounted, or building the questions it left for after its first paint)."""
        return self._building is not None or any(not page.is_complete for page in self.pages.values())

    async def pages_built(self) -> None:
        """Wait for every page being built (see WizardApp.exit)."""
        if self._building is not None:
            await self._building
        for page in list(self.pages.values()):
            await page.complete()

    @on(PageComplete)
    def _page_complete(self, event: PageComplete) -> None:
        """Show the latest check on the questions the page has just built."""
        key = event.page.step.key
        self._page_checked.pop(key, None)
        if key == self.current:
            self._refresh_page(key)

    async def rebuild(self) -> None:
        """Build the pages again from the answers (after a draft was restored)."""
        await self.pages_built()
        await self.switcher.remove_children()
        self.pages.clear()
        self._page_checked.clear()
        self.settle()
        await self.show_step(self.current)

    @on(StepChosen)
    async def _chosen(self, event: StepChosen) -> None:
        await self.show_step(event.key, focus=True)

    async def action_next_step(self) -> None:
        keys = [s.key for s in steps()]
        await self.show_step(keys[min(keys.index(self.current) + 1, len(keys) - 1)], focus=True)

    async def action_previous_step(self) -> None:
        keys = [s.key for s in steps()]
        await self.show_step(keys[max(keys.index(self.current) - 1, 0)], focus=True)

    @on(Button.Pressed, "#nav-next")
    async def _next(self) -> None:
        await self.action_next_step()

    @on(Button.Pressed, "#nav-back")
    async def _back(self) -> None:
        await self.action_previous_step()

    def action_focus_steps(self) -> None:
        if not self.query_one("#sidebar").display:  # a narrow terminal, where the pane open takes its place
            self._aside_chosen = True
            self._layout(self.app.size.width, aside=False)
        self.step_list.focus()

    @on(JumpTo)
    async def _jump(self, event: JumpTo) -> None:
        await self.jump(event.path)

    async def jump(self, path: str) -> None:
        """Go to the answer at a dotted path (or the nearest question above it that is asked), opening the
        entries of repeatable groups on the way."""
        parts = parse_dotted(path)
        key = step_of(parts).key
        switched = key != self.current
        await self.show_step(key)
        page = self.pages[key]
        # Where the question is is known once the page has been laid out: not yet if it has just been shown (a
        # hidden page is not laid out) or has questions built after its first paint.
        moved = switched or not page.is_complete
        await page.complete()
        for n, part in enumerate(parts):
            if isinstance(part, int):
                found = page.query(f"#box-{slug(parts[:n])}")
                box = found.first() if found else None
                entry = box.entry(part) if isinstance(box, ListBox) else None
                if entry is None:
                    break
                if not entry.open:
                    await self.open_entry(entry, True, focus=False)
                    moved = True
        for n in range(len(parts), 0, -1):
            found = page.query(f"#box-{slug(parts[:n])}")
            # a question not asked (for the year, or for the line of business) is hidden: go to the one above it
            if found and all(widget.display for widget in found.first().ancestors_with_self):
                box = found.first()
                if moved:
                    self.call_after_refresh(page.scroll_to_widget, box, animate=False, top=True)
                else:
                    page.scroll_to_widget(box, animate=False, top=True)
                if hasattr(box, "focus_control"):
                    box.focus_control()
                else:
                    next(iter(box.query(".answer")), box).focus()
                return
        page.focus_first()

    # --------------------------------------------------------------------------------------------- answers

    @on(Answered)
    def _answered(self, event: Answered) -> None:
        if self.session.questionnaire.set(event.path, event.value):
            if asked_when(event.path):  # some questions are asked only in some years, or for some lines
                for box in (*self.query(FieldBox), *self.query(GroupBox)):
                    box.display = asked(box.field, self.session.questionnaire.data)
            self.changed()

    @on(AddEntry)
    async def _add(self, event: AddEntry) -> None:
        box = event.box
        index = self.session.questionnaire.add_item(box.field.path)
        box.opened.add(index)
        await box.recompose()
        self.changed()
        entry = box.entry(index)
        if entry is not None:
            entry.focus_control()
            self.pages[self.current].scroll_to_widget(entry, top=True)

    @on(RemoveEntry)
    def _remove(self, event: RemoveEntry) -> None:
        self.remove_entry(event.box, event.index)

    @work(exclusive=True, group="entries")
    async def remove_entry(self, box: ListBox, index: int) -> None:
        """Remove an entry of a repeatable group, asking first when it holds answers: they would be gone."""
        q = self.session.questionnaire
        count = answers_in(q.answer((*box.field.path, index)))
        if count:
            name = f"{box.field.item_title.lower()} {index + 1}"
            answer = await self.app.push_screen_wait(Ask(
                f"Remove {name}?", f"Its {count} answer{'s' * (count != 1)} will be removed with it.",
                [("keep", "Keep it", "primary"), ("remove", f"Remove {name}", "error")], cancel="keep"))
            if answer != "remove":
                return
        q.remove_item(box.field.path, index)
        box.removed(index)
        await box.recompose()
        self.changed()
        box.query_one(".add").focus()

    @on(OpenEntry)
    async def _open(self, event: OpenEntry) -> None:
        await self.open_entry(event.entry, event.open)

    async def open_entry(self, entry: EntryBox, open: bool, *, focus: bool = True) -> None:
        """Open an entry of a repeatable group (build its questions) or close it to its summary line. Every answer
        is in the questionnaire already (each change is applied at once), so closing loses nothing."""
        await entry.set_open(open)
        if self.check is not None:
            self._show_check(entry, self.check)
        if focus:
            if open:
                entry.focus_control()
            else:
                entry.query_one(".open-entry").focus()

    def changed(self) -> None:
        self._show_title()
        if not self._settling:
            self._settling = True
            self.set_timer(SETTLE, self.settle)

    def settle(self) -> None:
        """Check and evaluate the answers, show the results everywhere, and keep the draft in step."""
        self._settling = False
        q = self.session.questionnaire
        try:  # first, so that nothing below can cost an answer
            self.session.autosave()
        except OSError as e:
            self.notify(f"Could not write the draft: {e.strerror or e}", severity="error", timeout=8)
        self.check = q.check()
        self._checked += 1
        self.step_list.show_states(self.check.states)
        try:
            self.evaluation = evaluate(without_problems(q.data, self.check))
        except Exception as e:  # a bug in one rule must not end the session: say so, keep the last evaluation
            self.log.error("evaluation failed", e)
            self.notify(f"The evaluator failed on these answers ({type(e).__name__}: {e}); please report it.",
                        severity="error", timeout=10)
        if self.evaluation is not None:
            self.query_one(VerdictSummary).show(self.evaluation)
        self._refresh_panel()
        self._refresh_page(self.current)
        self._show_title()

    def _refresh_page(self, key: str) -> None:
        """Show the latest check on a page: problems at their questions, the payment metrics, the review."""
        page = self.pages.get(key)
        if page is None or self.check is None or self._page_checked.get(key) == self._checked:
            return
        self._page_checked[key] = self._checked
        q = self.session.questionnaire
        if isinstance(page, ReviewPage):
            page.show(q.data, self.check, self.evaluation, rendered_markdown(q.data, self.evaluation, self.check),
                      self.changes_since_saved())
            return
        self._show_check(page, self.check)
        for metrics in page.query(PaymentMetrics):
            metrics.show(q.data, self.evaluation)

    def changes_since_saved(self) -> Comparison | None:
        """The answers and verdicts against the file as it was opened or last saved (what saving would change);
        None for a proposal with no file yet. The file's side is evaluated once per opening or save."""
        from apm_designer.diff import compare  # with the rules, imported once the wizard has been shown

        file = self.session.file
        if file is None or not file.exists or self.evaluation is None:
            return None
        if self._saved is None or self._saved[0] is not file.data:
            try:
                self._saved = (file.data, evaluate(file.data))
            except Exception as e:  # a bug in a rule: show no comparison rather than end the session
                self.log.error("evaluating the saved file failed", e)
                return None
        return compare(file.data, self.session.questionnaire.data, old_evaluation=self._saved[1],
                       new_evaluation=self.evaluation)

    def _show_check(self, widget: Widget, check: Check) -> None:
        """Problems at the questions under `widget`, and the state of its closed entries."""
        q = self.session.questionnaire
        for box in widget.query(FieldBox):
            # A box whose newest answer has not reached the questionnaire yet would be shown a stale problem.
            if equal(q.answer(box.field.path), box.value):
                box.show_problems(check.problems.get(box.field.dotted, ()))
        for entry in widget.query(EntryBox):
            entry.show_check(check)

    def _refresh_panel(self) -> None:
        """Show the latest evaluation in the panel, when it can be seen (else when it is next shown)."""
        visible = self.aside_shown and self.query_one("#aside-tabs", TabbedContent).active == "tab-evaluation"
        if visible and self.evaluation is not None and self._panel_checked != self._checked:
            self._panel_checked = self._checked
            self.panel.show(self.evaluation)

    @on(TabbedContent.TabActivated)
    def _tab_shown(self) -> None:
        self._refresh_panel()

    # ---------------------------------------------------------------------------------------------- panes

    async def action_toggle_help(self) -> None:
        await self._toggle_aside("tab-help")

    async def action_toggle_evaluation(self) -> None:
        await self._toggle_aside("tab-evaluation")

    async def _toggle_aside(self, tab: str) -> None:
        tabs = self.query_one("#aside-tabs", TabbedContent)
        self._aside_chosen = True
        if self.aside_shown and tabs.active == tab:
            self._layout(self.app.size.width, aside=False)
            return
        self._layout(self.app.size.width, aside=True)
        tabs.active = tab
        self._refresh_panel()
        self.show_help()

    # ------------------------------------------------------------------------------------------- saving

    @on(Button.Pressed, "#review-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @work(exclusive=True, group="file")
    async def action_save(self) -> None:
        await self.save()

    async def save(self) -> bool:
        """Save (asking for a file name the first time, and before replacing someone else's changes)."""
        target: Path | None = None
        if self.session.path is None:
            target = await self.app.push_screen_wait(AskPath(
                "Save the proposal", "Where should the proposal be saved? (a .yaml file)", "proposal.yaml",
                action="Save", check=_writable(".yaml", ".yml"), browse=False))
            if target is None:
                return False
            if target.exists():
                answer = await self.app.push_screen_wait(Ask(
                    "Replace the file?", f"{_shown(target)} already exists. Replace it with this proposal?",
                    [("replace", "Replace it", "error"), ("cancel", "Cancel", "default")]))
                if answer != "replace":
                    return False
        try:
            try:
                saved = self.session.save(target)
            except ChangedOnDisk:
                name = _shown(self.session.path) if self.session.path else "the file"
                answer = await self.app.push_screen_wait(Ask(
                    "Changed on disk",
                    f"{name} was changed by someone else since you opened it. Saving now replaces their changes "
                    "with yours. (Your answers are kept in the draft whatever you choose.)",
                    [("overwrite", "Replace with my answers", "error"), ("cancel", "Cancel", "default")]))
                if answer != "overwrite":
                    return False
                saved = self.session.save(target, overwrite=True)
        except OSError as e:
            self.notify(f"Could not save: {e.strerror or e}", severity="error", timeout=8)
            return False
        self.notify(f"Saved {_shown(saved)}", timeout=3)
        self._show_title()
        review = self.pages.get(REVIEW)
        if isinstance(review, ReviewPage):  # nothing is changed against the file now
            review.show_changes(self.changes_since_saved())
        return True

    @on(Button.Pressed, "#review-export")
    def _export_pressed(self) -> None:
        self.action_export()

    @work(exclusive=True, group="file")
    async def action_export(self) -> None:
        if self.session.path is None and not await self.save():
            return
        target = await self._export_target()
        if target is None:
            return
        try:
            q = self.session.questionnaire
            check = q.check()
            write_atomic(target, rendered_markdown(q.data, evaluate(without_problems(q.data, check)), check))
        except OSError as e:
            self.notify(f"Could not export: {e.strerror or e}", severity="error", timeout=8)
            return
        self.exported.add(target.resolve())
        self.export_target = target
        self.notify(f"Exported the rendered proposal to {_shown(target)}", timeout=4)

    async def _export_target(self) -> Path | None:
        """Where the export writes: asked the first time (the proposal's name with .md offered), then the same file.
        A file the export did not write in this session (someone's notes, a committed example's rendering) is
        replaced only when the proposer says so, and keeping it is what enter does."""
        if self.export_target is not None and self.export_target.resolve() in self.exported:
            return self.export_target
        assert self.session.path is not None
        target = await self.app.push_screen_wait(AskPath(
            "Export the rendered proposal", "The proposal as Markdown (as `apm-designer render` writes it) goes to:",
            _shown(self.session.path.with_suffix(".md")), action="Export", check=_writable(".md"), browse=False))
        if target is None:
            return None
        if target.exists() and target.resolve() not in self.exported:
            answer = await self.app.push_screen_wait(Ask(
                "Replace the file?", f"{_shown(target)} already exists, and this session did not write it. Replace "
                "it with the rendered proposal?", [("keep", "Keep it", "primary"), ("replace", "Replace it", "error")],
                cancel="keep"))
            if answer != "replace":
                return None
        return target

    @work(exclusive=True, group="file")
    async def request_quit(self) -> None:
        """Quit, asking first when there are unsaved changes."""
        if not self.session.dirty:
            self.session.discard()
            self.app.exit()
            return
        name = _shown(self.session.path) if self.session.path else "a file"
        answer = await self.app.push_screen_wait(Ask(
            "Unsaved changes", f"Save your changes to {name} before you quit?",
            [("save", "Save and quit", "primary"), ("discard", "Quit without saving", "error"),
             ("cancel", "Keep working", "default")]))
        if answer == "save" and await self.save():
            self.app.exit()
        elif answer == "discard":
            self.session.discard()
            self.app.exit()

    @work(exclusive=True, group="file")
    async def offer_draft(self) -> None:
        draft = self.session.offered_draft
        assert draft is not None
        when = time.strftime("%H:%M on %d %b %Y", time.localtime(draft.saved_at))
        where = f"newer than {_shown(self.session.path)}" if self.session.file and self.session.file.exists \
            else "never saved"
        answer = await self.app.push_screen_wait(Ask(
            "Unsaved answers found",
            f"A draft of “{draft.title}” from {when} is {where}. Restore its answers?",
            [("restore", "Restore the draft", "primary"), ("discard", "Discard it", "error")], cancel="restore"))
        if answer == "restore":
            self.session.restore(draft)
            await self.rebuild()
            self._show_title()
        else:
            self.session.decline_draft()


def _collect_young() -> None:
    """Collect the garbage of the latest objects, and collect it automatically again from now on.

    Drawing a step makes some 20,000 objects that live on, in the caches of what is drawn: collecting them as
    they come (Python collects every 700 new objects) took about 20 ms of each switch, in some 25 collections
    (measured on the design factors step). Once the step is on screen, the same work is done in one go while the
    proposer reads it."""
    gc.collect(1)
    gc.enable()


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _writable(*suffixes: str) -> Callable[[Path], str | None]:
    """A check of a file name typed to write to: what is wrong with it, or None."""

    def check(path: Path) -> str | None:
        if path.suffix not in suffixes:
            return f"end the name with {suffixes[0]}"
        if not path.parent.exists():
            return f"there is no folder {path.parent}"
        if path.is_dir():
            return "that is a folder"
        return None

    return check
