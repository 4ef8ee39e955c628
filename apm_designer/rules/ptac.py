"""PTAC readiness: for each of the Secretary's ten PFPM criteria, which answers address it and which are missing.

A checklist, not a score: PTAC itself rates each criterion. An answer addresses a criterion when it is given; for a
list answer paired with a value (e.g. the quality domains with "safety"), when the list includes that value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from apm_designer.rules.engine import Answers

CITATION = "42 CFR 414.1465(b)"
PtacStatus = Literal["addressed", "partly", "missing"]


@dataclass(frozen=True, slots=True)
class PtacCriterion:
    number: int
    title: str
    citation: str
    high_priority: bool
    summary: str
    addressed_by: tuple[str, ...]  # dotted answer paths that address it
    missing: tuple[str, ...]  # dotted answer paths still unanswered
    status: PtacStatus

    def as_json(self) -> dict[str, object]:
        return {"number": self.number, "title": self.title, "citation": self.citation,
                "high_priority": self.high_priority, "summary": self.summary,
                "addressed_by": list(self.addressed_by), "missing": list(self.missing), "status": self.status}


# (number, title, high priority, summary, answers that address it: a path, or (list path, value it must include))
CRITERIA: tuple[tuple[int, str, bool, str, tuple[str | tuple[str, str], ...]], ...] = (
    (1, "Scope", True, "broaden CMS's APM portfolio: a payment-policy issue addressed in a new way, or APM Entities "
     "whose chances to join APMs have been limited",
     ("element_3.model_design", "element_4.apm_entities", "element_4.services_scope",
      "design_factors.model_overlap.rationale")),
    (2, "Quality and Cost", True, "improve quality at no added cost, keep quality while cutting cost, or both",
     ("element_6.quality_goals", "element_6.measures", "design_factors.quality_improvement.rationale",
      "design_factors.cost_savings.rationale")),
    (3, "Payment Methodology", True, "how Medicare and other payers pay APM Entities, how it differs from current "
     "methods, and why it cannot be tested under them",
     ("element_2.payment_methodology_difference", "element_2.new_payments", "element_1.financial_risk.type",
      "element_5.payers", "payment.lines_of_business")),
    (4, "Value over Volume", False, "incentives to deliver high-quality care",
     ("element_2.value_over_volume", "element_6.payment_based_on_quality")),
    (5, "Flexibility", False, "the flexibility practitioners need to deliver high-quality care",
     ("element_2.care_delivery_changes", "element_7.workflow_fit")),
    (6, "Ability to be Evaluated", False, "evaluable goals for quality, cost and any other goals",
     ("element_6.evaluation_approach", "element_6.measures", "design_factors.evaluative_feasibility.rationale")),
    (7, "Integration and Care Coordination", False, "more integration and coordination among practitioners and "
     "settings",
     (("element_6.quality_goals", "coordinated_care"), ("element_6.quality_domains", "care_coordination"),
      "element_2.care_delivery_changes")),
    (8, "Patient Choice", False, "population health alongside individual patients' needs and preferences",
     (("element_6.quality_goals", "patient_goals_and_preferences"),
      ("element_6.quality_domains", "patient_caregiver_experience"), "element_4.demographic_diversity")),
    (9, "Patient Safety", False, "maintain or improve standards of patient safety",
     (("element_6.quality_domains", "safety"), "design_factors.coverage_effects.rationale")),
    (10, "Health Information Technology", False, "use of health IT to inform care",
     ("element_1.cehrt.description", "element_7.data_and_information")),
)


def readiness(answers: Answers) -> tuple[PtacCriterion, ...]:
    out = []
    for number, title, priority, summary, asks in CRITERIA:
        addressed: list[str] = []
        missing: list[str] = []
        for ask in asks:
            path, value = ask if isinstance(ask, tuple) else (ask, None)
            given = answers[path]
            ok = answers.has(path) if value is None else isinstance(given, list) and value in given
            (addressed if ok else missing).append(path)
        status: PtacStatus = "addressed" if not missing else ("partly" if addressed else "missing")
        out.append(PtacCriterion(number, title, f"{CITATION}, criterion {number}", priority, summary, tuple(addressed),
                                 tuple(missing), status))
    return tuple(out)
