"""The evaluator: every registered rule run over a proposal's answers, and the classifications derived from them.

    from apm_designer.rules import evaluate
    ev = evaluate(data)                  # data: a proposal mapping (schema-valid, possibly a draft)
    ev.verdicts["advanced_apm"].value    # "yes" | "no" | "undetermined"
    ev.findings_for("advanced_apm")      # the findings behind it, each citing its rule
    ev.warnings                          # consistency and payment checks that found a problem
    ev.ptac                              # the ten PTAC criteria: which answers address each
    ev.other_payers                      # each other payer's line of business as an Other Payer Advanced APM

Rules run once each, classification rules first: the consistency checks may compare the proposal's intended
types with the verdicts, which they read from `EvaluatedAnswers`. Nothing here copies or re-validates the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from apm_designer.rules import (  # noqa: F401  (importing registers the rules)
    consistency,
    lan,
    other_payer,
    payment,
    ptac,
    qpp,
)
from apm_designer.rules.engine import CLASSIFICATIONS, REGISTRY, Answers, Finding, Verdict
from apm_designer.rules.other_payer import LineVerdict
from apm_designer.rules.ptac import PtacCriterion
from apm_designer.rules.thresholds import performance_year as _performance_year

__all__ = ["EvaluatedAnswers", "Evaluation", "LineVerdict", "PtacCriterion", "classify", "evaluate"]


class EvaluatedAnswers(Answers):
    """Answers together with the classification findings and verdicts already derived from them."""

    __slots__ = ("findings", "verdicts")

    def __init__(self, data: Mapping[str, Any]) -> None:
        super().__init__(data)
        self.findings: Mapping[str, Finding] | None = None  # set once the classification rules have run
        self.verdicts: Mapping[str, Verdict] | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    verdicts: dict[str, Verdict]  # keyed by engine.CLASSIFICATIONS
    findings: tuple[Finding, ...]  # every rule's finding, in registry order
    ptac: tuple[PtacCriterion, ...]
    performance_year: int
    year_note: str = ""  # how the year was chosen, when the proposal does not give one the table covers
    other_payers: tuple[LineVerdict, ...] = ()  # each line of business but Traditional Medicare (42 CFR 414.1420)

    def findings_for(self, label: str) -> list[Finding]:
        return [f for f in self.findings if f.label == label]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.is_warning]

    def as_json(self) -> dict[str, Any]:
        return {
            "performance_year": self.performance_year,
            "year_note": self.year_note or None,
            "verdicts": {label: _verdict_json(v) for label, v in self.verdicts.items()},
            "findings": [_finding_json(f) for f in self.findings],
            "warnings": [_finding_json(f) for f in self.warnings],
            "ptac": [c.as_json() for c in self.ptac],
            "other_payers": [_line_json(line) for line in self.other_payers],
        }


def classify(answers: Answers) -> tuple[dict[str, Finding], dict[str, Verdict]]:
    """The classification rules' findings and the verdicts derived from them."""
    findings = {r.id: r.run(answers) for r in REGISTRY if r.label in CLASSIFICATIONS}
    verdicts = {**qpp.verdicts(findings), "lan": lan.verdict(answers, findings)}
    return findings, {label: verdicts[label] for label in CLASSIFICATIONS}


def evaluate(data: Mapping[str, Any], performance_year: int | None = None) -> Evaluation:
    """Run every rule over a proposal. `performance_year` overrides metadata.performance_year."""
    if performance_year is not None:
        metadata = data.get("metadata")
        data = {**data, "metadata": {**(metadata if isinstance(metadata, Mapping) else {}),
                                     "performance_year": performance_year}}
    answers = EvaluatedAnswers(data)  # one Answers for every rule, so each answer is looked up once
    year = _performance_year(answers)
    findings, verdicts = classify(answers)
    answers.findings, answers.verdicts = dict(findings), verdicts
    for r in REGISTRY:
        if r.id not in findings:
            findings[r.id] = r.run(answers)
    return Evaluation(verdicts, tuple(findings[r.id] for r in REGISTRY), ptac.readiness(answers), year.year,
                      year.note, other_payer.judge(answers))


def _verdict_json(v: Verdict) -> dict[str, Any]:
    return {"value": v.value, "reason": v.reason, "needs": list(v.needs), "rule_ids": list(v.rule_ids),
            "category": v.category, "unverified": v.unverified}


def _finding_json(f: Finding) -> dict[str, Any]:
    out = asdict(f)
    out["fields"] = list(f.fields)
    out["is_warning"] = f.is_warning
    return out


def _line_json(line: LineVerdict) -> dict[str, Any]:
    return {"line": line.path, "line_of_business": line.line_of_business, "payer_type": line.payer_type,
            "verdict": _verdict_json(line.verdict), "risk_path": line.risk_path,
            "findings": [_finding_json(f) for f in line.findings]}
