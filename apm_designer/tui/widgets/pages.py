"""One page per step: the step's questions; the payment metrics under the payment form; the review."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from apm_designer.metrics import PaymentMix, compute, format_table
from apm_designer.tui.widgets.evaluation import JumpTo, other_payer_summary
from apm_designer.tui.widgets.fields import after_each_layout, build, focus_first_answer
from apm_designer.wizard import REVIEW, Check, Questionnaire, Step, dotted, step_fields, steps
from apm_designer.wording import for_people, note, place, value, verdict

if TYPE_CHECKING:
    from apm_designer.diff import Comparison


def page_id(key: str) -> str:
    return f"page-{key}"


class PageComplete(Message):
    """A page has built the questions it left for after its first paint."""

    def __init__(self, page: StepPage) -> None:
        super().__init__()
        self.page = page


class StepPage(VerticalScroll):
    """A step's questions, with Back and Next at the bottom.

    A long step (the twenty design factors: some 300 widgets) is built in two goes: the questions of the first
    screenful, shown at once, then the rest straight after that first paint (one more layout, not one per
    question). A page is first shown in about the time a short one takes; `complete` waits for the rest.
    """

    FIRST = 4  # questions or groups of them built before the first paint: more than a screenful

    def __init__(self, step: Step, questionnaire: Questionnaire, *, blink: bool = True) -> None:
        super().__init__(id=page_id(step.key), classes="page")
        self.step = step
        self.questionnaire = questionnaire
        self.blink = blink
        self.can_focus = False
        self.hints: set[str] = set()  # hints shown so far on the page (see fields.build)
        fields = [field for section in step_fields(step.key)
                  for field in (section.children if section.kind == "group" else (section,))]
        self.first, self.rest = fields[: self.FIRST], fields[self.FIRST:]
        self._complete = asyncio.Event()

    def compose(self) -> ComposeResult:
        yield Static(self.step.title, classes="page-title", markup=False)
        yield Static(self.step.question, classes="page-question", markup=False)
        for field in self.first:
            yield build(field, self.questionnaire, blink=self.blink, hints=self.hints)
        if self.step.key == "payment":
            yield PaymentMetrics(id="metrics")
        yield from nav_buttons(self.step)

    def on_mount(self) -> None:
        if self.rest:
            self.call_after_refresh(self._build_rest)
        else:
            self._complete.set()

    async def _build_rest(self) -> None:
        widgets = [build(field, self.questionnaire, blink=self.blink, hints=self.hints) for field in self.rest]
        self.rest = []
        await self.mount_all(widgets, before=self.query_children(".nav, #metrics").first())
        self._complete.set()
        self.post_message(PageComplete(self))

    @property
    def is_complete(self) -> bool:
        return self._complete.is_set()

    async def complete(self) -> None:
        """Wait until every question of the page is built."""
        await self._complete.wait()

    def focus_first(self) -> None:
        focus_first_answer(self)


def nav_buttons(step: Step) -> ComposeResult:
    keys = [s.key for s in steps()]
    i = keys.index(step.key)
    with Horizontal(classes="nav"):
        if i > 0:
            yield Button(f"← {steps()[i - 1].short}", id="nav-back", classes="nav-back", compact=True)
        if i < len(keys) - 1:
            yield Button(f"{steps()[i + 1].short} →", id="nav-next", classes="nav-next", variant="primary",
                         compact=True)


class PaymentMetrics(Vertical):
    """The LAN workbook's metrics for the dollars typed so far, as wide as the form (drawn again when it resizes)."""

    def compose(self) -> ComposeResult:
        yield Static("", id="other-payer-verdicts", markup=False)  # first: the verdicts, then the tables
        yield Static("", id="metrics-table", markup=False)

    def on_mount(self) -> None:
        self.border_title = "LAN payment-mix metrics"
        self.mix: PaymentMix | None = None
        self.drawn_width = 0
        after_each_layout(self, self._fit)

    def show(self, data: Any, evaluation: Any = None) -> None:
        summary = other_payer_summary(evaluation.other_payers if evaluation is not None else ())
        verdicts = self.query_one("#other-payer-verdicts", Static)
        verdicts.update(summary)
        verdicts.display = bool(summary)
        self.mix = compute(data)
        self.drawn_width = 0
        self._fit()

    def _fit(self) -> None:
        width = self.content_size.width
        if self.mix is None or not width or width == self.drawn_width:
            return  # not laid out yet: drawn on the first layout
        self.drawn_width = width
        self.query_one("#metrics-table", Static).update(format_table(self.mix, max(40, width), worded=note))


