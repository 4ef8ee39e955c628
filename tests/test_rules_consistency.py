"""Consistency checks: each contradiction raises its warning naming the answers involved, and its absence does not."""

from __future__ import annotations

import pytest

from apm_designer.rules import evaluate
from apm_designer.rules.engine import REGISTRY, Answers, Finding
from apm_designer.validation import is_valid
from proposals import complete, with_answers

RISK = "element_1.financial_risk"
L0 = "payment.lines_of_business[0]"


def run(rule_id: str, data: dict) -> Finding:
    assert is_valid(data), "test data must be schema-valid"
    f = REGISTRY.rules[rule_id].run(Answers(data))
    assert f.label == "consistency" and f.citation
    return f


def draft(answers: dict) -> dict:
    return with_answers(complete(metadata__status="draft"), answers)


def arrangement(kind: str) -> list[dict]:
    return [{"line_of_business": "traditional_medicare", "arrangements": [{"type": kind}]}]


def other_payer(kinds: list[str], legacy: int = 0, **answers) -> list[dict]:
    """Traditional Medicare, then a commercial line paying through `kinds` (100 dollars each, plus `legacy`) whose
    Other Payer Advanced APM design is the Medicare design's (two-sided at 4% of the benchmark) plus `answers`."""
    own = {"same_as_medicare": True, "marginal_risk_rate": 40, "minimum_loss_rate": 2, **answers}
    entries = [{"type": k, "dollars": 100} for k in kinds] + ([{"type": "legacy", "dollars": legacy}] if legacy else [])
    return [*arrangement("shared_risk"), {"line_of_business": "commercial", "total_dollars": 100 * len(kinds) + legacy,
                                          "arrangements": entries, "other_payer": own}]


