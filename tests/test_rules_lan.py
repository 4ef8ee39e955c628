"""The LAN APM Framework category of a payment design: every arrangement's category, the dominant-arrangement rule
across arrangements, combined arrangements and lines of business, and what an incomplete design still needs."""

from __future__ import annotations

import pytest

from apm_designer.rules import evaluate
from apm_designer.rules.engine import REGISTRY, Answers
from apm_designer.validation import is_valid
from proposals import complete, minimal

LINES = "payment.lines_of_business"


def design(*lines: list[dict], **overrides: object) -> dict:
    data = minimal(**overrides)
    data["payment"] = {"lines_of_business": [{"line_of_business": lob, "arrangements": arrangements}
                                             for lob, arrangements in zip(("traditional_medicare", "commercial",
                                                                           "medicaid"), lines, strict=False)]}
    assert is_valid(data)
    return data


@pytest.mark.parametrize(("kind", "category", "value"), [
    ("legacy", "1", "no"),
    ("foundational_spending", "2A", "no"),
    ("pay_for_reporting", "2B", "no"),
    ("pay_for_performance", "2C", "no"),
    ("shared_savings", "3A", "yes"),
    ("shared_risk", "3B", "yes"),
    ("population_not_condition_specific", "3B", "yes"),
    ("risk_based_not_linked_to_quality", "3N", "no"),
    ("population_condition_specific", "4A", "yes"),
    ("condition_specific_bundled_episode", "4A", "yes"),
    ("full_percent_of_premium", "4B", "yes"),
    ("integrated_finance_delivery", "4C", "yes"),
    ("capitation_not_linked_to_quality", "4N", "no"),
])
def test_each_arrangement_alone_gives_its_category(kind, category, value):
    v = evaluate(design([{"type": kind}])).verdicts["lan"]
    assert (v.value, v.category, v.rule_ids) == (value, category, ("LAN-CATEGORY",))
    assert f"{LINES}[0].arrangements[0].type" in v.reason and category in v.reason
    if category.endswith("N"):
        assert "not linked to quality, so not counted as an APM" in v.reason


@pytest.mark.parametrize(("risk", "category"), [
    ("two_sided", "3B"), ("full_capitation", "3B"), ("upside_only", "3A"), ("none", "3A"), (None, "3A/3B"),
])
def test_procedure_bundles_are_3a_or_3b_by_downside_risk(risk, category):
    data = design([{"type": "procedure_bundled_episode"}], element_1__financial_risk__type=risk)
    v = evaluate(data).verdicts["lan"]
    assert (v.value, v.category) == ("yes", category)
    f = REGISTRY.rules["LAN-CATEGORY"].run(Answers(data))
    assert f.fields == (f"{LINES}[0].arrangements[0].type", "element_1.financial_risk.type")
    if risk is None:
        assert "answer element_1.financial_risk.type to tell" in f.explanation


def test_the_dominant_arrangement_decides_across_arrangements_and_lines():
    data = design([{"type": "legacy"}, {"type": "shared_savings"}], [{"type": "pay_for_performance"},
                                                                     {"type": "shared_risk"}])
    v = evaluate(data).verdicts["lan"]
    assert v.category == "3B" and f"{LINES}[1].arrangements[1].type" in v.reason
    # Named by the line of business it is paid in, not only by its position (a reviewer reads "Commercial").
    assert "the dominant arrangement is shared risk, in the Commercial line of business (" in v.reason


def test_combined_arrangements_count_under_the_dominant_one():
    # shared savings with P4P bonuses counts as shared savings (the workbook's own example)
    v = evaluate(design([{"type": "shared_savings", "combined_with": ["pay_for_performance"]}])).verdicts["lan"]
    assert v.category == "3A" and f"{LINES}[0].arrangements[0].type" in v.reason
    # and the other way round: what it is combined with may be the dominant one
    v = evaluate(design([{"type": "pay_for_performance", "combined_with": ["shared_risk"]}])).verdicts["lan"]
    assert v.category == "3B" and f"{LINES}[0].arrangements[0].combined_with" in v.reason


def test_quality_linked_codes_outrank_n_codes():
    v = evaluate(design([{"type": "capitation_not_linked_to_quality"}, {"type": "shared_savings"}])).verdicts["lan"]
    assert (v.value, v.category) == ("yes", "3A")


def test_no_payment_design_is_undetermined_and_names_it():
    v = evaluate(minimal()).verdicts["lan"]
    assert (v.value, v.category, v.needs) == ("undetermined", None, (LINES,))


def test_untyped_arrangements_name_their_type_answer():
    v = evaluate(design([{"dollars": 100}], [{"description": "to come"}])).verdicts["lan"]
    assert v.value == "undetermined"
    assert v.needs == (f"{LINES}[0].arrangements[0].type", f"{LINES}[1].arrangements[0].type")


def test_an_untyped_arrangement_beside_a_typed_one_does_not_block_the_category():
    assert evaluate(design([{"dollars": 100}, {"type": "shared_risk"}])).verdicts["lan"].category == "3B"


def test_complete_proposal_is_3b():
    v = evaluate(complete()).verdicts["lan"]
    assert (v.value, v.category) == ("yes", "3B")
