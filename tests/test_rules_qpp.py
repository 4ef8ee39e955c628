"""The QPP rules at their boundaries: APM authority, Advanced APM (CEHRT, quality, each financial-risk path), PFPM,
MIPS APM; the verdicts derived from them; the thresholds table; and the registry itself."""

from __future__ import annotations

import json
import re

import pytest

from apm_designer.rules import evaluate
from apm_designer.rules.engine import CHECKS, CLASSIFICATIONS, REGISTRY, Answer, Answers, Finding, Text
from apm_designer.rules.thresholds import table, threshold
from apm_designer.validation import field_schema, is_valid
from apm_designer.wizard import parse_dotted
from proposals import complete, minimal, with_answers

E1 = "element_1"
SHARE = "element_1.cehrt.share_of_clinicians"
RISK = "element_1.financial_risk"
MH = "element_1.medical_home"
YEAR = "metadata.performance_year"


def run(rule_id: str, data: dict) -> Finding:
    assert is_valid(data), "test data must be schema-valid"
    return REGISTRY.rules[rule_id].run(Answers(data))


def medical_home(**answers: object) -> dict:
    """A small primary-care practice model: a Medical Home Model at 5% of revenue at risk, in 2025, its APM Entities
    of 30 eligible clinicians (on their Participation Lists, and in their parent organisations)."""
    base = complete()
    base["element_1"]["medical_home"] = {
        "primary_care_focus": True, "empanelment": True, "parent_organization_clinicians": 30,
        "participation_list_clinicians": 30,
        "features": ["planned_chronic_preventive_care", "access_continuity", "risk_stratified_care_management",
                     "payment_beyond_ffs"]}
    base["element_1"]["financial_risk"] = {"type": "two_sided", "basis": "revenue", "percent_at_risk": 5,
                                           "mechanisms": ["loss_of_guaranteed_payment"]}
    return with_answers(base, answers)


# ------------------------------------------------------------------------------------------------ APM


@pytest.mark.parametrize(("authority", "status", "says"), [
    ("section_1115a", "met", "section 1115A"),
    ("shared_savings_program", "met", "Shared Savings Program"),
    ("section_1866c", "met", "1866C"),
    ("federal_demonstration", "met", "required by federal law"),
    ("health_care_innovation_award", "not_met", "Health Care Innovation Awards are excluded"),
    ("other_payer_only", "not_met", "would make it one"),
    ("none", "not_met", "would make it one"),
])
def test_apm_authority(authority, status, says):
    f = run("APM-AUTHORITY", complete(element_1__authority=authority))
    assert (f.status, f.fields) == (status, ("element_1.authority",))
    assert says in f.explanation and f"element_1.authority = {authority}" in f.explanation


def test_a_health_care_innovation_award_is_neither_an_apm_nor_advanced_even_with_risk():
    ev = evaluate(complete(element_1__authority="health_care_innovation_award"))
    assert ev.verdicts["apm"].value == "no"
    assert ev.verdicts["advanced_apm"].value == "no"
    assert ev.verdicts["advanced_apm"].reason.startswith("not an APM: ")
    assert ev.verdicts["pfpm"].value == "no" and ev.verdicts["mips_apm"].value == "no"
    # its other criteria are still checked and met: only the authority decides
    assert {f.rule_id for f in ev.findings_for("advanced_apm") if f.status == "met"} >= {"AAPM-CEHRT",
                                                                                         "AAPM-RISK-GENERAL"}


def test_missing_authority_leaves_apm_undetermined_naming_it():
    ev = evaluate(complete(element_1__authority=None))
    v = ev.verdicts["apm"]
    assert (v.value, v.needs, v.rule_ids) == ("undetermined", ("element_1.authority",), ("APM-AUTHORITY",))
    assert "element_1.authority" in ev.verdicts["advanced_apm"].needs


# ------------------------------------------------------------------------------------------------ CEHRT


@pytest.mark.parametrize(("year", "share", "status", "threshold_"), [
    (2017, 50, "met", 50), (2017, 49.9, "not_met", 50),
    (2018, 50, "met", 50), (2018, 49.9, "not_met", 50), (2018, 74.9, "met", 50),
    (2019, 74.9, "not_met", 75), (2019, 75, "met", 75),
    (2025, 74.9, "not_met", 75), (2025, 100, "met", 75),
])
def test_cehrt_share_by_year(year, share, status, threshold_):
    f = run("AAPM-CEHRT", complete(metadata__performance_year=year, element_1__cehrt__share_of_clinicians=share))
    assert f.status == status
    assert f.fields[0] == SHARE and YEAR in f.fields
    assert f.margin == pytest.approx(share - threshold_)
    assert f"{share:g}, which {'is below' if status == 'not_met' else 'reaches'} the {threshold_}%" in f.explanation
    assert f"for {year}" in f.explanation and "42 CFR 414.1415(a)(1)" in f.explanation


def test_cehrt_not_required_fails_and_unanswered_needs_the_answer():
    assert run("AAPM-CEHRT", complete(element_1__cehrt__required=False)).status == "not_met"
    f = run("AAPM-CEHRT", complete(metadata__status="draft", element_1__cehrt__required=None))
    assert (f.status, f.fields) == ("unknown", ("element_1.cehrt.required",))
    f = run("AAPM-CEHRT", complete(element_1__cehrt__share_of_clinicians=None))
    assert (f.status, f.fields) == ("unknown", (SHARE,))


@pytest.mark.parametrize("year", [2017, 2018])
def test_before_2019_the_shared_savings_program_meets_cehrt_by_a_penalty_or_reward(year):
    data = complete(metadata__performance_year=year, element_1__authority="shared_savings_program",
                    element_1__cehrt__share_of_clinicians=10, element_1__cehrt__penalty_or_reward_for_use=True)
    f = run("AAPM-CEHRT", data)
    assert f.status == "met" and "42 CFR 414.1415(a)(1)(ii)" in f.explanation and YEAR in f.fields
    # a penalty or reward does not count outside the Shared Savings Program
    data = with_answers(data, {"element_1.authority": "section_1115a"})
    assert run("AAPM-CEHRT", data).status == "not_met"