# (rule, answers that contradict each other, the answers the warning must name first, a phrase it must say)
WARNINGS = [
    ("CON-PFPM-MEDICARE", {"element_5.payers": ["commercial"]}, ("element_5.payers", "element_1.intended_types"),
     "must have Medicare as a payer"),
    ("CON-SSP-MEDICARE", {"element_1.authority": "shared_savings_program", "element_5.payers": ["commercial"]},
     ("element_5.payers", "element_1.authority"), "a Medicare program"),
    ("CON-INTENDED-TYPES", {"element_1.cehrt.share_of_clinicians": 60}, ("element_1.intended_types",
                                                                         "element_1.cehrt.share_of_clinicians"),
     "Advanced APM is intended but not met"),
    ("CON-RISK-PERCENT", {f"{RISK}.percent_at_risk": None}, (f"{RISK}.percent_at_risk", f"{RISK}.type"),
     "say how much"),
    ("CON-RISK-PERCENT", {f"{RISK}.basis": None, f"{RISK}.percent_at_risk": None},
     (f"{RISK}.percent_at_risk", f"{RISK}.basis"), "are not given"),
    ("CON-RISK-UPSIDE-DETAILS", {f"{RISK}.type": "upside_only"}, (f"{RISK}.type", f"{RISK}.mechanisms"),
     "describe losses"),
    ("CON-LAN-SHARED-RISK", {f"{RISK}": {"type": "upside_only"}}, (f"{L0}.arrangements[1].type", f"{RISK}.type"),
     "shared risk"),
    ("CON-LAN-TWO-SIDED", {"payment.lines_of_business": arrangement("shared_savings")},
     (f"{L0}.arrangements[0].type", f"{RISK}.type"), "no payment arrangement puts providers at downside risk"),
    ("CON-LAN-CAPITATION", {f"{RISK}": {"type": "full_capitation"}}, (f"{L0}.arrangements[1].type", f"{RISK}.type"),
     "no payment arrangement is a population-based"),
    ("CON-LAN-QUALITY", {"element_6.payment_based_on_quality": False},
     (f"{L0}.arrangements[1].type", "element_6.payment_based_on_quality"), "N codes"),
    ("CON-OUTCOME-MEASURE", {"element_6.measures": [{"name": "A", "type": "process", "evidence_basis": "none"}]},
     ("element_6.measures", "element_6.no_outcome_measure_justification"), "no outcome measure"),
    ("CON-OUTCOME-MEASURE", {"element_6.no_outcome_measure_justification": "None is available."},
     ("element_6.no_outcome_measure_justification", "element_6.measures[0].type"), "drop the explanation"),
    ("CON-QUALITY-MEASURES", {"element_6.measures": None}, ("element_6.measures",
                                                            "element_6.payment_based_on_quality"), "no measure"),
    ("CON-FACTOR-RATIONALE", {"design_factors.diversity.rationale": None, "design_factors.scalability.rationale": None},
     ("design_factors.diversity.rationale", "design_factors.scalability.rationale"), "2 design factors rated"),
    ("CON-CEHRT-SHARE", {"element_1.cehrt.required": False}, ("element_1.cehrt.required",
                                                              "element_1.cehrt.share_of_clinicians"), "or not?"),
    ("CON-CEHRT-REWARD", {"element_1.cehrt.penalty_or_reward_for_use": True, "metadata.performance_year": 2018},
     ("element_1.cehrt.penalty_or_reward_for_use", "element_1.authority"), "only the Shared Savings Program"),
    # From 2019 the route is closed to every model, the Shared Savings Program included (414.1415(a)(1)(ii)).
    ("CON-CEHRT-REWARD", {"element_1.cehrt.penalty_or_reward_for_use": True, "metadata.performance_year": 2019,
                          "element_1.cehrt.required": False},
     ("element_1.cehrt.penalty_or_reward_for_use", "metadata.performance_year", "element_1.cehrt.required"),
     "in 2019 no model meets the CEHRT criterion that way"),
    ("CON-CEHRT-REWARD", {"element_1.authority": "shared_savings_program", "metadata.performance_year": 2025,
                          "element_1.cehrt.penalty_or_reward_for_use": True, "element_1.cehrt.required": False},
     ("element_1.cehrt.penalty_or_reward_for_use", "metadata.performance_year", "element_1.cehrt.required"),
     "for QP Performance Periods before 2019"),
    ("CON-MH-EXPANDED", {"element_1.authority": "federal_demonstration",
                         "element_1.medical_home.expanded_under_1115a_c": True},
     ("element_1.medical_home.expanded_under_1115a_c", "element_1.authority"), "section 1115A(c)"),
    ("CON-OP-RISK-ARRANGEMENT", {"payment.lines_of_business": other_payer(["shared_savings"])},
     (f"{RISK}.type", "payment.lines_of_business[1].arrangements"), "shared savings without losses (3A), yet"),
    ("CON-OP-RISK-ARRANGEMENT", {"payment.lines_of_business": other_payer(["shared_risk"], risk_type="upside_only")},
     ("payment.lines_of_business[1].other_payer.risk_type", "payment.lines_of_business[1].arrangements"),
     "type = shared_risk (downside risk"),
    ("CON-OP-LEGACY", {"payment.lines_of_business": other_payer(["shared_risk"], legacy=101)},
     ("payment.lines_of_business[1].arrangements", "payment.lines_of_business[1].total_dollars"),
     "50.2% of its dollars are legacy payments"),
]


@pytest.mark.parametrize(("rule_id", "answers", "fields", "says"), WARNINGS,
                         ids=[f"{w[0]}-{i}" for i, w in enumerate(WARNINGS)])
def test_each_contradiction_warns_naming_its_answers(rule_id, answers, fields, says):
    data = draft(answers)
    f = run(rule_id, data)
    assert f.status == "not_met" and f.is_warning
    assert f.fields[:len(fields)] == fields
    assert says in f.explanation
    assert rule_id in {w.rule_id for w in evaluate(data).warnings}


def test_a_consistent_proposal_has_no_warnings():
    ev = evaluate(complete())
    assert ev.warnings == []
    assert all(f.status == "met" for f in ev.findings_for("consistency"))


