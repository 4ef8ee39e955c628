"""The toolkit help beside the form: a step's guidance and real model examples, or the payment glossary.

Each step's help is one text in one widget, not a Markdown document: Textual's Markdown widget is a widget per
block (some thirty for an element's help), and the whole screen is laid out and painted again on every step
switch, so a help pane of blocks cost as much as the form it stands beside.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from apm_designer.wizard import HelpBlock, help_blocks

_STYLES = {"title": "bold $text-primary", "question": "italic", "heading": "bold", "text": ""}


def help_content(blocks: list[HelpBlock]) -> Content:
    """The blocks as one text: a blank line between blocks, none between the items of a list."""
    parts: list[Content] = []
    previous = None
    for block in blocks:
        if parts:
            parts.append(Content("\n" if block.kind == previous == "item" else "\n\n"))
        if block.kind == "item":
            parts.append(Content.assemble(f"{block.lead or '•'} ", block.text))
        elif block.kind == "entry":
            parts.append(Content.assemble((f"{block.lead}. ", "bold"), block.text))
        else:
            parts.append(Content.styled(block.text, _STYLES[block.kind]))
        previous = block.kind
    return Content.assemble(*parts)


class HelpPage(VerticalScroll):
    """One step's help, scrolled on its own."""

    def __init__(self, key: str) -> None:
        super().__init__(id=f"help-{key}", classes="help")
        self.content = help_content(help_blocks(key))

    def compose(self) -> ComposeResult:
        yield Static(self.content, classes="help-text")