@pytest.mark.parametrize("year", [2019, 2020, 2025])
def test_from_2019_the_shared_savings_program_must_meet_the_share_test_like_any_apm(year):
    """414.1415(a)(1)(ii): "For QP Performance Periods prior to 2019, for the Shared Savings Program ..."."""
    data = complete(metadata__performance_year=year, element_1__authority="shared_savings_program",
                    element_1__cehrt__share_of_clinicians=10, element_1__cehrt__penalty_or_reward_for_use=True)
    f = run("AAPM-CEHRT", data)
    assert f.status == "not_met" and "before 2019" in f.explanation and "is below the 75%" in f.explanation
    assert {"element_1.cehrt.penalty_or_reward_for_use", SHARE, YEAR} <= set(f.fields)
    assert evaluate(data).verdicts["advanced_apm"].value == "no"
    # the share test alone decides: 75% meets it whatever the reward
    assert run("AAPM-CEHRT", with_answers(data, {SHARE: 75})).status == "met"
    f = run("AAPM-CEHRT", with_answers(data, {SHARE: None}))
    assert f.status == "unknown" and SHARE in f.fields


def test_without_a_performance_year_the_latest_table_year_is_used_and_said():
    data = complete(metadata__status="draft", metadata__performance_year=None)
    ev = evaluate(data)
    last = table().last_year
    assert ev.performance_year == last and "latest year in the table" in ev.year_note
    assert "latest year in the table" in ev.findings_for("advanced_apm")[0].explanation


def test_a_year_past_the_table_uses_its_last_year_and_says_so():
    ev = evaluate(complete(metadata__performance_year=2030))
    assert ev.performance_year == 2030 and f"using {table().last_year}'s thresholds" in ev.year_note


def test_the_performance_year_argument_overrides_the_proposal():
    data = complete(element_1__cehrt__share_of_clinicians=60)
    assert evaluate(data).verdicts["advanced_apm"].value == "no"
    ev = evaluate(data, performance_year=2018)
    assert ev.performance_year == 2018 and ev.verdicts["advanced_apm"].value == "yes"
    assert data["metadata"]["performance_year"] == 2025  # the caller's data is left alone


# ------------------------------------------------------------------------------------------------ quality


def test_quality_rules():
    assert run("AAPM-QUALITY-PAYMENT", complete(element_6__payment_based_on_quality=False)).status == "not_met"
    f = run("AAPM-QUALITY-PAYMENT", complete(metadata__status="draft", element_6__payment_based_on_quality=None))
    assert (f.status, f.fields) == ("unknown", ("element_6.payment_based_on_quality",))

    no_evidence = [{"name": "A", "type": "outcome", "evidence_basis": "none"}]
    f = run("AAPM-QUALITY-EVIDENCE", complete(element_6__measures=no_evidence))
    assert f.status == "not_met" and f.fields == ("element_6.measures[0].evidence_basis", YEAR)
    untyped = [{"name": "A", "type": "outcome"}]
    f = run("AAPM-QUALITY-EVIDENCE", complete(metadata__status="draft", element_6__measures=untyped))
    assert (f.status, f.fields) == ("unknown", ("element_6.measures[0].evidence_basis",))
    f = run("AAPM-QUALITY-EVIDENCE", complete(element_6__measures=None, metadata__status="draft"))
    assert (f.status, f.fields) == ("unknown", ("element_6.measures",))


@pytest.mark.parametrize(("measures", "why", "status"), [
    ([{"name": "A", "type": "process", "evidence_basis": "mips_final_list"}], None, "not_met"),
    # only CMS can find that no outcome measure applies: the proposer's reason leaves it pending
    ([{"name": "A", "type": "process", "evidence_basis": "mips_final_list"}], "None on the MIPS list.", "unknown"),
    ([{"name": "A", "type": "intermediate_outcome", "evidence_basis": "mips_final_list"}], None, "met"),
    ([{"name": "A", "type": "patient_reported_outcome", "evidence_basis": "mips_final_list"}], None, "met"),
    ([{"name": "A", "type": "patient_experience", "evidence_basis": "mips_final_list"}], None, "not_met"),
])
def test_outcome_measure(measures, why, status):
    data = complete(element_6__measures=measures, element_6__no_outcome_measure_justification=why)
    assert run("AAPM-QUALITY-OUTCOME", data).status == status


def test_an_untyped_measure_leaves_the_outcome_rule_unknown():
    data = complete(metadata__status="draft", element_6__measures=[{"name": "A", "evidence_basis": "none"}])
    f = run("AAPM-QUALITY-OUTCOME", data)
    assert f.status == "unknown" and f.fields[0] == "element_6.measures[0].type"


@pytest.mark.parametrize(("basis", "year", "status"), [
    ("developed_under_1848s", 2019, "met"), ("developed_under_1848s", 2020, "not_met"),
    ("mips_call_for_measures", 2019, "met"), ("mips_call_for_measures", 2020, "not_met"),
    ("consensus_endorsed", 2019, "met"), ("consensus_endorsed", 2020, "met"),
])
def test_the_evidence_test_of_each_year(basis, year, status):
    """414.1415(b)(2)(i) before 2020 (five routes), (b)(2)(ii) from 2020 (three)."""
    measures = [{"name": "A", "type": "process", "evidence_basis": basis}]
    f = run("AAPM-QUALITY-EVIDENCE", complete(metadata__performance_year=year, element_6__measures=measures))
    assert f.status == status and YEAR in f.fields
    assert ("414.1415(b)(2)(i)" if year < 2020 else "414.1415(b)(2)(ii)") in f.explanation