@pytest.mark.parametrize(("rule_id", "answers"), [
    ("CON-PFPM-MEDICARE", {"element_1.intended_types": ["apm"], "element_5.payers": ["commercial"]}),
    ("CON-SSP-MEDICARE", {"element_5.payers": ["commercial"]}),  # not in the Shared Savings Program
    ("CON-RISK-UPSIDE-DETAILS", {f"{RISK}": {"type": "upside_only", "percent_at_risk": 0}}),
    ("CON-LAN-SHARED-RISK", {f"{RISK}": {"type": "upside_only"}, "payment.lines_of_business":
                             arrangement("shared_savings")}),
    ("CON-LAN-TWO-SIDED", {"payment.lines_of_business": arrangement("procedure_bundled_episode")}),
    ("CON-LAN-CAPITATION", {f"{RISK}": {"type": "full_capitation"}, "payment.lines_of_business":
                            arrangement("full_percent_of_premium")}),
    ("CON-LAN-QUALITY", {"element_6.payment_based_on_quality": False, "payment.lines_of_business":
                         arrangement("risk_based_not_linked_to_quality")}),
    ("CON-OUTCOME-MEASURE", {"element_6.measures": [{"name": "A", "type": "process", "evidence_basis": "none"}],
                             "element_6.no_outcome_measure_justification": "None on the MIPS list."}),
    ("CON-CEHRT-REWARD", {"element_1.authority": "shared_savings_program", "metadata.performance_year": 2018,
                          "element_1.cehrt.penalty_or_reward_for_use": True}),
    # From 2019 a penalty or reward is a design feature beside a required share, not a way to meet the criterion.
    ("CON-CEHRT-REWARD", {"element_1.authority": "shared_savings_program", "metadata.performance_year": 2025,
                          "element_1.cehrt.penalty_or_reward_for_use": True, "element_1.cehrt.required": True}),
    ("CON-MH-EXPANDED", {"element_1.medical_home.expanded_under_1115a_c": True}),
    ("CON-OP-RISK-ARRANGEMENT", {"payment.lines_of_business": other_payer(["shared_savings", "shared_risk"])}),
    ("CON-OP-RISK-ARRANGEMENT", {"payment.lines_of_business": other_payer(["shared_savings"],
                                                                          risk_type="upside_only")}),
    ("CON-OP-LEGACY", {"payment.lines_of_business": other_payer(["shared_risk"], legacy=100)}),  # half, not most
    ("CON-OP-LEGACY", {"payment.lines_of_business": other_payer(["shared_risk"], legacy=300, cehrt_required=False)}),
])
def test_no_warning_without_the_contradiction(rule_id, answers):
    assert run(rule_id, draft(answers)).status == "met"


def test_intended_types_is_unknown_while_the_classification_is_undetermined():
    f = run("CON-INTENDED-TYPES", draft({"element_1.clinicians": None}))
    assert f.status == "unknown" and f.fields == ("element_1.clinicians.core_role",)
    assert "PFPM" in f.explanation


def test_intended_types_reads_the_verdicts_evaluate_derived():
    ev = evaluate(draft({"element_1.authority": "health_care_innovation_award"}))
    [f] = [f for f in ev.findings if f.rule_id == "CON-INTENDED-TYPES"]
    assert f.status == "not_met"
    for label in ("APM is intended", "Advanced APM is intended", "PFPM is intended"):
        assert label in f.explanation
    assert "element_1.authority" in f.fields


def test_pfpm_medicare_needs_the_payers_when_pfpm_is_intended():
    f = run("CON-PFPM-MEDICARE", draft({"element_5.payers": None}))
    assert (f.status, f.fields) == ("unknown", ("element_5.payers",))


def test_outcome_check_needs_measure_types():
    f = run("CON-OUTCOME-MEASURE", draft({"element_6.measures": [{"name": "A"}]}))
    assert (f.status, f.fields) == ("unknown", ("element_6.measures",))


def test_every_consistency_rule_is_tested():
    tested = {w[0] for w in WARNINGS}
    assert tested == {r.id for r in REGISTRY if r.label == "consistency"}
