"""The live evaluation: what the model is classified as, what each label still needs, findings and warnings.

The panel is one OptionList so it can be read with the arrow keys; every line that names an answer can be
selected (enter or a click) to jump to that answer. It is read by a proposer, so every explanation is worded for
people (`wording.for_people`): answers by their place and question, values as their labels.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from apm_designer.rules.engine import LABEL_NAMES
from apm_designer.wording import for_people, place, value

SHOWN = ("apm", "advanced_apm", "pfpm")  # the toolkit's three questions, shown first and in the sidebar
VALUE_STYLE = {"yes": ("✓", "$text-success"), "no": ("✗", "$text-error"), "undetermined": ("?", "$text-warning")}
STATUS_STYLE = {"met": ("✓", "$text-success"), "not_met": ("✗", "$text-error"), "unknown": ("?", "$text-warning")}


class JumpTo(Message):
    """Go to the answer at a dotted path."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


def verdict_line(label: str, value: str, category: str | None = None) -> Content:
    icon, style = VALUE_STYLE.get(value, ("?", "$text-warning"))
    shown = {"yes": "yes", "no": "no", "undetermined": "undetermined"}.get(value, value)
    if label == "lan" and category:
        shown = f"Category {category}"
    return Content.assemble((icon, style), " ", (LABEL_NAMES.get(label, label), "bold"), ": ", (shown, style))


class VerdictSummary(Static):
    """The three classifications at a glance, under the step list."""

    def on_mount(self) -> None:
        self.border_title = "Classification"

    def show(self, evaluation: Any) -> None:
        lines = []
        for label in SHOWN:
            verdict = evaluation.verdicts.get(label)
            if verdict is not None:
                icon, style = VALUE_STYLE.get(verdict.value, ("?", "$text-warning"))
                word = {"yes": "", "no": "  no", "undetermined": "  undecided"}.get(verdict.value, "")
                lines.append(Content.assemble((icon, style), " ", (LABEL_NAMES.get(label, label), style),
                                              (word, "dim")))
        self.update(Content("\n").join(lines))


class EvaluationPanel(OptionList):
    """Every verdict with its reason, the answers it still needs, its findings; then the warnings."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.targets: dict[str, str] = {}

    def show(self, evaluation: Any) -> None:
        options: list[Option | None] = []
        targets: dict[str, str] = {}

        def jump(prompt: Content, path: str | None) -> Option:
            if path is None:
                return Option(prompt, disabled=True)
            key = f"go-{len(targets)}"
            targets[key] = path
            return Option(prompt, id=key)

        labels = [*SHOWN, *(k for k in evaluation.verdicts if k not in SHOWN)]
        for label in labels:
            verdict = evaluation.verdicts.get(label)
            if verdict is None:
                continue
            if options:
                options.append(None)
            options.append(Option(verdict_line(label, verdict.value, verdict.category), disabled=True))
            if verdict.reason and not verdict.needs:  # else the reason only lists what the lines below name
                options.append(Option(Content.styled(for_people(verdict.reason), "dim"), disabled=True))
            for path in verdict.needs:
                options.append(jump(Content.assemble(("  → needs ", "$text-warning"), place(path)), path))
            for finding in evaluation.findings:
                if finding.label != label:
                    continue
                icon, style = STATUS_STYLE.get(finding.status, ("·", "dim"))
                prompt = Content.assemble("  ", (icon, style), " ", (finding.title, "bold"), "\n    ",
                                          for_people(finding.explanation), ("  " + finding.citation, "dim"))
                options.append(jump(prompt, finding.fields[0] if finding.fields else None))
        options += other_payer_options(evaluation.other_payers, jump)
        warnings = list(evaluation.warnings)
        options.append(None)
        heading = f"Warnings ({len(warnings)})" if warnings else "No warnings"
        options.append(Option(Content.styled(heading, "bold $text-warning" if warnings else "bold $text-success"),
                              disabled=True))
        for w in warnings:
            prompt = Content.assemble(("  ⚠ ", "$text-warning"), (w.title, "bold"), "\n    ",
                                      for_people(w.explanation))
            options.append(jump(prompt, w.fields[0] if w.fields else None))
        highlighted = self.highlighted
        self.targets = targets
        self.set_options(options)
        if highlighted is not None and highlighted < self.option_count:
            self.highlighted = highlighted

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        path = self.targets.get(event.option_id or "")
        if path:
            self.post_message(JumpTo(path))


def other_payer_options(lines: Any, jump: Any) -> list[Option | None]:
    """Each line of business but Traditional Medicare as an Other Payer Advanced APM (42 CFR 414.1420): its verdict
    (selecting it goes to the line), what it still needs, and its findings, in a proposer's words. `jump(prompt,
    path)` makes a line that goes to the answer at `path`."""
    options: list[Option | None] = []
    for line in lines:
        verdict = line.verdict
        icon, style = VALUE_STYLE.get(verdict.value, ("?", "$text-warning"))
        kind = value(f"{line.path}.line_of_business", line.line_of_business)
        heading = Content.assemble((icon, style), " ", ("Other Payer Advanced APM", "bold"), f" · {kind}: ",
                                   (verdict.value, style))
        options += [None, jump(heading, line.path)]
        if verdict.reason and not verdict.needs:
            options.append(Option(Content.styled(for_people(verdict.reason), "dim"), disabled=True))
        for path in verdict.needs:
            options.append(jump(Content.assemble(("  → needs ", "$text-warning"), place(path)), path))
        for finding in line.findings:
            icon, style = STATUS_STYLE.get(finding.status, ("·", "dim"))
            prompt = Content.assemble("  ", (icon, style), " ", (finding.title, "bold"), "\n    ",
                                      for_people(finding.explanation), ("  " + finding.citation, "dim"))
            options.append(jump(prompt, finding.fields[0] if finding.fields else None))
    return options


def other_payer_summary(lines: Any) -> Content:
    """One line per other payer for the payment step, e.g. "✓ Other Payer Advanced APM · Medicaid: yes, via the
    Medicaid or Aligned Other Payer Medical Home Model standard"."""
    said = []
    for line in lines:
        icon, style = VALUE_STYLE.get(line.verdict.value, ("?", "$text-warning"))
        kind = value(f"{line.path}.line_of_business", line.line_of_business)
        path = next((f.title.removeprefix("Financial risk: ") for f in line.findings if f.rule_id == line.risk_path),
                    "")
        said.append(Content.assemble((icon, style), " ", "Other Payer Advanced APM · ", (kind, "bold"), ": ",
                                     (line.verdict.value, style), (f", via the {path}" if path else "", "dim")))
    return Content("\n").join(said)