@pytest.mark.parametrize(("year", "status"), [(2018, "met"), (2019, "met"), (2020, "not_met"), (2021, "not_met")])
def test_from_2020_the_outcome_measure_itself_must_meet_the_evidence_test(year, status):
    """414.1415(b)(3): "Beginning January 1, 2020, the included outcome measure must satisfy ... (b)(2)"."""
    measures = [{"name": "Readmissions", "type": "outcome", "evidence_basis": "none"},
                {"name": "Screening", "type": "process", "evidence_basis": "mips_final_list"}]
    data = complete(metadata__performance_year=year, element_6__measures=measures)
    f = run("AAPM-QUALITY-OUTCOME", data)
    assert f.status == status
    assert evaluate(data).verdicts["advanced_apm"].value == ("yes" if status == "met" else "no")
    if status == "not_met":
        assert "element_6.measures[0].evidence_basis = none" in f.explanation and YEAR in f.fields
    endorsed = [{**measures[0], "evidence_basis": "consensus_endorsed"}, measures[1]]
    assert run("AAPM-QUALITY-OUTCOME", with_answers(data, {"element_6.measures": endorsed})).status == "met"
    unsaid = [{"name": "Readmissions", "type": "outcome"}, measures[1]]
    f = run("AAPM-QUALITY-OUTCOME", with_answers(data, {"metadata.status": "draft", "element_6.measures": unsaid}))
    assert (f.status, f.fields) == (("met", ("element_6.measures[0].type",)) if year < 2020 else
                                     ("unknown", ("element_6.measures[0].evidence_basis",)))


def test_a_claim_that_no_outcome_measure_applies_leaves_advanced_undetermined_pending_cms():
    """The exception in 414.1415(b)(3) is CMS's determination, not the proposer's."""
    data = complete(element_6__measures=[{"name": "A", "type": "process", "evidence_basis": "mips_final_list"}],
                    element_6__no_outcome_measure_justification="No outcome measure on the MIPS list fits.")
    f = run("AAPM-QUALITY-OUTCOME", data)
    assert (f.status, f.pending, f.fields) == ("unknown", True, ("element_6.no_outcome_measure_justification",))
    assert "only CMS can determine" in f.explanation
    v = evaluate(data).verdicts["advanced_apm"]
    assert (v.value, v.needs) == ("undetermined", ()) and "pending CMS" in v.reason
    assert evaluate(data).as_json()["findings"][[r.id for r in REGISTRY].index("AAPM-QUALITY-OUTCOME")]["pending"]


# ------------------------------------------------------------------------------------------------ financial risk


@pytest.mark.parametrize(("basis", "percent", "status", "nominal"), [
    ("revenue", 7.99, "not_met", 8), ("revenue", 8, "met", 8),
    ("benchmark", 2.99, "not_met", 3), ("benchmark", 3, "met", 3),
])
def test_general_nominal_amount(basis, percent, status, nominal):
    data = complete(element_1__financial_risk__basis=basis, element_1__financial_risk__percent_at_risk=percent)
    f = run("AAPM-RISK-GENERAL", data)
    assert f.status == status and f.margin == pytest.approx(percent - nominal)
    assert f.fields[:2] == (f"{RISK}.percent_at_risk", f"{RISK}.basis")
    assert f"{RISK}.percent_at_risk = {percent:g}" in f.explanation and f"{nominal}% {basis}-based" in f.explanation
    assert "42 CFR 414.1415(c)(3)" in f.explanation


@pytest.mark.parametrize("percent", [0, 3, 8, 50, 100])
def test_upside_only_never_meets_the_general_standard_at_any_percent(percent):
    data = complete(element_1__financial_risk__type="upside_only", element_1__financial_risk__percent_at_risk=percent,
                    element_1__financial_risk__mechanisms=None)
    f = run("AAPM-RISK-GENERAL", data)
    assert (f.status, f.fields) == ("not_met", (f"{RISK}.type",)) and "whatever the percent" in f.explanation
    assert evaluate(data).verdicts["advanced_apm"].value == "no"


def test_no_risk_and_guaranteed_payment_only_fail_the_general_standard():
    assert run("AAPM-RISK-GENERAL", complete(element_1__financial_risk__type="none")).status == "not_met"
    f = run("AAPM-RISK-GENERAL", complete(element_1__financial_risk__mechanisms=["loss_of_guaranteed_payment"]))
    assert f.status == "not_met" and "Medical Home Model standard" in f.explanation


@pytest.mark.parametrize(("risk", "missing"), [
    ({"type": "two_sided", "percent_at_risk": 5}, (f"{RISK}.basis",)),
    ({"type": "two_sided", "basis": "revenue"}, (f"{RISK}.percent_at_risk",)),
    ({"type": "two_sided"}, (f"{RISK}.basis", f"{RISK}.percent_at_risk")),
    ({"description": "to come"}, (f"{RISK}.type",)),
])
def test_general_standard_names_each_missing_answer(risk, missing):
    f = run("AAPM-RISK-GENERAL", complete(metadata__status="draft", element_1__financial_risk=risk))
    assert (f.status, f.fields) == ("unknown", missing)
    assert all(path in f.explanation for path in missing)


def test_full_capitation_meets_financial_risk_via_its_own_path():
    data = complete(element_1__financial_risk={"type": "full_capitation"})
    assert run("AAPM-RISK-CAPITATION", data).status == "met"
    v = evaluate(data).verdicts["advanced_apm"]
    assert v.value == "yes" and "via the full capitation" in v.reason and "AAPM-RISK-CAPITATION" in v.rule_ids
    assert run("AAPM-RISK-CAPITATION", complete()).status == "not_met"


