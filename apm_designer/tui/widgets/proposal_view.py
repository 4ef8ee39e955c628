"""The rendered proposal in the review: Textual's Markdown widget, with each table and each item of a bullet list
drawn as one widget.

Textual 8.2.8 makes a widget of every table cell, and four of every list item (a row, its bullet, a column and
the item's paragraph). The largest example's proposal came to 1,191 widgets, 669 of them cells and 220 for 55
list items, all laid out again whenever the review is shown. Going back to the review took about 200 ms; about
155 ms with each table as one widget, and about 90 ms with each list item as one too (measured on that example).

Imported when the review is first shown (with Textual's Markdown parser), not at start.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from rich import box
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownBlock

# Textual 8.2.8's blocks, reached through the public block map (the classes themselves are private).
_TextualTable = Markdown.BLOCKS["table_open"]
_TextualBulletList = Markdown.BLOCKS["bullet_list_open"]
_TextualParagraph = Markdown.BLOCKS["paragraph_open"]


def fit_columns(lengths: list[int], words: list[int], width: int) -> list[int]:
    """Column widths within `width` for columns whose longest texts are `lengths` and longest words `words`.

    Each column first gets its longest word, so that words are split only where the table cannot be that wide
    (and then the longest words first, so one long name does not squeeze the other columns), then the width left
    is shared out in proportion to the square root of what each column still lacks: a long column gets the
    most, and a short one (a verdict, a number) is soon whole and on one line. Never narrower than one
    character, and never wider than its longest text."""
    widths = [max(1, min(length, word)) for length, word in zip(lengths, words, strict=True)]
    while sum(widths) > width and max(widths) > 1:  # the widest first; of two as wide, the one with more text
        widths[max(range(len(widths)), key=lambda n: (widths[n], lengths[n]))] -= 1
    left = width - sum(widths)
    while left > 0:
        lacking = {n: math.sqrt(lengths[n] - w) for n, w in enumerate(widths) if w < lengths[n]}
        if not lacking:
            break
        total = sum(lacking.values())
        shares = {n: min(lengths[n] - widths[n], int(left * weight / total)) for n, weight in lacking.items()}
        if not any(shares.values()):  # less left than columns lacking: one character to the one lacking most
            shares = {max(lacking, key=lacking.__getitem__): 1}
        for n, share in shares.items():
            widths[n] += share
            left -= share
    return widths


class FittedTable:
    """A table laid out for the width it is drawn at (the review's width changes with the panes shown)."""

    def __init__(self, headers: list[str], rows: list[list[str]]) -> None:
        self.headers, self.rows = headers, rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        columns = [[h, *(row[n] for row in self.rows if n < len(row))] for n, h in enumerate(self.headers)]
        lengths = [max(map(len, texts)) for texts in columns]
        words = [max(len(word) for text in texts for word in [*text.split(), ""]) for texts in columns]
        chrome = 3 * len(self.headers) + 1  # a border and a space either side of each column
        table = Table(box=box.SQUARE, border_style="dim", header_style="bold", show_lines=True)
        for header, width in zip(self.headers, fit_columns(lengths, words, options.max_width - chrome), strict=True):
            table.add_column(Text(header), width=width, overflow="fold")
        for row in self.rows:
            table.add_row(*(Text(cell) for cell in row))  # Text: a "[" in an answer is no markup
        yield table


class TableBlock(_TextualTable):  # type: ignore[misc, valid-type]
    """A Markdown table as one widget. (Textual's own also cuts a cell's text short where its column is narrow.)"""

    def compose(self) -> ComposeResult:
        headers, rows = self._get_headers_and_rows()
        self._headers, self._rows = headers, rows
        yield Static(FittedTable([h.plain for h in headers], [[c.plain for c in row] for row in rows]))


class BulletItem(MarkdownBlock):
    """A list item of one paragraph: its bullet, and its text wrapped with a hanging indent."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {*MarkdownBlock.COMPONENT_CLASSES, "bullet"}
    DEFAULT_CSS = """
    BulletItem > .bullet { color: $text-primary; }
    BulletItem:light > .bullet { color: $text-secondary; }
    """

    def __init__(self, markdown: Markdown, item: MarkdownBlock, paragraph: MarkdownBlock) -> None:
        super().__init__(markdown, item._token)
        self.symbol = getattr(item, "bullet", "•")
        self._content = paragraph._content

    def _lines(self, width: int) -> list[Content]:
        indent = len(self.symbol)  # Textual's symbols carry their space: "• "
        lines = self._content.wrap(max(1, width - indent)) or [Content()]
        return [Content.assemble((self.symbol, ".bullet") if n == 0 else " " * indent, line)
                for n, line in enumerate(lines)]

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Content:
        return Content("\n").join(self._lines(self.content_region.width))


class BulletList(_TextualBulletList):  # type: ignore[misc, valid-type]
    """A bullet list whose items of one paragraph each are one widget (anything else is drawn as Textual draws it)."""

    def compose(self) -> ComposeResult:
        items = [block for block in self._blocks if block._blocks]  # list items: their blocks are the content
        if not all(len(item._blocks) == 1 and isinstance(item._blocks[0], _TextualParagraph) for item in items):
            yield from super().compose()
            return
        for item in items:
            yield BulletItem(self._markdown, item, item._blocks[0])
        self._blocks.clear()


class ProposalView(Markdown):
    """The rendered proposal (as `apm-designer render` writes it)."""

    BLOCKS: ClassVar[dict[str, type[MarkdownBlock]]] = {
        **Markdown.BLOCKS, "table_open": TableBlock, "bullet_list_open": BulletList}
