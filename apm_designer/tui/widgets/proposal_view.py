"""The rendered proposal in the review: Textual's Markdown widget, with each table and each item of a bullet list
drawn as one widget.

Textual 8.2.8 makes a widget of every table cell, and four of every list item (a row, its bullet, a column and
the item's paragraph). The largest example's proposal came to 1,191 widgets, 669 of them cells and 220 for 55
list items, all laid out again whenever the review is shown. Going back to the review took about 200 ms; about
155 ms with each table as one widget, and about 90 ms with each list item as one too (measured on that example).
A table draws its own lines (`table_lines`), once per width, for both its height and its drawing.

After an answer changes, only the blocks of the proposal it changed are built again (`ProposalView.update`).

Imported when the review is first shown (with Textual's Markdown parser), not at start.
"""

from __future__ import annotations

import asyncio
import math
from difflib import SequenceMatcher
from typing import ClassVar

from markdown_it import MarkdownIt
from markdown_it.token import Token
from rich.cells import cell_len
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.content import Content, Span
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock

from apm_designer.tui.widgets.drawn import DrawnLines

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


def table_lines(headers: list[str], rows: list[list[str]], width: int) -> list[Content]:
    """A table drawn in boxes within `width`: its columns fitted (`fit_columns`), each cell's text wrapped in its
    column, a rule under every row. (Rich's Table draws the same; it took 100 ms to measure the largest example's
    19 tables, every time the review was first laid out at a width.)"""
    count = len(headers)
    rows = [(row + [""] * count)[:count] for row in rows]
    columns = [[header, *(row[n] for row in rows)] for n, header in enumerate(headers)]
    lengths = [max(map(len, texts)) for texts in columns]
    words = [max(len(word) for text in texts for word in [*text.split(), ""]) for texts in columns]
    chrome = 3 * count + 1  # a bar either side of each column, and a space inside each bar
    widths = fit_columns(lengths, words, max(count, width - chrome))
    # Where side by side would split a word that a row at a time keeps whole, a row at a time.
    if any(w < min(word, width - STACKED_CHROME) for w, word in zip(widths, words, strict=True)):
        return stacked_table_lines(headers, rows, width)

    def rule(left: str, middle: str, right: str) -> Content:
        return Content.styled(left + middle.join("─" * (w + 2) for w in widths) + right, "dim")

    def lines_of(cells: list[str], style: str) -> list[Content]:
        # Built as text and spans: assembling a Content of parts took most of the time.
        wrapped = [[cell] if cell_len(cell) <= w else [line.plain for line in Content(cell).wrap(w)] or [""]
                   for cell, w in zip(cells, widths, strict=True)]
        drawn = []
        for y in range(max(map(len, wrapped))):
            text, spans = "", []
            for lines, w in zip(wrapped, widths, strict=True):
                piece = lines[y] if y < len(lines) else ""
                spans.append(Span(len(text), len(text) + 1, "dim"))
                text += "│ "
                if style and piece:
                    spans.append(Span(len(text), len(text) + len(piece), style))
                text += piece + " " * (w - cell_len(piece) + 1)
            spans.append(Span(len(text), len(text) + 1, "dim"))
            drawn.append(Content(text + "│", spans))
        return drawn

    drawn = [rule("┌", "┬", "┐"), *lines_of(headers, "bold")]
    for row in rows:
        drawn += [rule("├", "┼", "┤"), *lines_of(row, "")]
    return [*drawn, rule("└", "┴", "┘")]


STACKED_CHROME = 6  # columns of a table drawn a row at a time that are not its text: bars, spaces, the indent


def stacked_table_lines(headers: list[str], rows: list[list[str]], width: int) -> list[Content]:
    """A table too wide for `width` (at 80 columns, the payment arrangements' six), drawn a row at a time in a box:
    each cell on a line of its own after its column's name, wrapped between words with a hanging indent, and a rule
    between rows. A word is split only where it is wider than the box."""
    inner = max(3, width - 4)  # the box's bars and a space inside each (STACKED_CHROME: and the hanging indent)

    def boxed(line: Content) -> Content:
        return Content.assemble(("│ ", "dim"), line, " " * (inner - line.cell_length), (" │", "dim"))

    def row_lines(row: list[str]) -> list[Content]:
        drawn = []
        for header, cell in zip(headers, row, strict=True):
            text = Content.assemble((f"{header}:", "bold"), f" {cell}" if cell else "")
            wrapped = text.wrap(inner - 2) or [Content()]
            drawn += [boxed(line if n == 0 else Content.assemble("  ", line)) for n, line in enumerate(wrapped)]
        return drawn

    def rule(left: str, right: str) -> Content:
        return Content.styled(left + "─" * (inner + 2) + right, "dim")

    drawn = [rule("┌", "┐")]
    for n, row in enumerate(rows):
        drawn += [*([rule("├", "┤")] if n else []), *row_lines(row)]
    return [*drawn, rule("└", "┘")]