@pytest.mark.parametrize(("clinicians", "year", "status"), [
    (49, 2018, "met"), (50, 2018, "not_met"),  # 2018-2022: "50 or more" in the parent organisation is too many
    (49, 2022, "met"), (50, 2022, "not_met"),
    (51, 2017, "met"),  # no size limit in the first year
])
def test_medical_home_standard_parent_organisation_size(clinicians, year, status):
    data = medical_home(**{YEAR: year, f"{MH}.parent_organization_clinicians": clinicians})
    f = run("AAPM-RISK-MEDICAL-HOME", data)
    assert f.status == status
    if status == "not_met":
        assert f"{MH}.parent_organization_clinicians = {clinicians}" in f.explanation and "over the 49" in f.explanation
        assert f.fields[0] == f"{MH}.parent_organization_clinicians"


@pytest.mark.parametrize(("year", "nominal"), [(2017, 2.5), (2018, 2.5), (2019, 3), (2020, 4), (2021, 5), (2026, 5)])
def test_medical_home_nominal_amount_by_year(year, nominal):
    at = run("AAPM-RISK-MEDICAL-HOME", medical_home(**{YEAR: year, f"{RISK}.percent_at_risk": nominal}))
    below = run("AAPM-RISK-MEDICAL-HOME", medical_home(**{YEAR: year, f"{RISK}.percent_at_risk": nominal - 0.01}))
    assert at.status == "met" and below.status == "not_met"
    assert below.margin == pytest.approx(-0.01) and f"{nominal:g}% Medical Home Model" in below.explanation


@pytest.mark.parametrize(("answers", "says"), [
    ({f"{MH}.features": ["access_continuity", "shared_decision_making", "payment_beyond_ffs"]}, "3 of the 4"),
    ({f"{MH}.primary_care_focus": False}, "no primary-care focus"),
    ({f"{MH}.empanelment": False}, "not empanelled"),
    ({"element_1.authority": "shared_savings_program"}, "an APM under section 1115A"),
])
def test_medical_home_model_definition(answers, says):
    f = run("AAPM-MEDICAL-HOME-MODEL", medical_home(**answers))
    assert f.status == "not_met" and says in f.explanation
    assert run("AAPM-RISK-MEDICAL-HOME", medical_home(**answers)).status == "not_met"


def test_medical_home_standard_needs_revenue_basis_and_downside():
    f = run("AAPM-RISK-MEDICAL-HOME", medical_home(**{f"{RISK}.basis": "benchmark"}))
    assert f.status == "not_met" and "share of revenue" in f.explanation
    f = run("AAPM-RISK-MEDICAL-HOME", medical_home(**{f"{RISK}.type": "upside_only", f"{RISK}.mechanisms": None}))
    assert f.status == "not_met"
    f = run("AAPM-RISK-MEDICAL-HOME", medical_home(**{YEAR: 2022, f"{MH}.parent_organization_clinicians": None}))
    assert (f.status, f.fields) == ("unknown", (f"{MH}.parent_organization_clinicians",))
    f = run("AAPM-RISK-MEDICAL-HOME", medical_home(**{f"{MH}.participation_list_clinicians": None}))
    assert (f.status, f.fields) == ("unknown", (f"{MH}.participation_list_clinicians",))
    assert run("AAPM-MEDICAL-HOME-MODEL", complete()).status == "not_met"  # not answered: not a medical home


def test_medical_home_standard_makes_a_small_practice_advanced_where_the_general_one_fails():
    ev = evaluate(medical_home())
    assert {f.rule_id: f.status for f in ev.findings_for("advanced_apm")}["AAPM-RISK-GENERAL"] == "not_met"
    v = ev.verdicts["advanced_apm"]
    assert v.value == "yes" and "via the Medical Home Model standard" in v.reason
    assert evaluate(medical_home(**{f"{MH}.participation_list_clinicians": 51})).verdicts["advanced_apm"].value == "no"


def test_medical_home_expanded_under_1115a_c_meets_risk_outright():
    data = medical_home(**{f"{MH}.expanded_under_1115a_c": True, f"{RISK}.type": "upside_only",
                           f"{RISK}.mechanisms": None, f"{MH}.participation_list_clinicians": 5000})
    assert run("AAPM-RISK-MH-EXPANDED", data).status == "met"
    v = evaluate(data).verdicts["advanced_apm"]
    assert v.value == "yes" and "expanded under section 1115A(c)" in v.reason
    # expansion without the Medical Home Model definition does not count
    f = run("AAPM-RISK-MH-EXPANDED", with_answers(data, {f"{MH}.empanelment": False}))
    assert f.status == "not_met" and "counts only for a Medical Home Model" in f.explanation
    assert run("AAPM-RISK-MH-EXPANDED", medical_home()).status == "not_met"


def test_advanced_no_names_the_closest_path_and_its_miss():
    # general standard at 4.5% of revenue (3.5 short of 8%), Medical Home standard at 4.5% (0.5 short of 5%)
    ev = evaluate(medical_home(**{f"{RISK}.percent_at_risk": 4.5, f"{RISK}.mechanisms": ["payment_owed"]}))
    v = ev.verdicts["advanced_apm"]
    assert v.value == "no"
    assert "closest was the Medical Home Model standard, missed by 0.5 percentage points" in v.reason
    ev = evaluate(complete(element_1__financial_risk__percent_at_risk=2.99))
    assert "closest was the generally applicable nominal amount standard, missed by 0.01 percentage points" in \
        ev.verdicts["advanced_apm"].reason


def test_advanced_yes_names_the_path_that_made_it():
    v = evaluate(complete()).verdicts["advanced_apm"]
    assert v.value == "yes" and "via the generally applicable nominal amount standard" in v.reason
    assert "percent_at_risk = 4, which reaches the 3% benchmark-based" in v.reason


def test_advanced_undetermined_lists_every_missing_answer():
    v = evaluate(minimal(element_1__authority="section_1115a")).verdicts["advanced_apm"]
    assert v.value == "undetermined"
    assert v.needs == ("element_1.cehrt.required", "element_6.payment_based_on_quality", "element_6.measures",
                       f"{RISK}.type")
    assert v.reason == "needs " + ", ".join(v.needs)


