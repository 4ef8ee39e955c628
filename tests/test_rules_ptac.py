"""PTAC readiness: the ten Secretary's criteria, which answers address each and which are missing."""

from __future__ import annotations

import pytest

from apm_designer.rules import PtacCriterion, evaluate
from apm_designer.rules.ptac import CRITERIA
from apm_designer.validation import field_schema
from apm_designer.wizard import parse_dotted
from proposals import complete, minimal, with_answers

TITLES = ("Scope", "Quality and Cost", "Payment Methodology", "Value over Volume", "Flexibility",
          "Ability to be Evaluated", "Integration and Care Coordination", "Patient Choice", "Patient Safety",
          "Health Information Technology")


def test_ten_criteria_in_order_with_high_priority_and_citation():
    ptac = evaluate(minimal()).ptac
    assert all(isinstance(c, PtacCriterion) for c in ptac)
    assert tuple(c.title for c in ptac) == TITLES
    assert [c.number for c in ptac] == list(range(1, 11))
    assert [c.number for c in ptac if c.high_priority] == [1, 2, 3]
    assert all(c.citation == f"42 CFR 414.1465(b), criterion {c.number}" for c in ptac)


def test_every_criterion_asks_about_real_schema_paths():
    for _, _, _, _, asks in CRITERIA:
        for ask in asks:
            path, value = ask if isinstance(ask, tuple) else (ask, None)
            schema = field_schema(parse_dotted(path))
            assert schema, path
            if value is not None:
                assert value in schema["items"]["enum"], (path, value)


def test_an_empty_draft_misses_everything():
    for c in evaluate(minimal()).ptac:
        assert (c.status, c.addressed_by) == ("missing", ())
        assert c.missing


def test_a_complete_proposal_addresses_most_criteria_and_names_the_gaps():
    ptac = {c.number: c for c in evaluate(complete()).ptac}
    assert ptac[3].status == "addressed" and "element_2.payment_methodology_difference" in ptac[3].addressed_by
    # the complete proposal's quality goals leave out patients' goals and preferences
    assert ptac[8].status == "partly" and ptac[8].missing == ("element_6.quality_goals",)
    assert ptac[8].addressed_by == ("element_6.quality_domains", "element_4.demographic_diversity")


@pytest.mark.parametrize(("answers", "number", "status"), [
    ({"element_6.quality_domains": ["clinical_care"]}, 9, "partly"),
    ({"element_6.quality_domains": ["clinical_care"], "design_factors.coverage_effects": None}, 9, "missing"),
    ({"element_1.cehrt.description": None}, 10, "partly"),
    ({"element_2.value_over_volume": None, "element_6.payment_based_on_quality": None}, 4, "missing"),
])
def test_status_follows_the_answers(answers, number, status):
    data = with_answers(complete(metadata__status="draft"), answers)
    c = evaluate(data).ptac[number - 1]
    assert c.status == status
    for path in answers:
        assert not any(m.startswith(path) or path.startswith(m) for m in c.addressed_by)


def test_ptac_json():
    [first, *_] = evaluate(complete()).as_json()["ptac"]
    assert first == {"number": 1, "title": "Scope", "citation": "42 CFR 414.1465(b), criterion 1",
                     "high_priority": True, "summary": first["summary"], "addressed_by": first["addressed_by"],
                     "missing": [], "status": "addressed"}
