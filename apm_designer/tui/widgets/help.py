"""The toolkit help beside the form: a step's guidance and real model examples, or the payment glossary; and, where
the guidance names a model of the CMS model library, that model's answer to the question in use.

Each step's help is one text in one widget, not a Markdown document: Textual's Markdown widget is a widget per
block (some thirty for an element's help), and the whole screen is laid out and painted again on every step
switch, so a help pane of blocks cost as much as the form it stands beside.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from apm_designer.cms_models import answer_of, toolkit_models
from apm_designer.wizard import Field, HelpBlock, help_blocks

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


def answers_content(question: Field, answers: list[tuple[str, str]]) -> Content:
    """Real models' answers to `question`: (model name, answer) each."""
    return help_content([HelpBlock("heading", f"How real models answered: {question.title}"),
                         *(HelpBlock("entry", answer, lead=name) for name, answer in answers)])


class HelpPage(VerticalScroll):
    """One step's help, scrolled on its own, and the answers of the models it names to the question in use."""

    def __init__(self, key: str) -> None:
        super().__init__(id=f"help-{key}", classes="help")
        self.content = help_content(help_blocks(key))
        self.models = toolkit_models(key)
        self.question: Field | None = None  # the question whose answers are shown

    def compose(self) -> ComposeResult:
        answers = Static(classes="help-text help-models")  # on top, where it is seen beside the question
        answers.display = False
        yield answers
        yield Static(self.content, classes="help-text")

    def show_answers(self, question: Field | None) -> None:
        """Show the named models' answers to `question` above the guidance (nothing when none of them answers it)."""
        if question is self.question or not self.models:
            return
        self.question = question
        answers = [(f"{m.name} ({m.when})", text) for m in self.models if question and (text := answer_of(m, question))]
        box = self.query_one(".help-models", Static)
        if answers and question is not None:
            box.update(answers_content(question, answers))
        box.display = bool(answers)