def test_advanced_no_wins_over_undetermined():
    v = evaluate(minimal(element_1__authority="section_1115a", element_1__cehrt__required=False)).verdicts
    assert v["advanced_apm"].value == "no" and v["advanced_apm"].rule_ids == ("AAPM-CEHRT",)


def test_a_2018_medical_home_at_2_to_2_49_percent_of_revenue_is_not_advanced():
    """414.1415(c)(4)(i)(B): 2.5% for QP Performance Period 2018 (the table had 2%)."""
    for percent, value in ((2.0, "no"), (2.49, "no"), (2.5, "yes")):
        data = medical_home(**{YEAR: 2018, f"{RISK}.percent_at_risk": percent})
        assert evaluate(data).verdicts["advanced_apm"].value == value, percent
    f = run("AAPM-RISK-MEDICAL-HOME", medical_home(**{YEAR: 2018, f"{RISK}.percent_at_risk": 2.4}))
    assert "is below the 2.5% Medical Home Model nominal amount of revenue for 2018" in f.explanation
    assert "42 CFR 414.1415(c)(4)(i)(B); 82 FR 53568" in f.explanation


@pytest.mark.parametrize(("year", "parent", "entity", "status"), [
    # 2022: the organisation that owns and operates the APM Entity counts, "50 or more" is too many
    (2022, 49, 500, "met"), (2022, 50, 10, "not_met"),
    # 2023: the APM Entity's own Participation List counts, "more than 50" is too many
    (2023, 5000, 50, "met"), (2023, 10, 51, "not_met"),
    (2025, 5000, 30, "met"), (2025, 10, 60, "not_met"),
])
def test_the_medical_home_clinician_limit_counts_what_each_year_counts(year, parent, entity, status):
    """414.1415(c)(7): a small practice inside a large health system may use the Medical Home standard from 2023;
    a large entity may not, whatever its parent."""
    data = medical_home(**{YEAR: year, f"{MH}.parent_organization_clinicians": parent,
                           f"{MH}.participation_list_clinicians": entity})
    f = run("AAPM-RISK-MEDICAL-HOME", data)
    counted = f"{MH}.parent_organization_clinicians" if year <= 2022 else f"{MH}.participation_list_clinicians"
    assert f.status == status and counted in f.fields and YEAR in f.fields
    assert evaluate(data).verdicts["advanced_apm"].value == ("yes" if status == "met" else "no")
    if status == "not_met":
        limit = 49 if year <= 2022 else 50
        assert f"over the {limit} eligible clinicians" in f.explanation and "42 CFR 414.1415(c)(7)" in f.explanation


def test_the_same_small_practice_in_a_large_system_fails_in_2022_and_passes_in_2023():
    design = {f"{MH}.parent_organization_clinicians": 900, f"{MH}.participation_list_clinicians": 12}
    assert evaluate(medical_home(**design, **{YEAR: 2022})).verdicts["advanced_apm"].value == "no"
    assert evaluate(medical_home(**design, **{YEAR: 2023})).verdicts["advanced_apm"].value == "yes"


def test_an_old_file_answering_only_the_parent_organisation_asks_for_the_participation_list_from_2023():
    data = medical_home(**{YEAR: 2024, f"{MH}.participation_list_clinicians": None})
    f = run("AAPM-RISK-MEDICAL-HOME", data)
    assert (f.status, f.fields) == ("unknown", (f"{MH}.participation_list_clinicians",))
    assert f"{MH}.parent_organization_clinicians does not count in 2024" in f.explanation
    # and through 2022 the parent organisation alone decides, as it did
    assert run("AAPM-RISK-MEDICAL-HOME", with_answers(data, {YEAR: 2020})).status == "met"


# ------------------------------------------------------------------------------------------------ PFPM and MIPS APM


@pytest.mark.parametrize(("answers", "rule_id", "value"), [
    ({}, None, "yes"),
    ({"element_5.payers": ["commercial", "medicaid"]}, "PFPM-MEDICARE", "no"),
    ({"element_5.payers": ["medicare_advantage"]}, "PFPM-MEDICARE", "no"),
    ({"element_1.clinicians.core_role": False}, "PFPM-CORE-ROLE", "no"),
    ({"element_1.targeted_services.clinicians_influence": False}, "PFPM-TARGETED", "no"),
    ({"element_1.authority": "none"}, "APM-AUTHORITY", "no"),
])
def test_pfpm(answers, rule_id, value):
    v = evaluate(with_answers(complete(), answers)).verdicts["pfpm"]
    assert v.value == value
    if rule_id:
        assert v.rule_ids == (rule_id,)


@pytest.mark.parametrize("path", ["element_5.payers", "element_1.clinicians.core_role",
                                  "element_1.targeted_services.clinicians_influence"])
def test_pfpm_undetermined_names_the_missing_answer(path):
    v = evaluate(with_answers(complete(metadata__status="draft"), {path: None})).verdicts["pfpm"]
    assert (v.value, v.needs) == ("undetermined", (path,))


@pytest.mark.parametrize(("answers", "rule_id", "value"), [
    ({}, None, "yes"),
    ({"element_4.eligible_clinicians": 0, YEAR: 2020}, "MIPS-PARTICIPANTS", "no"),
    ({"element_4.eligible_clinicians": 0, YEAR: 2021}, None, "yes"),
    ({"element_1.financial_risk": {"type": "none"}}, "MIPS-INCENTIVES", "no"),
    ({"element_6.payment_based_on_quality": False}, "MIPS-INCENTIVES", "no"),
    ({"element_1.financial_risk": {"type": "upside_only"}}, None, "yes"),
    ({"element_1.authority": "other_payer_only"}, "APM-AUTHORITY", "no"),
])
def test_mips_apm(answers, rule_id, value):
    v = evaluate(with_answers(complete(), answers)).verdicts["mips_apm"]
    assert v.value == value
    if rule_id:
        assert rule_id in v.rule_ids


