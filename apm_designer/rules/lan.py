"""The LAN APM Framework category of the proposal's payment design (label "lan").

The design's category is that of its dominant arrangement: the workbook reports dollars that flow through several
arrangements under the most advanced of them, and the proposal's model is the most advanced arrangement it pays
through. Arrangement → category and the dominance order come from data/toolkit.yaml via `apm_designer.metrics`.
Categories 3 and 4 linked to quality count as APMs in the LAN's terms; Categories 1 and 2 and the "N" codes
(not linked to quality) do not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from apm_designer.metrics import CATEGORY_NAMES, LINES, dominance, line_label, workbook_category
from apm_designer.rules.engine import Answer, Answers, Finding, Outcome, Text, Verdict, rule
from apm_designer.toolkit import arrangements

RISK_TYPE = "element_1.financial_risk.type"
CITATION = ("LAN APM Framework (2016; refreshed July 2017); LAN National APM Data Collection workbook, Methods "
            "(dominant arrangement)")


@dataclass(frozen=True, slots=True)
class Design:
    """The dominant arrangement of a payment design and its LAN category (None until there is one)."""

    arrangement: str | None
    category: str | None
    path: str | None  # the answer that names the dominant arrangement
    line: str = ""  # the line of business it is paid in, as a person names it ("Traditional Medicare")
    needs: tuple[str, ...] = ()
    note: str = ""  # a Text: how the risk answer split a procedure-based bundle into 3A or 3B

    @property
    def is_apm(self) -> bool:
        return self.arrangement is not None and workbook_category(arrangements()[self.arrangement]) >= 3


def design(answers: Answers) -> Design:
    """The dominant arrangement across every line of business, with its category (worked out once per Answers)."""
    return answers.memo("lan_design", lambda: _design(answers))


def _design(answers: Answers) -> Design:
    kinds = arrangements()
    lines = answers[LINES]
    best: tuple[str, str, str] | None = None  # (arrangement, path, line of business)
    untyped: list[str] = []
    for i, line in enumerate(lines if isinstance(lines, list) else []):
        entries = line.get("arrangements") if isinstance(line, Mapping) else None
        code = line.get("line_of_business") if isinstance(line, Mapping) else None
        paid_in = line_label(code) if isinstance(code, str) else ""
        for j, entry in enumerate(entries if isinstance(entries, list) else []):
            path = f"{LINES}[{i}].arrangements[{j}]"
            kind = entry.get("type") if isinstance(entry, Mapping) else None
            if not isinstance(kind, str) or kind not in kinds:
                untyped.append(f"{path}.type")
                continue
            combined = entry.get("combined_with")
            candidates = [(kind, f"{path}.type", paid_in)] + [(k, f"{path}.combined_with", paid_in) for k in
                                                    (combined if isinstance(combined, list) else [])
                                                    if isinstance(k, str) and k in kinds]
            for candidate in candidates:
                if best is None or dominance(candidate[0]) > dominance(best[0]):
                    best = candidate
    if best is None:
        return Design(None, None, None, needs=tuple(untyped) or (LINES,))
    kind, path, paid_in = best
    category, note = kinds[kind].category, ""
    if category == "3A/3B":  # a procedure-based bundle is 3B with downside risk, 3A without
        risk = answers[RISK_TYPE]
        if risk in ("two_sided", "full_capitation"):
            category, note = "3B", Text(Answer(RISK_TYPE, risk), ": with downside risk, so 3B")
        elif risk in ("upside_only", "none"):
            category, note = "3A", Text(Answer(RISK_TYPE, risk), ": without downside risk, so 3A")
        else:
            note = Text("3A without downside risk, 3B with it: answer ", Answer(RISK_TYPE), " to tell")
    return Design(kind, category, path, paid_in, note=note)


@rule("LAN-CATEGORY", "lan", "LAN APM Framework category of the payment design", CITATION)
def lan_category(answers: Answers) -> Outcome:
    d = design(answers)
    if d.arrangement is None:
        return Outcome("unknown", Text("needs ", Text(", ").join(Text(Answer(p)) for p in d.needs),
                                       ": the payment arrangements by line of business"), d.needs)
    return Outcome("met", explain(d), tuple(p for p in (d.path, RISK_TYPE if d.note else None) if p))


def explain(d: Design) -> Text:
    kind = arrangements()[d.arrangement or ""]
    c = workbook_category(kind)
    what = (f"Category {c}, {CATEGORY_NAMES[c]}" if kind.linked_to_quality
            else "not linked to quality, so not counted as an APM")
    where = f", in the {d.line} line of business" if d.line else ""
    text = Text(f"the dominant arrangement is {kind.term.lower()}{where} (", Answer(d.path or LINES),
                f"): {d.category}, {what}")
    return text + Text("; ", d.note) if d.note else text


def verdict(answers: Answers, findings: Mapping[str, Finding]) -> Verdict:
    """yes: an APM category (3 or 4, linked to quality); no: Category 1 or 2 or an N code; with the code."""
    finding = findings["LAN-CATEGORY"]
    d = design(answers)
    if d.arrangement is None:
        return Verdict("lan", "undetermined", finding.explanation, finding.fields, (finding.rule_id,))
    return Verdict("lan", "yes" if d.is_apm else "no", finding.explanation, (), (finding.rule_id,), d.category)
