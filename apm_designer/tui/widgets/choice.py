"""A drop-down choice whose current value is one widget.

Textual 8.2.8's Select shows its value with three widgets inside a fourth: the text and two arrows (one of them
hidden) in a row. Every widget of a page is laid out, styled and painted again when its step is shown, and the
design factors step has twenty choices, so this draws the text and the arrow itself: 60 widgets fewer there. It
looks and works as Textual's does; the list that opens is Textual's own.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Select

# Textual's parts of a Select (the public module does not export them).
from textual.widgets._select import NoSelection, SelectCurrent, SelectOverlay

from apm_designer.tui.widgets.drawn import DrawnLines


class CurrentChoice(DrawnLines, SelectCurrent):
    """The chosen value (or the prompt), wrapped, with the arrow on its first line."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"current-choice--arrow"}
    DEFAULT_CSS = """
    CurrentChoice { color: $foreground 50%; }
    CurrentChoice.-has-value { color: $foreground; }
    CurrentChoice > .current-choice--arrow { color: $foreground 50%; }
    """
    ARROW = 2  # columns: a space and the arrow

    def compose(self) -> ComposeResult:
        return iter(())

    def update(self, label: Any) -> None:
        self.label = label
        self.has_value = label is not Select.NULL
        self.refresh(layout=True)

    def _lines(self, width: int) -> list[Content]:
        label = self.placeholder if isinstance(self.label, NoSelection) else self.label
        text = Content.from_rich_text(label) if isinstance(label, Text) else Content(str(label))
        room = max(1, width - self.ARROW)
        lines = [line.truncate(room) for line in text.wrap(room)] or [Content()]
        expanded = isinstance(self.parent, Select) and self.parent.expanded
        arrow = Content.styled("▲" if expanded else "▼", self.get_visual_style("current-choice--arrow"))
        lines[0] = Content.assemble(lines[0], " " * (room - lines[0].cell_length + 1), arrow)
        return lines


class ChoiceList(SelectOverlay):
    """Textual's drop-down list, where typing finds an answer before the blank option: Textual matches the blank
    option's prompt too, so typing "no" on a yes/no question chose "Not answered" rather than "No"."""

    def _find_search_match(self, query: str) -> int | None:
        found = super()._find_search_match(query)
        blank = isinstance(self.parent, Select) and self.parent._allow_blank
        if found != 0 or not blank:
            return found
        query = query.lower()
        places = [(prompt.lower().find(query), index) for index, option in enumerate(self._options) if index
                  and isinstance(prompt := getattr(option.prompt, "plain", option.prompt), str)]
        return min(((at, index) for at, index in places if at >= 0), default=(-1, 0))[1]


class Choice(Select):  # type: ignore[type-arg]
    """Textual's Select, with its current value drawn by `CurrentChoice` and its list a `ChoiceList`."""

    def compose(self) -> ComposeResult:
        yield CurrentChoice(self.prompt)
        yield ChoiceList(type_to_search=self._type_to_search).data_bind(compact=Select.compact)

    def watch_expanded(self) -> None:
        self.query_one(CurrentChoice).refresh()  # its arrow