@pytest.mark.parametrize("year", [2017, 2020])
def test_through_2020_a_mips_apm_needs_eligible_clinicians_on_a_participation_list(year):
    """414.1370(b)(2), for 2017-2020 only."""
    data = complete(metadata__status="draft", metadata__performance_year=year, element_4__eligible_clinicians=None)
    v = evaluate(data).verdicts["mips_apm"]
    assert (v.value, v.needs) == ("undetermined", ("element_4.eligible_clinicians",))
    f = run("MIPS-PARTICIPANTS", with_answers(data, {"element_4.eligible_clinicians": 1}))
    assert (f.status, f.fields) == ("met", ("element_4.eligible_clinicians", YEAR))


@pytest.mark.parametrize("year", [2021, 2022, 2026])
def test_from_2021_a_mips_apm_has_two_criteria_and_no_participation_list_one(year):
    """414.1367(b): an agreement with CMS (or a law or regulation), and payment on quality and cost/utilization."""
    data = complete(metadata__status="draft", metadata__performance_year=year, element_4__eligible_clinicians=None)
    v = evaluate(data).verdicts["mips_apm"]
    assert (v.value, v.needs) == ("yes", ())
    f = run("MIPS-PARTICIPANTS", data)
    assert f.status == "met" and f"not a criterion in {year}" in f.explanation and "414.1367(b)" in f.explanation
    assert f.fields == (YEAR,)
    assert "not a criterion" in v.reason


# ------------------------------------------------------------------------------------------------ the table


def test_thresholds_table_has_every_threshold_for_every_year_with_its_citation_and_sources():
    t = table()
    assert {"cehrt_share", "ssp_cehrt_penalty_or_reward", "quality_evidence_bases",
            "outcome_measure_meets_evidence_test", "revenue_nominal_amount", "benchmark_nominal_amount",
            "medical_home_nominal_amount", "medical_home_max_clinicians",
            "mips_participation_list_criterion"} <= set(t.thresholds)
    for key, rows in t.thresholds.items():
        for year in range(t.first_year, t.last_year + 1):
            assert sum(row.covers(year) for row in rows) == 1, f"{key} {year}"
        for row in rows:
            assert row.citation.startswith("42 CFR 414.1"), row
            assert " FR " in row.set_by, row
            # every row names the regulation texts it was read in, or says why it could not be read
            assert row.verified or len(row.why_unverified) > 40, row
            for source in row.verified:
                assert source.text.startswith("42 CFR 414.1") and source.read and source.where, source


def test_the_table_reads_verified_false_with_its_reason_and_refuses_a_row_without_one(monkeypatch):
    from apm_designer.rules import thresholds

    row = threshold("cehrt_share", 2024)
    assert not row.is_verified and "88 FR 79538" in row.why_unverified and row.value == 75
    assert threshold("cehrt_share", 2023).is_verified
    raw = thresholds.load_data("thresholds.yaml")
    del raw["thresholds"]["cehrt_share"]["rows"][2]["why_unverified"]
    monkeypatch.setattr(thresholds, "load_data", lambda name: raw)
    thresholds.table.cache_clear()
    try:
        with pytest.raises(ValueError, match="why_unverified"):
            thresholds.table()
    finally:
        thresholds.table.cache_clear()


@pytest.mark.parametrize(("key", "year", "value"), [
    ("cehrt_share", 2017, 50), ("cehrt_share", 2018, 50), ("cehrt_share", 2019, 75), ("cehrt_share", 2023, 75),
    ("cehrt_share", 2026, 75),
    ("ssp_cehrt_penalty_or_reward", 2018, True), ("ssp_cehrt_penalty_or_reward", 2019, False),
    ("outcome_measure_meets_evidence_test", 2019, False), ("outcome_measure_meets_evidence_test", 2020, True),
    ("mips_participation_list_criterion", 2020, True), ("mips_participation_list_criterion", 2021, False),
    ("revenue_nominal_amount", 2017, 8), ("revenue_nominal_amount", 2024, 8), ("revenue_nominal_amount", 2026, 8),
    ("benchmark_nominal_amount", 2017, 3), ("benchmark_nominal_amount", 2026, 3),
    ("medical_home_nominal_amount", 2017, 2.5), ("medical_home_nominal_amount", 2018, 2.5),
    ("medical_home_nominal_amount", 2019, 3), ("medical_home_nominal_amount", 2020, 4),
    ("medical_home_nominal_amount", 2021, 5), ("medical_home_nominal_amount", 2026, 5),
    ("medical_home_max_clinicians", 2017, None), ("medical_home_max_clinicians", 2018, 49),
    ("medical_home_max_clinicians", 2022, 49), ("medical_home_max_clinicians", 2023, 50),
])
def test_threshold_values(key, year, value):
    """Each value as read in the regulation text (42 CFR 414.1415, 414.1370, 414.1367; sources in the table)."""
    assert threshold(key, year).value == value


def test_the_evidence_test_accepts_five_routes_before_2020_and_three_from_2020():
    assert set(threshold("quality_evidence_bases", 2019).value) == {
        "mips_final_list", "consensus_endorsed", "developed_under_1848s", "mips_call_for_measures", "cms_determined"}
    assert set(threshold("quality_evidence_bases", 2020).value) == {"mips_final_list", "consensus_endorsed",
                                                                      "cms_determined"}


def test_the_clinician_limit_counts_the_parent_organisation_through_2022_and_the_participation_list_from_2023():
    assert (threshold("medical_home_max_clinicians", 2022).asks, threshold("medical_home_max_clinicians", 2023).asks
            ) == (f"{MH}.parent_organization_clinicians", f"{MH}.participation_list_clinicians")
    for row in table().thresholds["medical_home_max_clinicians"]:
        assert not row.asks or field_schema(parse_dotted(row.asks))["type"] == "integer"
    assert threshold("medical_home_max_clinicians", 2023).citation == "42 CFR 414.1415(c)(7)"


