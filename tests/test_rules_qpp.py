"""The QPP rules at their boundaries: APM authority, Advanced APM (CEHRT, quality, each financial-risk path), PFPM,
MIPS APM; the verdicts derived from them; the thresholds table; and the registry itself."""

from __future__ import annotations

import pytest

from apm_designer.rules import evaluate
from apm_designer.rules.engine import CHECKS, CLASSIFICATIONS, REGISTRY, Answers, Finding
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
    """A small primary-care practice model: a Medical Home Model at 5% of revenue at risk, in 2025."""
    base = complete()
    base["element_1"]["medical_home"] = {
        "primary_care_focus": True, "empanelment": True, "parent_organization_clinicians": 50,
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
    assert f"{share:g} {'is below' if status == 'not_met' else 'reaches'} the {threshold_}%" in f.explanation
    assert f"for {year}" in f.explanation and "42 CFR 414.1415(a)(1)" in f.explanation


def test_cehrt_not_required_fails_and_unanswered_needs_the_answer():
    assert run("AAPM-CEHRT", complete(element_1__cehrt__required=False)).status == "not_met"
    f = run("AAPM-CEHRT", complete(metadata__status="draft", element_1__cehrt__required=None))
    assert (f.status, f.fields) == ("unknown", ("element_1.cehrt.required",))
    f = run("AAPM-CEHRT", complete(element_1__cehrt__share_of_clinicians=None))
    assert (f.status, f.fields) == ("unknown", (SHARE,))


def test_shared_savings_program_meets_cehrt_by_a_penalty_or_reward():
    data = complete(element_1__authority="shared_savings_program", element_1__cehrt__share_of_clinicians=None,
                    element_1__cehrt__penalty_or_reward_for_use=True)
    assert run("AAPM-CEHRT", data).status == "met"
    # a penalty or reward does not count outside the Shared Savings Program
    data = with_answers(data, {"element_1.authority": "section_1115a"})
    assert run("AAPM-CEHRT", data).status == "unknown"


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
    assert f.status == "not_met" and f.fields == ("element_6.measures[0].evidence_basis",)
    untyped = [{"name": "A", "type": "outcome"}]
    f = run("AAPM-QUALITY-EVIDENCE", complete(metadata__status="draft", element_6__measures=untyped))
    assert (f.status, f.fields) == ("unknown", ("element_6.measures[0].evidence_basis",))
    f = run("AAPM-QUALITY-EVIDENCE", complete(element_6__measures=None, metadata__status="draft"))
    assert (f.status, f.fields) == ("unknown", ("element_6.measures",))


@pytest.mark.parametrize(("measures", "why", "status"), [
    ([{"name": "A", "type": "process", "evidence_basis": "mips_final_list"}], None, "not_met"),
    ([{"name": "A", "type": "process", "evidence_basis": "mips_final_list"}], "None on the MIPS list.", "met"),
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
    (50, 2025, "met"), (51, 2025, "not_met"), (50, 2018, "met"), (51, 2018, "not_met"),
    (51, 2017, "met"),  # no size limit in the first year
])
def test_medical_home_standard_parent_organisation_size(clinicians, year, status):
    data = medical_home(**{YEAR: year, f"{MH}.parent_organization_clinicians": clinicians})
    f = run("AAPM-RISK-MEDICAL-HOME", data)
    assert f.status == status
    if status == "not_met":
        assert f"{MH}.parent_organization_clinicians = {clinicians}" in f.explanation and "over the 50" in f.explanation
        assert f.fields[0] == f"{MH}.parent_organization_clinicians"


@pytest.mark.parametrize(("year", "nominal"), [(2017, 2.5), (2018, 2), (2019, 3), (2020, 4), (2021, 5), (2026, 5)])
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
    f = run("AAPM-RISK-MEDICAL-HOME", medical_home(**{f"{MH}.parent_organization_clinicians": None}))
    assert (f.status, f.fields) == ("unknown", (f"{MH}.parent_organization_clinicians",))
    assert run("AAPM-MEDICAL-HOME-MODEL", complete()).status == "not_met"  # not answered: not a medical home


def test_medical_home_standard_makes_a_small_practice_advanced_where_the_general_one_fails():
    ev = evaluate(medical_home())
    assert {f.rule_id: f.status for f in ev.findings_for("advanced_apm")}["AAPM-RISK-GENERAL"] == "not_met"
    v = ev.verdicts["advanced_apm"]
    assert v.value == "yes" and "via the Medical Home Model standard" in v.reason
    assert evaluate(medical_home(**{f"{MH}.parent_organization_clinicians": 51})).verdicts["advanced_apm"].value == "no"


def test_medical_home_expanded_under_1115a_c_meets_risk_outright():
    data = medical_home(**{f"{MH}.expanded_under_1115a_c": True, f"{RISK}.type": "upside_only",
                           f"{RISK}.mechanisms": None, f"{MH}.parent_organization_clinicians": 5000})
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
    assert "percent_at_risk = 4 reaches the 3% benchmark-based" in v.reason


def test_advanced_undetermined_lists_every_missing_answer():
    v = evaluate(minimal(element_1__authority="section_1115a")).verdicts["advanced_apm"]
    assert v.value == "undetermined"
    assert v.needs == ("element_1.cehrt.required", "element_6.payment_based_on_quality", "element_6.measures",
                       f"{RISK}.type")
    assert v.reason == "needs " + ", ".join(v.needs)


def test_advanced_no_wins_over_undetermined():
    v = evaluate(minimal(element_1__authority="section_1115a", element_1__cehrt__required=False)).verdicts
    assert v["advanced_apm"].value == "no" and v["advanced_apm"].rule_ids == ("AAPM-CEHRT",)


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
    ({"element_4.eligible_clinicians": 0}, "MIPS-PARTICIPANTS", "no"),
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


def test_mips_apm_needs_eligible_clinicians():
    v = evaluate(complete(metadata__status="draft", element_4__eligible_clinicians=None)).verdicts["mips_apm"]
    assert (v.value, v.needs) == ("undetermined", ("element_4.eligible_clinicians",))


# ------------------------------------------------------------------------------------------------ the table


def test_thresholds_table_has_every_threshold_for_every_year_with_its_citation():
    t = table()
    medicare = {k for k in t.thresholds if not k.startswith("other_payer_")}  # 414.1420's: test_rules_other_payer
    assert medicare == {"cehrt_share", "revenue_nominal_amount", "benchmark_nominal_amount",
                        "medical_home_nominal_amount", "medical_home_max_clinicians"}
    for key, rows in t.thresholds.items():
        for year in range(t.first_year, t.last_year + 1):
            assert sum(row.covers(year) for row in rows) == 1, f"{key} {year}"
        for row in rows:
            assert row.citation.startswith("42 CFR 414.1420(" if key.startswith("other_payer_") else
                                           "42 CFR 414.1415("), row
            assert " FR " in row.set_by, row


@pytest.mark.parametrize(("key", "year", "value"), [
    ("cehrt_share", 2017, 50), ("cehrt_share", 2018, 50), ("cehrt_share", 2019, 75), ("cehrt_share", 2026, 75),
    ("revenue_nominal_amount", 2017, 8), ("revenue_nominal_amount", 2026, 8),
    ("benchmark_nominal_amount", 2017, 3), ("benchmark_nominal_amount", 2026, 3),
    ("medical_home_nominal_amount", 2017, 2.5), ("medical_home_nominal_amount", 2018, 2),
    ("medical_home_nominal_amount", 2019, 3), ("medical_home_nominal_amount", 2020, 4),
    ("medical_home_nominal_amount", 2021, 5), ("medical_home_nominal_amount", 2026, 5),
    ("medical_home_max_clinicians", 2017, None), ("medical_home_max_clinicians", 2018, 50),
])
def test_threshold_values(key, year, value):
    assert threshold(key, year).value == value


def test_the_2018_medical_home_choice_is_explained_in_its_row():
    row = threshold("medical_home_nominal_amount", 2018)
    assert "82 FR 53568" in row.set_by and "domain.md" in row.note


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
        with_answers(mh, {f"{MH}.parent_organization_clinicians": 70, f"{RISK}.percent_at_risk": 1}),
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
    data = medical_home(**{f"{MH}.parent_organization_clinicians": 80, f"{RISK}.percent_at_risk": 4.9})
    f = run("AAPM-RISK-MEDICAL-HOME", data)
    assert f.status == "not_met" and f.margin is None
    assert "Medical Home Model standard, missed" not in evaluate(data).verdicts["advanced_apm"].reason
