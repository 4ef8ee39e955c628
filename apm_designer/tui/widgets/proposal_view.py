"""The rendered proposal in the review: Textual's Markdown widget, with each table drawn as one widget.

Imported when the review is first shown (with Textual's Markdown parser), not at start.
"""

from __future__ import annotations

import math
from typing import ClassVar

from rich import box
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownBlock

# Textual 8.2.8's table block, reached through the public block map (the class itself is private).
_TextualTable = Markdown.BLOCKS["table_open"]


def fit_columns(lengths: list[int], words: list[int], width: int) -> list[int]:
    """Column widths within `width` for columns whose longest texts are `lengths` and longest words `words`.

    Each column first gets its longest word, up to an equal share of the width (so words are split only where
    the table cannot be that wide, and one long name does not squeeze the other columns), then
    the width left is shared out in proportion to the square root of what each column still lacks: a long
    column gets the most, and a short one (a verdict, a number) is soon whole and on one line. Never narrower
    than one character, and never wider than its longest text."""
    fair = width // max(1, len(lengths))
    widths = [max(1, min(length, word, fair)) for length, word in zip(lengths, words, strict=True)]
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
    """A Markdown table as one widget. Textual's own block makes a widget of every cell (the largest example's
    proposal has 19 tables and 669 cells: more than half of the review's widgets, each laid out again on every
    showing of the review), and cuts a cell's text short where its column is narrow."""

    def compose(self) -> ComposeResult:
        headers, rows = self._get_headers_and_rows()
        self._headers, self._rows = headers, rows
        yield Static(FittedTable([h.plain for h in headers], [[c.plain for c in row] for row in rows]))


class ProposalView(Markdown):
    """The rendered proposal (as `apm-designer render` writes it)."""

    BLOCKS: ClassVar[dict[str, type[MarkdownBlock]]] = {**Markdown.BLOCKS, "table_open": TableBlock}