def test_the_revenue_based_amount_is_credited_to_the_rules_that_set_it_not_the_cy_2024_rule():
    row = threshold("revenue_nominal_amount", 2026)
    assert "87 FR 69404" in row.set_by and "88 FR 78818" not in row.set_by


# ------------------------------------------------------------------------------------------------ the registry


def test_every_rule_has_an_id_label_title_and_citation():
    ids = [r.id for r in REGISTRY]
    assert len(ids) == len(set(ids))
    for r in REGISTRY:
        assert r.id and r.id == r.id.upper() and " " not in r.id
        assert r.label in CLASSIFICATIONS + CHECKS
        assert r.title and r.citation
    assert {r.label for r in REGISTRY} == set(CLASSIFICATIONS + CHECKS)


def _variants() -> list[dict]:
    mh = medical_home()
    return [
        minimal(), complete(), mh,
        with_answers(mh, {f"{MH}.participation_list_clinicians": 70, f"{RISK}.percent_at_risk": 1}),
        complete(element_1__authority="health_care_innovation_award", element_5__payers=["commercial"],
                 element_1__financial_risk={"type": "upside_only", "percent_at_risk": 5}),
        complete(metadata__status="draft", element_1__cehrt={"required": True}, element_6__measures=[{"name": "A"}],
                 element_1__financial_risk={"type": "two_sided"}, design_factors={"diversity": {"rating": "low"}}),
        complete(element_6__payment_based_on_quality=False, element_1__cehrt__required=False,
                 element_1__cehrt__penalty_or_reward_for_use=True),
    ]


@pytest.mark.parametrize("data", _variants())
def test_every_finding_names_real_schema_paths(data):
    assert is_valid(data)
    for f in evaluate(data).findings:
        assert f.explanation
        for path in f.fields:
            assert field_schema(parse_dotted(path)), f"{f.rule_id}: {path} is not a schema path"
        if f.status == "unknown":
            assert f.fields, f"{f.rule_id} is unknown without naming what it needs"


@pytest.mark.parametrize("data", _variants())
def test_verdicts_cover_every_label_and_cite_their_findings(data):
    ev = evaluate(data)
    assert tuple(ev.verdicts) == CLASSIFICATIONS
    ids = {f.rule_id for f in ev.findings}
    for label, v in ev.verdicts.items():
        assert v.label == label and v.reason and v.rule_ids and set(v.rule_ids) <= ids
        assert bool(v.needs) == (v.value == "undetermined")