class ReviewPage(VerticalScroll):
    """What is still missing or wrong (select to go there), save and export, and the proposal as rendered."""

    def __init__(self) -> None:
        super().__init__(id=page_id(REVIEW), classes="page")
        self.targets: dict[str, str] = {}  # the problems' options: the answer each goes to
        self.change_targets: dict[str, str] = {}  # the same for the changes since the file was saved
        self.can_focus = False

    def compose(self) -> ComposeResult:
        # Textual's Markdown widget and its parser are imported only when the review is first shown.
        from apm_designer.tui.widgets.proposal_view import ProposalView

        yield Static("Review", classes="page-title")
        yield Static("", id="review-summary", classes="page-question", markup=False)
        yield OptionList(id="review-problems")
        yield Static("", id="review-changes-title", classes="page-question", markup=False)
        yield OptionList(id="review-changes")
        with Horizontal(classes="nav"):
            yield Button("Save", id="review-save", variant="primary", compact=True)
            yield Button("Export Markdown", id="review-export", compact=True)
        yield ProposalView("", id="review-markdown", open_links=False)

    is_complete = True  # built in one go

    async def complete(self) -> None:
        pass

    def focus_first(self) -> None:
        self.query_one("#review-problems", OptionList).focus()

    def show(self, data: Any, check: Check, evaluation: Any, markdown: str, changes: Comparison | None = None) -> None:
        options: list[Option] = []
        targets: dict[str, str] = {}
        for path, messages in check.problems.items():
            for message in messages:
                targets[key := f"go-{len(targets)}"] = path
                options.append(Option(Content.assemble(("✗ ", "$text-error"), (place(path), "bold"), ": ", message),
                                      id=key))
        for path, _title in check.missing:
            targets[key := f"go-{len(targets)}"] = dotted(path)
            options.append(Option(Content.assemble(("○ ", "$text-warning"), "missing: ", (place(dotted(path)), "bold")),
                                  id=key))
        for w in getattr(evaluation, "warnings", ()):
            target = w.fields[0] if w.fields else None
            prompt = Content.assemble(("⚠ ", "$text-warning"), (w.title, "bold"), ": ", for_people(w.explanation))
            if target:
                targets[key := f"go-{len(targets)}"] = target
                options.append(Option(prompt, id=key))
            else:
                options.append(Option(prompt, disabled=True))
        self.targets = targets
        problems = self.query_one("#review-problems", OptionList)
        highlighted = problems.highlighted
        problems.set_options(options or [Option(Content.styled("✓ Nothing missing, nothing wrong: ready to submit.",
                                                               "$text-success"), disabled=True)])
        if highlighted is not None and highlighted < problems.option_count:
            problems.highlighted = highlighted
        wrong, missing, warned = check.problem_count, len(check.missing), len(getattr(evaluation, "warnings", ()))
        summary = (f"{_count(wrong, 'problem')}, {_count(missing, 'answer')} missing for a final proposal, "
                   f"{_count(warned, 'warning')}.")
        self.query_one("#review-summary", Static).update(
            summary[0].upper() + summary[1:] + (" Select a line to go to its answer." if options else ""))
        self.query_one("#review-markdown").update(markdown)
        self.show_changes(changes)

    def show_changes(self, changes: Comparison | None) -> None:
        """What the answers change against the file as opened or last saved: the verdicts that change first, then
        the checks, then the answers (select one to go there). Hidden for a proposal not saved yet."""
        title = self.query_one("#review-changes-title", Static)
        shown = self.query_one("#review-changes", OptionList)
        title.display = shown.display = changes is not None
        if changes is None:
            return
        options: list[Option] = []
        self.change_targets = {}
        for prompt, path in change_lines(changes):
            if path is None:
                options.append(Option(prompt, disabled=True))
            else:
                self.change_targets[key := f"change-{len(self.change_targets)}"] = path
                options.append(Option(prompt, id=key))
        n, verdicts = sum(changes.counts().values()), len(changes.verdicts)
        title.update(f"Changes since the file was saved: {_count(n, 'answer')}, "
                     f"{_count(verdicts, 'verdict')} changed." if options else "Changes since the file was saved")
        shown.set_options(options or [Option(Content.styled("✓ The same as the file on disk: nothing to save.",
                                                            "$text-success"), disabled=True)])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        path = self.targets.get(event.option_id or "") or self.change_targets.get(event.option_id or "")
        if path:
            self.post_message(JumpTo(path))


def change_lines(c: Comparison) -> list[tuple[Content, str | None]]:
    """A comparison as a proposer reads it, a line per change, each with the answer to go to (or None)."""
    lines: list[tuple[Content, str | None]] = []
    for v in c.verdicts:
        name = v.name if not v.line else f"{v.name} · {value(f'{v.line}.line_of_business', v.line_of_business)}"
        why = v.reason  # the new verdict's own reason: its first flipped finding may not be the one that decided it
        target = v.line or next((f.fields[0] for f in v.findings if f.fields), None)
        lines.append((Content.assemble(("◆ ", "$text-accent"), (name, "bold"), ": ", verdict(v.label, v.old), " → ",
                                       (verdict(v.label, v.new), "bold"), " · ", for_people(why)), target))
    for f in c.checks:
        passes = f.new != "not_met"
        lines.append((Content.assemble(("✓ " if passes else "⚠ ", "$text-success" if passes else "$text-warning"),
                                       (f.title, "bold"), ": ", "passes now" if passes else "no longer passes"),
                      f.fields[0] if f.fields else None))
    for a in c.answers:
        where = place(a.path)
        if a.change == "added":
            lines.append((Content.assemble(("+ ", "$text-success"), (where, "bold"), " added"), a.path))
        elif a.change == "removed":  # go to the list or group it was in
            lines.append((Content.assemble(("− ", "$text-error"), (where, "bold"), " removed"),
                          a.path.rsplit("[", 1)[0] if a.is_entry else a.path))
        elif a.words:
            added = sum(len(t.split()) for op, t in a.words if op == "+")
            removed = sum(len(t.split()) for op, t in a.words if op == "-")
            said = ", ".join([*([f"{_count(added, 'word')} added"] if added else []),
                              *([f"{_count(removed, 'word')} removed"] if removed else [])])
            lines.append((Content.assemble(("✎ ", "$text-primary"), (where, "bold"), f": {said}"), a.path))
        else:
            lines.append((Content.assemble(("✎ ", "$text-primary"), (where, "bold"), ": ", value(a.path, a.old) or
                                           "not answered", " → ", value(a.path, a.new) or "not answered"), a.path))
    return lines


def _count(n: int, word: str) -> str:
    return f"{'no' if n == 0 else n} {word}{'' if n == 1 else 's'}"


__all__ = ["PageComplete", "PaymentMetrics", "ReviewPage", "StepPage", "nav_buttons", "page_id"]