class TableBlock(DrawnLines, _TextualTable):  # type: ignore[misc, valid-type]
    """A Markdown table as one widget, drawn for the width it is shown at. (Textual's makes a widget of each cell,
    and cuts a cell's text short where its column is narrow.)"""

    def compose(self) -> ComposeResult:
        self._headers, self._rows = self._get_headers_and_rows()
        self._drawn: tuple[int, list[Content]] = (0, [])
        return iter(())

    def _lines(self, width: int) -> list[Content]:
        if self._drawn[0] != width:  # measured and drawn at the same width: drawn once
            self._drawn = (width, table_lines([h.plain for h in self._headers],
                                              [[c.plain for c in row] for row in self._rows], width))
        return self._drawn[1]


class BulletItem(DrawnLines, MarkdownBlock):
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


class BulletList(_TextualBulletList):  # type: ignore[misc, valid-type]
    """A bullet list whose items of one paragraph are each one widget; an item of more (several paragraphs, a list
    inside: an answer's parts) is drawn as Textual 8.2.8's MarkdownBulletList.compose draws every item."""

    def compose(self) -> ComposeResult:
        items = [block for block in self._blocks if block._blocks]  # list items: their blocks are the content
        for item in items:
            if len(item._blocks) == 1 and isinstance(item._blocks[0], _TextualParagraph):
                yield BulletItem(self._markdown, item, item._blocks[0])
            else:  # Textual's compose, for this item alone (it clears the blocks it was given)
                self._blocks = [item]
                yield from super().compose()
        self._blocks.clear()


def top_level_blocks(tokens: list[Token], lines: list[str]) -> list[tuple[str, list[Token]]]:
    """The document's tokens cut into its top-level blocks (a heading, a paragraph, a whole list or table), each
    with its source: the lines it was parsed from."""
    blocks: list[tuple[str, list[Token]]] = []
    depth = 0
    for token in tokens:
        if depth == 0:
            source = "".join(lines[token.map[0]:token.map[1]]) if token.map else token.content
            blocks.append((source, []))
        blocks[-1][1].append(token)
        depth += token.nesting
    return blocks


class ProposalView(Markdown):
    """The rendered proposal (as `apm-designer render` writes it), brought up to date block by block.

    An answer changed changes a few blocks of the proposal; Textual's `update` builds, styles and lays out every
    block again (the largest example's 219, in 2 to 3 seconds here). This one keeps each block whose source is
    unchanged, and builds only the others."""

    BLOCKS: ClassVar[dict[str, type[MarkdownBlock]]] = {
        **Markdown.BLOCKS, "table_open": TableBlock, "bullet_list_open": BulletList}

    def update(self, markdown: str) -> AwaitComplete:
        self._theme = self.app.theme
        self._markdown = markdown
        self._table_of_contents = None

        async def changed_blocks() -> None:
            async with self.lock:
                # Parsed beside the app's loop, as Textual's `update` does: it takes some 60 ms here.
                tokens = await asyncio.get_running_loop().run_in_executor(None, MarkdownIt("gfm-like").parse,
                                                                          markdown)
                lines = markdown.splitlines(keepends=True)
                new = top_level_blocks(tokens, lines)
                old = [child for child in self.children if isinstance(child, MarkdownBlock)]
                old_sources = [getattr(child, "block_source", None) for child in old]
                matcher = SequenceMatcher(None, old_sources, [source for source, _ in new], autojunk=False)
                with self.app.batch_update():
                    for op, o1, o2, n1, n2 in reversed(matcher.get_opcodes()):  # from the end: indexes stay put
                        if op == "equal":
                            continue
                        built: list[MarkdownBlock] = []
                        for source, block_tokens in new[n1:n2]:
                            for block in self._parse_markdown(block_tokens):
                                block.block_source = source
                                built.append(block)
                        if o1 < o2:
                            await self.remove_children(old[o1:o2])
                        if built:
                            await self.mount_all(built, before=old[o2] if o2 < len(old) else None)
                plain_lines = markdown.splitlines()  # for `append`, as Textual's `update` leaves it
                self._last_parsed_line = len(plain_lines) - (1 if plain_lines and plain_lines[-1] else 0)

        return AwaitComplete(changed_blocks())