def _leaf_paths(node: object, path: str = "") -> list[str]:
    out = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _leaf_paths(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _leaf_paths(value, f"{path}[{i}]")
    return out


def test_rules_treat_wrongly_typed_answers_as_unanswered_without_failing():
    """The wizard evaluates as the proposer types, before the answers are valid: no rule of the evaluator's may
    fail on an answer of the wrong shape. (The payment checks read apm_designer.metrics and are tested there.)"""
    rules = [r for r in REGISTRY if r.label != "payment"]
    base = complete()
    for path in _leaf_paths(base):
        for value in (None, "", "text", 5, -1.5, True, [], {}, ["x"], [5], [{}], {"a": 1}):
            data = complete()
            *parents, last = parse_dotted(path)
            node = data
            for part in parents:
                node = node[part]
            node[last] = value
            answers = Answers(data)
            for r in rules:
                f = r.run(answers)
                assert f.status in ("met", "not_met", "unknown"), (r.id, path, value)


def test_a_path_failing_twice_gives_no_margin_to_call_it_closest():
    data = medical_home(**{f"{MH}.participation_list_clinicians": 80, f"{RISK}.percent_at_risk": 4.9})
    f = run("AAPM-RISK-MEDICAL-HOME", data)
    assert f.status == "not_met" and f.margin is None
    assert "Medical Home Model standard, missed" not in evaluate(data).verdicts["advanced_apm"].reason


# ------------------------------------------------------------------------------------------------ exact values


def test_a_share_a_hair_below_the_threshold_is_below_it_and_is_shown_as_given():
    """Issue 21.4: compared exactly, never through a rounded margin; the value is shown as typed."""
    f = run("AAPM-CEHRT", complete(element_1__cehrt__share_of_clinicians=74.9999999))
    assert f.status == "not_met" and f.margin < 0
    assert f"{SHARE} = 74.9999999, which is below the 75%" in f.explanation
    f = run("AAPM-RISK-GENERAL", complete(element_1__financial_risk__percent_at_risk=2.9999999999))
    assert f.status == "not_met" and "percent_at_risk = 2.9999999999, which is below the 3%" in f.explanation
    assert evaluate(complete(element_1__cehrt__share_of_clinicians=74.9999999)).verdicts["advanced_apm"].value == "no"


def _numeric_paths(data: dict) -> list[str]:
    return [p for p in _leaf_paths(data) if isinstance(_at(data, p), int | float) and not isinstance(_at(data, p),
                                                                                                     bool)]


def _at(data: dict, path: str) -> object:
    node: object = data
    for part in parse_dotted(path):
        node = node[part]  # type: ignore[index]
    return node


@pytest.mark.parametrize("huge", [10 ** 309, -(10 ** 400), float("inf"), float("nan")])
def test_no_rule_fails_on_a_number_no_float_can_hold_and_says_it_cannot_use_it(huge):
    """Issue 21.12: an integer of 10**309 or more (or a non-finite number) is not a usable answer, said so."""
    for base in (complete(), medical_home(), medical_home(**{YEAR: 2020})):
        for path in _numeric_paths(base):
            data = with_answers(base, {path: huge})
            ev = evaluate(data)  # every rule, the payment checks included: nothing raises
            json.dumps(ev.as_json(), default=str)
            for f in ev.findings:
                str(f.explanation)
                if path in f.fields and f.label in ("advanced_apm", "mips_apm") and path != YEAR:
                    assert f.status == "unknown" and "an answer the rules can use" in f.explanation, (path, f)


def test_an_unusable_performance_year_falls_back_to_the_latest_and_says_why():
    ev = evaluate(complete(metadata__performance_year=10 ** 309))
    assert ev.performance_year == 10 ** 309 and "past the thresholds table" in ev.year_note
    ev = evaluate(with_answers(complete(), {YEAR: 2018.5}))
    assert ev.performance_year == table().last_year and f"{YEAR} = 2018.5 is not a whole year" in ev.year_note


# ------------------------------------------------------------------------------------------------ 2018.0 is 2018


YEAR_DESIGNS = {  # a design at a boundary of each year-dependent rule, in a year where its value matters
    "AAPM-CEHRT": complete(element_1__cehrt__share_of_clinicians=60),
    "AAPM-RISK-GENERAL": complete(element_1__financial_risk__percent_at_risk=3),
    "AAPM-RISK-MEDICAL-HOME": medical_home(**{f"{RISK}.percent_at_risk": 2.5, f"{MH}.parent_organization_clinicians":
                                              49}),
    "AAPM-QUALITY-EVIDENCE": complete(element_6__measures=[{"name": "A", "type": "outcome",
                                                            "evidence_basis": "developed_under_1848s"}]),
    "AAPM-QUALITY-OUTCOME": complete(element_6__measures=[{"name": "A", "type": "outcome", "evidence_basis": "none"},
                                                          {"name": "B", "type": "process",
                                                           "evidence_basis": "mips_final_list"}]),
    "MIPS-PARTICIPANTS": complete(element_4__eligible_clinicians=0),
}


@pytest.mark.parametrize("rule_id", sorted(YEAR_DESIGNS))
def test_an_integral_float_year_means_that_year_in_every_year_dependent_rule(rule_id):
    """Issue 16.3: `performance_year: 2018.0` validates (JSON Schema's integer), so it means 2018, not the latest."""
    for year in (2018, 2019, 2020):
        as_int = with_answers(YEAR_DESIGNS[rule_id], {YEAR: year})
        as_float = with_answers(YEAR_DESIGNS[rule_id], {YEAR: float(year)})
        assert is_valid(as_float)
        f_int, f_float = run(rule_id, as_int), run(rule_id, as_float)
        assert (f_float.status, f_float.fields, str(f_float.explanation)) == \
            (f_int.status, f_int.fields, str(f_int.explanation)), (rule_id, year)
        assert "latest year in the table" not in f_float.explanation
        ev = evaluate(as_float)
        assert ev.performance_year == year and type(ev.performance_year) is int and not ev.year_note


def test_2018_point_0_gives_2018s_cehrt_verdict():
    data = complete(metadata__performance_year=2018.0, element_1__cehrt__share_of_clinicians=60)
    assert evaluate(data).verdicts["advanced_apm"].value == "yes"  # 50% in 2018; 2026's 75% would fail it


# ------------------------------------------------------------------------------------------------ unverified rows


def test_a_finding_resting_on_an_unverified_row_says_so_in_its_text_and_its_json():
    data = complete(metadata__performance_year=2024)
    ev = evaluate(data)
    f = next(f for f in ev.findings if f.rule_id == "AAPM-CEHRT")
    assert f.status == "met" and f.unverified
    assert "unverified: the 2024– value of 42 CFR 414.1415(a)(1)(i) could not be read" in f.explanation
    out = ev.as_json()
    assert next(x for x in out["findings"] if x["rule_id"] == "AAPM-CEHRT")["unverified"] is True
    assert out["verdicts"]["advanced_apm"]["unverified"] is True
    # a verified year says nothing of the kind
    ev = evaluate(with_answers(data, {YEAR: 2023}))
    f = next(f for f in ev.findings if f.rule_id == "AAPM-CEHRT")
    assert not f.unverified and "unverified" not in f.explanation
    assert not ev.as_json()["verdicts"]["advanced_apm"]["unverified"]


# ------------------------------------------------------------------------------------------------ explanations

QPP_RULES = [r for r in REGISTRY if r.label in ("apm", "advanced_apm", "pfpm", "mips_apm")]
DOTTED = re.compile(r"\b(?:metadata|element_\d|design_factors|payment)\.[a-z_]+")


def _explanation_variants() -> list[dict]:
    out = [*_variants(), *YEAR_DESIGNS.values(), minimal(element_1__authority="section_1115a")]
    for year in (2017, 2018, 2020, 2022, 2023, 2024):
        out += [with_answers(d, {YEAR: year}) for d in (medical_home(), complete())]
    out.append(complete(element_1__authority="shared_savings_program", element_1__cehrt__share_of_clinicians=10,
                        element_1__cehrt__penalty_or_reward_for_use=True))
    out.append(medical_home(**{YEAR: 2024, f"{MH}.participation_list_clinicians": None}))
    out.append(with_answers(complete(), {f"{RISK}.percent_at_risk": 10 ** 309}))
    return out


@pytest.mark.parametrize("data", _explanation_variants())
def test_every_qpp_explanation_names_its_answers_as_answers_never_as_words(data):
    """Each explanation is a Text whose answers are Answer parts, so a reviewer's wording has no dotted path."""
    answers = Answers(data)
    for r in QPP_RULES:
        f = r.run(answers)
        assert isinstance(f.explanation, Text), r.id
        words = "".join(p for p in f.explanation.parts if isinstance(p, str))
        assert not DOTTED.search(words), (r.id, words)
        assert all(isinstance(a, Answer) for a in f.explanation.answers)
    for v in evaluate(data).verdicts.values():
        if v.label != "lan":
            assert isinstance(v.reason, Text) and not DOTTED.search(v.reason.worded(lambda a: "ANSWER")), v
