"""Form fields built from the schema: one widget per kind of question, with no code per question.

text and numbers -> Input (checked against the schema's limits as you type), long text -> TextArea, a choice ->
Select (as `Choice`, drawn with fewer widgets), yes/no -> a Select that keeps "not answered" apart from "no",
several choices -> SelectionList, a group -> a bordered box of its questions, a repeatable group -> its entries
(each closed to a summary line until opened) with Add and Remove buttons.

Each question sits in a `FieldBox` with its title, the schema's description as a hint and an error line right
under the widget (posting's pattern). A box reports a new answer with `Answered`; the screen applies it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.validation import ValidationResult, Validator
from textual.walk import walk_depth_first
from textual.widget import Widget
from textual.widgets import Button, Input, Label, OptionList, Select, SelectionList, Static, TextArea
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.selection_list import Selection

from apm_designer.tui.widgets.choice import Choice
from apm_designer.wizard import (
    Check,
    Field,
    Path,
    Questionnaire,
    as_text,
    asked,
    check,
    dotted,
    is_blank,
    parse,
)


def slug(path: Path) -> str:
    """A widget id part for an answer path: element_6-measures-0-name."""
    return "-".join(str(part) for part in path)


class Answered(Message):
    """A question got a new answer (None: the answer was cleared)."""

    def __init__(self, path: Path, value: Any) -> None:
        super().__init__()
        self.path = path
        self.value = value


class AddEntry(Message):
    def __init__(self, box: ListBox) -> None:
        super().__init__()
        self.box = box


class OpenEntry(Message):
    """Open (or close) an entry of a repeatable group."""

    def __init__(self, entry: EntryBox, open: bool) -> None:
        super().__init__()
        self.entry = entry
        self.open = open


class RemoveEntry(Message):
    def __init__(self, box: ListBox, index: int) -> None:
        super().__init__()
        self.box = box
        self.index = index


class AnswerValidator(Validator):
    """The schema's limits for one question, as Textual's Input validation (for its invalid styling)."""

    def __init__(self, field: Field) -> None:
        super().__init__()
        self.field = field

    def validate(self, value: str) -> ValidationResult:
        errors = parse(self.field, value).errors
        return self.failure(errors[0]) if errors else self.success()


def build(field: Field, questionnaire: Questionnaire, *, blink: bool = True, hints: set[str] | None = None) -> Widget:
    """The widget for a question of any kind. `hints` collects the hints shown so far on the page: a hint seen
    before (the twenty design factors ask the same two questions) is shown only while its question has focus."""
    hints = set() if hints is None else hints
    if field.kind == "group":
        group = GroupBox(field, questionnaire, blink=blink, hints=hints)
        group.display = asked(field, questionnaire.data)
        return group
    if field.kind == "list":
        return ListBox(field, questionnaire, blink=blink, hints=hints)
    quiet = field.description in hints
    hints.add(field.description)
    box = FieldBox(field, questionnaire.answer(field.path), blink=blink, quiet_hint=quiet)
    box.display = asked(field, questionnaire.data)
    return box


class FieldBox(Vertical):
    """One question: title, widget, hint and error line."""

    def __init__(self, field: Field, value: Any, *, blink: bool = True, quiet_hint: bool = False) -> None:
        super().__init__(id=f"box-{slug(field.path)}", classes=f"field kind-{field.kind}")
        self.field = field
        self.value = value
        self.blink = blink
        self.quiet_hint = quiet_hint
        self.typing_errors: tuple[str, ...] = check(field, value) if field.kind in ("text", "textarea") else ()
        self.problems: tuple[str, ...] = ()
        self._note_shown: tuple[bool, str | None] | None = None  # (hint shown, error shown) in the note
        self._focus_shown = False

    def compose(self) -> ComposeResult:
        # Few widgets per question: a page holds dozens of them, and every one costs on each focus change.
        f = self.field
        tag = "  required" if f.required else "  optional *" if f.optional else ""
        self.title_text = Content.assemble((f.title + (f" ({f.unit})" if f.unit else ""), "bold"), (tag, "italic dim"))
        yield Label(self.title_text, classes="field-title")
        yield self._control()
        yield Static(classes="field-note")

    def _control(self) -> Widget:
        f, value, wid = self.field, self.value, f"q-{slug(self.field.path)}"
        if f.kind == "textarea":
            area = LongAnswer(as_text(f, value), id=wid, soft_wrap=True, tab_behavior="focus",
                              show_line_numbers=False, classes="answer")
            area.cursor_blink = self.blink
            return area
        if f.kind in ("choice", "yesno"):
            options = [("Yes", True), ("No", False)] if f.kind == "yesno" else [(lbl, v) for v, lbl in f.choices]
            known = [v for _, v in options]
            current = value if any(value is v or (value == v and type(value) is type(v)) for v in known) else None
            return Choice(options, id=wid, prompt="Not answered" if f.kind == "yesno" else "Choose…",
                          allow_blank=True, value=Select.NULL if current is None else current, classes="answer")
        if f.kind == "choices":
            chosen = value if isinstance(value, list) else []
            return Choices(*(Selection(lbl, v, v in chosen) for v, lbl in f.choices), id=wid, classes="answer")
        box = OneLineAnswer(as_text(f, value), placeholder=_placeholder(f), id=wid, validators=[AnswerValidator(f)],
                            valid_empty=True, classes="answer")
        box.cursor_blink = self.blink
        return box

    def on_mount(self) -> None:
        self._show_errors()

    @property
    def control(self) -> Widget:
        return self.query_one(".answer")

    def focus_control(self) -> None:
        self.control.focus()

    def show_problems(self, problems: tuple[str, ...]) -> None:
        """What checking the whole proposal found wrong with this answer."""
        if problems != self.problems:
            self.problems = problems
            self._show_errors()

    def _show_errors(self) -> None:
        """The description as a hint, and under it the first thing wrong with the answer."""
        errors = self.typing_errors or self.problems
        hint = bool(self.field.description) and (not self.quiet_hint or self.has_focus_within)
        shown = (hint, errors[0] if errors else None)
        if shown == self._note_shown:
            return  # as it is: updating a text lays the whole screen out again, and this runs on every keystroke
        self._note_shown = shown
        # "dim", not $text-muted: Content styles cannot resolve the theme's `auto` colours.
        parts = [Content.styled(self.field.description, "dim")] if hint else []
        if errors:
            parts.append(Content.styled("✗ " + errors[0], "bold $text-error"))
        note = self.query_one(".field-note", Static)
        note.update(Content("\n").join(parts))
        note.display = bool(parts)
        self.set_class(bool(errors), "-has-error")

    def on_descendant_focus(self) -> None:
        self._show_focus()

    def on_descendant_blur(self) -> None:
        self._show_focus()

    def _show_focus(self) -> None:
        """A bar beside the question in use, and its title in the accent colour.

        Not `.field:focus-within` in CSS: on every focus move Textual would restyle all of the box's widgets, each of
        a text box's dozen component styles included (about 10 ms of every step switch, measured). Neither the bar's
        edge nor the title's text changes size, so this repaints the two and lays nothing out."""
        focused = self.has_focus_within  # whatever order the focus and blur messages come in
        if focused != self._focus_shown:
            self._focus_shown = focused
            title = self.query_one(".field-title", Label)
            title.update(self.title_text.stylize_before("$text-accent") if focused else self.title_text, layout=False)
            if focused:  # kept in the theme's colour while shown
                self.app.theme_changed_signal.subscribe(self, self._show_bar)
            else:
                self.app.theme_changed_signal.unsubscribe(self)
            self._show_bar()
        if self.quiet_hint:
            self._show_errors()

    def _show_bar(self, *_: object) -> None:
        accent = Color.parse(self.app.theme_variables["accent"])
        self.styles.border_left = ("outer" if self._focus_shown else "blank", accent)

    @property
    def error(self) -> str | None:
        """The error shown at the field, if any."""
        errors = self.typing_errors or self.problems
        return errors[0] if errors else None

    def _answer(self, value: Any, errors: tuple[str, ...] = ()) -> None:
        self.value = value
        self.typing_errors = errors
        self.problems = ()
        self._show_errors()
        self.post_message(Answered(self.field.path, value))

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        parsed = parse(self.field, event.value)
        if not parsed.errors and event.value == as_text(self.field, self.value) and parsed.value == self.value:
            return  # the box shows the stored answer (2018 for a year of 2018.0): nothing was typed, nothing changes
        self._answer(parsed.value, parsed.errors)

    @on(TextArea.Changed)
    def _wrote(self, event: TextArea.Changed) -> None:
        event.stop()
        parsed = parse(self.field, event.text_area.text)
        self._answer(parsed.value, parsed.errors)

    @on(Select.Changed)
    def _chose(self, event: Select.Changed) -> None:
        event.stop()
        self._answer(None if event.value is Select.NULL else event.value)

    @on(SelectionList.SelectedChanged)
    def _picked(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        chosen = set(event.selection_list.selected)
        self._answer([v for v, _ in self.field.choices if v in chosen] or None)


ANSWERABLE = frozenset({"answer", "open-entry", "add"})  # the classes of a question, an entry's line, an Add button


def focus_first_answer(widget: Widget) -> None:
    """Focus the first thing to answer under `widget`: a question, an entry's line, or an Add button.

    Found by walking the widgets in order and stopping at the first, not with a query: a query matches its
    selector against every widget under `widget` first (some 300 on the design factors step, on each visit)."""
    nodes = walk_depth_first(widget, with_root=False)
    first = next((node for node in nodes if not ANSWERABLE.isdisjoint(node.classes)), None)
    if first is not None:
        first.focus()


def after_each_layout(widget: Widget, fit: Callable[[], None]) -> None:
    """Call `fit` after every layout of the screen.

    Textual 8.2.8 does not reliably send Resize to widgets mounted into a page that is shown in the same moment
    (a race seen under `app.run`), so widgets that adapt to their width check it after each layout instead.
    """
    widget.screen.screen_layout_refresh_signal.subscribe(widget, lambda _screen: fit(), immediate=True)


class Choices(SelectionList):  # type: ignore[type-arg]
    """Several choices, each whole however narrow the form (wrapped onto more lines, never cut to "FFS-based
    shared s…"), and ticked or not without colour: a ticked box holds an X, an empty one is blank.

    Textual 8.2.8's SelectionList puts its boxes as if every choice took one line (a wrapped choice's box lands on
    the wrong line), measures its height as if the choices had the boxes' width too, and draws an X in every box,
    telling them apart by colour alone."""

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # The choices wrap beside their boxes and the scrollbar's room (kept, app.tcss): Textual 8.2.8 measures them
        # as if they had that width too.
        room = width - self._get_left_gutter_width() - self.styles.scrollbar_size_vertical
        return super().get_content_height(container, viewport, room)

    def render_line(self, y: int) -> Strip:
        line = OptionList.render_line(self, y)  # the choice's text, wrapped by OptionList
        try:
            index, line_of_choice = self._lines[self.scroll_offset.y + y]
        except IndexError:
            return line
        choice = self.get_option_at_index(index)
        text_style = next(iter(line)).style or self.rich_style
        if line_of_choice:  # a wrapped choice's next lines: under its text, not beside a box of their own
            return Strip([Segment(" " * self._get_left_gutter_width(), text_style), *line])
        ticked = choice.value in self._selected
        component = "selection-list--button" + "-selected" * ticked + "-highlighted" * (self.highlighted == index)
        meta = Style(meta={"option": index})  # a click on the box ticks it (the text's style carries it already)
        box_style = self.get_component_rich_style(component) + meta
        side_style = Style.from_color(box_style.bgcolor, text_style.bgcolor) + meta
        return Strip([Segment(ToggleButton.BUTTON_LEFT, side_style),
                      Segment(ToggleButton.BUTTON_INNER if ticked else " ", box_style),
                      Segment(ToggleButton.BUTTON_RIGHT, side_style), Segment(" ", text_style), *line])


UNDO_PAUSE = 1.0  # seconds between keys that start a new step to undo (as in Textual's TextArea)


class OneLineAnswer(Input):
    """A one-line answer that a proposer adds to: the cursor starts at the end of what is there, and nothing is
    selected when the box gets the focus (Textual's Input selects it all, so the first key typed replaced the
    answer). ctrl+z takes back the last burst of typing, as in a long answer."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+z,super+z", "undo", "Undo", show=False)]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, select_on_focus=False, **kwargs)
        self.undo_states: list[tuple[str, int]] = []  # (value, cursor) before each burst of typing, latest last
        self._last_edit = 0.0
        self._undoing = False

    def watch_value(self, old: str, new: str) -> None:
        if not self.is_mounted or self._undoing or old == new:
            return
        now = time.monotonic()
        if now - self._last_edit > UNDO_PAUSE or not self.undo_states:
            self.undo_states.append((old, min(self.cursor_position, len(old))))
        self._last_edit = now

    def on_blur(self) -> None:
        self._last_edit = 0.0  # the next visit's typing is a step of its own

    def action_undo(self) -> None:
        if not self.undo_states:
            return
        value, cursor = self.undo_states.pop()
        self._undoing = True
        try:
            self.value = value
        finally:
            self._undoing = False
        self.cursor_position = cursor
        self._last_edit = 0.0


class LongAnswer(TextArea):
    """A text box for long answers, as tall as its wrapped text (up to the CSS max-height). Like a one-line answer,
    the cursor starts at the end of the text, for adding to it; ctrl+z is Textual's undo."""

    def on_mount(self) -> None:
        self.fitted_width = 0
        self.visited = False
        after_each_layout(self, self.fit)

    def on_focus(self) -> None:
        if not self.visited:  # later visits find the cursor where it was left
            self.visited = True
            if not self._selecting:  # focused by a click: the click has put the cursor where it points
                self.move_cursor(self.document.end)

    def fit(self) -> None:
        # TextArea wraps on Resize only; an auto-height box wrapped for another width shows one row per paragraph.
        # Every layout of the screen calls this for every long answer of every page built: only a new width is
        # looked into (wrap_width costs a region computation, and typing rewraps by itself).
        width = self.size.width
        if not width or width == self.fitted_width:
            return
        self.fitted_width = width
        if self.wrapped_document._width != self.wrap_width:
            self._rewrap_and_refresh_virtual_size()


def _placeholder(f: Field) -> str:
    if f.placeholder:
        return f.placeholder
    low, high = f.schema.get("minimum"), f.schema.get("maximum")
    if f.kind in ("number", "integer") and low is not None and high is not None and high <= 1_000_000:
        return f"{low:g}–{high:g}"
    if f.kind == "number" and f.unit == "$":
        return "dollars, e.g. 1,250,000"
    return ""


class TitledBox(Vertical):
    """A bordered box titled in its border when the title fits, else on a line of its own (wrapped, never cut)."""

    def __init__(self, title: str, *, hints: set[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.title_text = title
        self.border_title = title
        self.hints_before = frozenset(hints)  # for building the box again (a repeatable group's entries change)
        self.hints = hints

    def compose_title(self) -> ComposeResult:
        heading = Static(self.title_text, classes="box-title", markup=False)
        heading.display = False
        yield heading

    def on_mount(self) -> None:
        after_each_layout(self, self.fit)

    def fit(self) -> None:
        width = self.outer_size.width
        fits = not width or len(self.title_text) + 6 <= width  # the corners and a space either side
        if fits == bool(self.border_title):
            return
        self.border_title = self.title_text if fits else ""
        heading = self.query_children(".box-title")
        if heading:
            heading.first().display = not fits

    def focus_control(self) -> None:
        focus_first_answer(self)


class GroupBox(TitledBox):
    """A group of questions in a titled box."""

    def __init__(self, field: Field, questionnaire: Questionnaire, *, blink: bool = True, hints: set[str]) -> None:
        title = field.title.removesuffix(" *") + (" (optional *)" if field.optional else "")
        super().__init__(title, hints=hints, id=f"box-{slug(field.path)}", classes="group")
        self.field = field
        self.questionnaire = questionnaire
        self.blink = blink

    def compose(self) -> ComposeResult:
        yield from self.compose_title()
        if self.field.description and not self.field.schema.get("x-factor-number"):
            yield Static(self.field.description, classes="group-hint", markup=False)
        for child in self.field.children:
            yield build(child, self.questionnaire, blink=self.blink, hints=self.hints)


class ListBox(TitledBox):
    """A repeatable group: its entries and a button to add one.

    Entries are shown closed (one summary line each) until opened: the payment step's arrangements hold some 550
    widgets when all are open, and building and laying them out made the first visit to that step take over a
    second. An entry added or jumped to opens; `opened` keeps which are open when the box is built again.
    """

    def __init__(self, field: Field, questionnaire: Questionnaire, *, blink: bool = True, hints: set[str]) -> None:
        super().__init__(field.title, hints=hints, id=f"box-{slug(field.path)}", classes="repeat")
        self.field = field
        self.questionnaire = questionnaire
        self.blink = blink
        self.opened: set[int] = set()

    def compose(self) -> ComposeResult:
        f = self.field
        yield from self.compose_title()
        if f.description:
            yield Static(f.description, classes="group-hint", markup=False)
        entries = self.questionnaire.answer(f.path)
        for index in range(len(entries) if isinstance(entries, list) else 0):
            yield EntryBox(self, index, open=index in self.opened)
        yield Button(f"+ Add {f.item_title.lower()}", classes="add", id=f"add-{slug(f.path)}", compact=True)

    def entry(self, index: int) -> EntryBox | None:
        found = self.query_children(f"#box-{slug((*self.field.path, index))}")
        return found.first(EntryBox) if found else None

    def removed(self, index: int) -> None:
        """Entry `index` was removed: the entries after it move up, and so does their open state."""
        self.opened = {i - (i > index) for i in self.opened if i != index}

    @on(Button.Pressed, ".add")
    def _add(self, event: Button.Pressed) -> None:
        if event.button.parent is not self:
            return  # an inner repeatable group's button
        event.stop()
        self.post_message(AddEntry(self))


class EntryBox(Vertical):
    """One entry of a repeatable group: closed, a line that opens it with a summary of its answers and their state;
    open, its questions in a box. Either way with a button to remove it."""

    def __init__(self, box: ListBox, index: int, *, open: bool) -> None:
        self.path: Path = (*box.field.path, index)
        super().__init__(id=f"box-{slug(self.path)}", classes="entry" if open else "entry -closed")
        self.box = box
        self.index = index
        self.open = open
        self.heading = f"{box.field.item_title} {index + 1}"

    def compose(self) -> ComposeResult:
        box, name = self.box, self.heading
        remove = Button(f"Remove {name.lower()}" if self.open else "✕", classes="remove",
                        id=f"remove-{slug(self.path)}", compact=True, tooltip=f"Remove {name.lower()}")
        if not self.open:
            with Horizontal(classes="entry-row"):
                yield Button(f"▸ {self.index + 1}. {self.summary()}", classes="open-entry",
                             id=f"open-{slug(self.path)}", compact=True, tooltip=f"Open {name.lower()}")
                yield Static("", classes="entry-state")
                yield remove
            return
        self.border_title = name
        hints = set(box.hints_before)  # each open entry shows its hints: it may be the only one open
        for child in box.field.item_fields(self.index):
            yield build(child, box.questionnaire, blink=box.blink, hints=hints)
        with Horizontal(classes="entry-row"):
            yield Button(f"▴ Close {name.lower()}", classes="close-entry", id=f"close-{slug(self.path)}",
                         compact=True)
            yield remove

    async def set_open(self, open: bool) -> None:
        """Build the entry's questions, or fold it back to its line."""
        (self.box.opened.add if open else self.box.opened.discard)(self.index)
        self.open = open
        self.set_class(not open, "-closed")
        self.border_title = None  # an open entry's compose titles it
        await self.recompose()

    def summary(self) -> str:
        """The entry's first few short answers, e.g. "Shared risk · $486,000,000 · 2 arrangements"."""
        q = self.box.questionnaire
        parts = []
        for f in self.box.field.item_fields(self.index):
            shown = summary_text(f, q.answer(f.path))
            if shown:
                parts.append(shown)
        return " · ".join(parts[:3]) or "not answered yet"

    def show_check(self, check: Check) -> None:
        """How complete the closed entry is, from the latest check of the whole proposal."""
        if self.open:
            return
        at = dotted(self.path)
        wrong, missing = len(check.problems_under(at)), len(check.missing_under(at))
        if wrong:
            state = Content.styled(f"✗ {wrong} problem{'s' * (wrong != 1)}", "bold $text-error")
        elif missing:
            state = Content.styled(f"○ {missing} to answer", "$text-warning")
        else:
            state = Content.styled("✓ complete", "$text-success")
        self.query_one(".entry-state", Static).update(state)

    def focus_control(self) -> None:
        focus_first_answer(self)

    @on(Button.Pressed, ".open-entry, .close-entry")
    def _toggle(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(OpenEntry(self, not self.open))

    @on(Button.Pressed, ".remove")
    def _remove(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(RemoveEntry(self.box, self.index))


def summary_text(f: Field, value: Any) -> str:
    """An answer as a few words for an entry's summary line; "" for what a summary leaves out (long text, groups,
    yes/no and several choices, which mean little without their question)."""
    if is_blank(value) or f.kind in ("textarea", "group", "yesno", "choices"):
        return ""
    if f.kind == "list":
        count = len(value) if isinstance(value, list) else 0
        return f"{count} {f.item_title.lower()}{'s' * (count != 1)}"
    if f.kind == "choice":
        return dict(f.choices).get(value, str(value))
    if f.kind in ("number", "integer") and isinstance(value, (int, float)) and not isinstance(value, bool):
        number = f"{abs(value):,.0f}" if float(value).is_integer() else f"{abs(value):,}"
        sign = "-" if value < 0 else ""
        return f"{sign}${number}" if f.unit == "$" else f"{sign}{number}" + (
            "%" if f.unit == "%" else f" {f.unit}" if f.unit else "")
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"
