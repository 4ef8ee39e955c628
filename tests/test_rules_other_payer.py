"""Other Payer Advanced APMs (42 CFR 414.1420), line by line: each criterion at its thresholds in each year they
changed, each financial-risk path, the "same as the Medicare design" answer, old files, and a published arrangement.

The thresholds are rows of data/thresholds.yaml (keys `other_payer_*`), read in 42 CFR 414.1420 as amended through
88 FR 79539 (Nov. 16, 2023); each row names that text (`verified`) or says why it could not be read in it."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from apm_designer.document import load
from apm_designer.rules import evaluate
from apm_designer.rules.engine import MISSING, Answers
from apm_designer.rules.other_payer import LINE_RULES, average_marginal_risk, judge, lines
from apm_designer.rules.thresholds import table, threshold
from apm_designer.validation import is_valid
from apm_designer.wording import for_people
from proposals import complete

LINE = "payment.lines_of_business[1]"
OP = f"{LINE}.other_payer"
DOTTED = re.compile(r"\b[a-z_0-9]+(\[\d+\])?\.[a-z_]+")

# A commercial arrangement answered in full, meeting the generally applicable standard with room to spare.
GENERAL = {"cehrt_required": True, "cehrt_share": 80, "payment_based_on_quality": True,
           "measure_evidence": "mips_final_list", "outcome_measure": "included", "risk_type": "two_sided",
           "risk_basis": "benchmark", "percent_at_risk": 4, "risk_mechanisms": ["payment_owed"],
           "marginal_risk_rate": 40, "minimum_loss_rate": 2}
MEDICAL_HOME = {**GENERAL, "risk_basis": "revenue", "percent_at_risk": 5, "medical_home_primary_care": True,
                "medical_home_empanelment": True, "apm_entity_clinicians": 12,
                "medical_home_features": ["planned_chronic_preventive_care", "access_continuity",
                                          "risk_stratified_care_management", "payment_beyond_ffs"]}


def proposal(answers: dict | None, year: int = 2025, kind: str = "commercial", **medicare) -> dict:
    data = complete(metadata__performance_year=year, **medicare)
    line = data["payment"]["lines_of_business"][1]
    line["line_of_business"] = kind
    if answers is not None:
        line["other_payer"] = {k: copy.deepcopy(v) for k, v in answers.items() if v is not None}
    assert is_valid(data), "test data must be schema-valid"
    return data


def judged(answers: dict | None, year: int = 2025, kind: str = "commercial", **medicare):
    [line] = judge(Answers(proposal(answers, year, kind, **medicare)))
    return line


def finding(line, rule_id: str):
    return next(f for f in line.findings if f.rule_id == rule_id)


def test_a_complete_arrangement_is_judged_yes_naming_the_path_and_its_answers():
    line = judged(GENERAL)
    assert (line.verdict.value, line.risk_path, line.line_of_business) == ("yes", "OPAAPM-RISK-GENERAL", "commercial")
    general = finding(line, "OPAAPM-RISK-GENERAL")
    assert general.margin == 1  # 4% at risk against 3%, the nearer of its two thresholds (40% against 30%)
    assert f"{OP}.percent_at_risk" in general.fields and f"{OP}.marginal_risk_rate" in general.fields
    assert "42 CFR 414.1420(d)(3)(i)" in general.explanation and "42 CFR 414.1420(d)(3)(ii)" in general.explanation
    assert all(f.citation.startswith("42 CFR 414.1420(") for f in line.findings)


def test_traditional_medicare_is_not_another_payer():
    data = proposal(GENERAL)
    assert [line.path for line in lines(Answers(data))] == [LINE]  # line 0 is Traditional Medicare


# ------------------------------------------------------------------------------------------ boundaries, by year


@pytest.mark.parametrize(("year", "share", "status"), [
    (2019, 50, "met"), (2019, 49.99, "not_met"), (2020, 75, "met"), (2020, 74.99, "not_met"), (2020, 60, "not_met"),
    (2024, 75, "met"), (2024, 74.9999999, "not_met"),
])
def test_cehrt_share_by_year(year, share, status):
    """414.1420(b)(1): used by 50% of participants in periods ending with 2019, 75% from 2020 through 2024."""
    f = finding(judged({**GENERAL, "cehrt_share": share}, year), "OPAAPM-CEHRT")
    assert f.status == status
    assert f.margin == pytest.approx(share - (50 if year == 2019 else 75))


@pytest.mark.parametrize(("year", "required", "status"), [
    (2023, False, "met"), (2024, False, "not_met"), (2024, True, "met"), (2025, False, "not_met"),
    (2025, True, "met")])
def test_from_2024_cehrt_use_must_be_a_requirement_of_participation(year, required, status):
    """414.1420(b)(2), from 2024; (b)(1) names no share after 2024, so from 2025 the requirement alone decides."""
    f = finding(judged({**GENERAL, "cehrt_required": required, "cehrt_share": 10 if year >= 2025 else 80}, year),
                "OPAAPM-CEHRT")
    assert f.status == status
    assert (f"{OP}.cehrt_required" in f.fields) == (year >= 2024)
    if status == "met":  # a failure names only what failed
        assert (f"{OP}.cehrt_share" in f.fields) == (year <= 2024)


def test_before_2024_cehrt_counts_the_share_using_it_whether_or_not_the_arrangement_requires_it():
    not_required = {"required": False, "description": "Not required; most practices use it."}
    line = judged({"same_as_medicare": True, "cehrt_share": 80, "marginal_risk_rate": 50, "minimum_loss_rate": 0},
                  2023, element_1__cehrt=not_required)
    assert line.verdict.value == "yes" and finding(line, "OPAAPM-CEHRT").fields[0] == f"{OP}.cehrt_share"
    line = judged({"same_as_medicare": True, "marginal_risk_rate": 50, "minimum_loss_rate": 0}, 2023,
                  element_1__cehrt=not_required)
    assert (line.verdict.value, line.verdict.needs) == ("undetermined", (f"{OP}.cehrt_share",))


@pytest.mark.parametrize(("basis", "percent", "status"), [
    ("benchmark", 3, "met"), ("benchmark", 2.99, "not_met"), ("revenue", 8, "met"), ("revenue", 7.99, "not_met")])
def test_generally_applicable_nominal_amount(basis, percent, status):
    f = finding(judged({**GENERAL, "risk_basis": basis, "percent_at_risk": percent}), "OPAAPM-RISK-GENERAL")
    assert f.status == status
    if status == "not_met":
        assert f.margin == pytest.approx(-0.01) and "short" in f.explanation


@pytest.mark.parametrize(("rate", "minimum_loss", "status"), [
    (30, 0, "met"), (29.99, 0, "not_met"), (30, 4, "met"),  # overruns under 4% are left out: no cost to the rate
    (30, 4.5, "not_met"),  # overruns from 4% to 4.5% are paid at 0, and lower the average
    (40, 6, "met"), (35, 6, "not_met"),
])
def test_marginal_risk_rate_averaged_over_the_overruns_counted(rate, minimum_loss, status):
    f = finding(judged({**GENERAL, "marginal_risk_rate": rate, "minimum_loss_rate": minimum_loss}),
                "OPAAPM-RISK-GENERAL")
    assert f.status == status
    if minimum_loss > 4:
        assert "averages" in f.explanation


def test_average_marginal_risk_rate_is_worked_out_as_the_rule_counts_overruns():
    # 40% of each dollar past a 6% minimum loss rate: the 3% nominal amount is paid by an overrun of 13.5%, so the
    # overruns counted run from 4% to 13.5%, and 7.5 of those 9.5 points are paid at 40%.
    assert average_marginal_risk(40, 6, 4, 3) == pytest.approx(40 * 7.5 / 9.5)
    assert average_marginal_risk(40, 3, 4, 3) == 40
    assert average_marginal_risk(0, 6, 4, 3) == 0


@pytest.mark.parametrize(("year", "percent", "status"), [
    (2019, 3, "met"), (2019, 2.99, "not_met"), (2020, 4, "met"), (2020, 3.99, "not_met"), (2021, 5, "met"),
    (2021, 4.99, "not_met"), (2026, 5, "met"),
])
def test_medical_home_nominal_amount_by_year(year, percent, status):
    line = judged({**MEDICAL_HOME, "percent_at_risk": percent, "marginal_risk_rate": 0}, year, "medicaid")
    f = finding(line, "OPAAPM-RISK-MEDICAL-HOME")
    assert f.status == status
    assert line.risk_path == ("OPAAPM-RISK-MEDICAL-HOME" if status == "met" else None)


@pytest.mark.parametrize(("year", "clinicians", "status"), [
    (2022, 400, "met"), (2023, 50, "met"), (2023, 51, "not_met"), (2026, 51, "not_met")])
def test_medical_home_standard_is_for_apm_entities_of_50_or_fewer_from_2023(year, clinicians, status):
    f = finding(judged({**MEDICAL_HOME, "apm_entity_clinicians": clinicians}, year, "medicaid"),
                "OPAAPM-RISK-MEDICAL-HOME")
    assert f.status == status
    if status == "not_met":
        assert "generally applicable standard applies instead" in f.explanation


def test_medical_home_size_is_needed_from_2023_only():
    answers = {k: v for k, v in MEDICAL_HOME.items() if k != "apm_entity_clinicians"}
    assert finding(judged(answers, 2022, "medicaid"), "OPAAPM-RISK-MEDICAL-HOME").status == "met"
    f = finding(judged(answers, 2023, "medicaid"), "OPAAPM-RISK-MEDICAL-HOME")
    assert (f.status, f.fields) == ("unknown", (f"{OP}.apm_entity_clinicians",))


@pytest.mark.parametrize("year", [2017, 2018])
def test_no_other_payer_advanced_apm_before_the_all_payer_combination_option(year):
    line = judged(GENERAL, year)
    assert line.verdict.value == "no"
    assert line.verdict.reason == (f"metadata.performance_year = {year}: no Other Payer Advanced APMs before the "
                                   "All-Payer Combination Option, whose first QP Performance Period is 2019 (42 CFR "
                                   "414.1420(b)(1); 81 FR 77008)")


def test_every_other_payer_threshold_cites_its_paragraph_and_the_text_it_was_read_in():
    rows = [row for key, rows in table().thresholds.items() if key.startswith("other_payer_") for row in rows]
    assert len(rows) >= 25
    for row in rows:
        assert row.citation.startswith("42 CFR 414.1420("), row
        assert " FR " in row.set_by, row
        assert row.verified or row.why_unverified, row
        assert [s.key for s in row.verified] in ([], ["ecfr-1420-2023"]), row
    unverified = {(r.key, r.first) for r in rows if not r.verified}
    assert unverified == {("other_payer_revenue_nominal_amount", 2019), ("other_payer_benchmark_nominal_amount", 2019)}


def test_a_finding_on_an_unverified_row_says_so():
    f = finding(judged(GENERAL, 2021), "OPAAPM-RISK-GENERAL")
    assert f.status == "met" and f.unverified and "unverified: the 2019–2022 value" in f.explanation
    assert not finding(judged(GENERAL, 2023), "OPAAPM-RISK-GENERAL").unverified


# ------------------------------------------------------------------------------------------ the paths


def test_upside_only_never_meets_the_general_standard_and_closest_path_is_named():
    line = judged({**GENERAL, "risk_type": "upside_only"})
    assert line.verdict.value == "no"
    assert "no path is met" in line.verdict.reason and "upside_only" in line.verdict.reason


def test_losing_a_guaranteed_payment_counts_only_for_a_medical_home():
    general = finding(judged({**GENERAL, "risk_mechanisms": ["loss_of_guaranteed_payment"]}), "OPAAPM-RISK-GENERAL")
    assert general.status == "not_met" and "medical home standard" in general.explanation
    home = judged({**MEDICAL_HOME, "risk_mechanisms": ["loss_of_guaranteed_payment"]}, kind="medicaid")
    assert home.verdict.value == "yes" and home.risk_path == "OPAAPM-RISK-MEDICAL-HOME"


def test_an_aligned_other_payer_medical_home_partners_with_cms_in_a_multi_payer_model():
    answers = {**MEDICAL_HOME, "marginal_risk_rate": 0}
    f = finding(judged(answers), "OPAAPM-RISK-MEDICAL-HOME")
    assert (f.status, f.fields[0]) == ("unknown", f"{OP}.aligned_with_cms_multi_payer_model")
    assert finding(judged({**answers, "aligned_with_cms_multi_payer_model": False}),
                   "OPAAPM-RISK-MEDICAL-HOME").status == "not_met"
    assert judged({**answers, "aligned_with_cms_multi_payer_model": True}).risk_path == "OPAAPM-RISK-MEDICAL-HOME"


def test_a_medical_home_needs_four_features():
    f = finding(judged({**MEDICAL_HOME, "medical_home_features": ["access_continuity"]}, kind="medicaid"),
                "OPAAPM-RISK-MEDICAL-HOME")
    assert f.status == "not_met" and "1 of the 4 or more" in f.explanation


def test_a_medicaid_medical_home_comparable_to_an_expanded_one_meets_risk_outright():
    answers = {**MEDICAL_HOME, "risk_type": "none", "comparable_to_expanded_medical_home": True}
    line = judged(answers, kind="medicaid")
    assert (line.verdict.value, line.risk_path) == ("yes", "OPAAPM-RISK-MH-EXPANDED")
    commercial = finding(judged(answers), "OPAAPM-RISK-MH-EXPANDED")
    assert commercial.status == "not_met" and "only a Medicaid Medical Home Model" in commercial.explanation


@pytest.mark.parametrize("kind", ["medicaid", "commercial", "medicare_advantage"])
def test_full_capitation_meets_risk_for_every_payer(kind):
    line = judged({**GENERAL, "risk_type": "full_capitation", "marginal_risk_rate": None}, kind=kind)
    assert (line.verdict.value, line.risk_path) == ("yes", "OPAAPM-RISK-CAPITATION")
    said = finding(line, "OPAAPM-RISK-CAPITATION").explanation
    assert ("plan's own capitation from CMS would not count" in said) == (kind == "medicare_advantage")


@pytest.mark.parametrize(("name", "value", "status"), [
    ("outcome_measure", "not_included", "not_met"),
    ("measure_evidence", "none", "not_met"), ("payment_based_on_quality", False, "not_met")])
def test_quality_answers(name, value, status):
    line = judged({**GENERAL, name: value})
    assert [f.status for f in line.findings if f"{OP}.{name}" in f.fields] == [status]
    assert line.verdict.value == ("yes" if status == "met" else "no")


def test_that_no_outcome_measure_applies_is_for_cms_to_find():
    line = judged({**GENERAL, "outcome_measure": "none_applicable"})
    f = finding(line, "OPAAPM-QUALITY-OUTCOME")
    assert (f.status, f.pending) == ("unknown", True) and "pending CMS's determination" in f.explanation
    assert (line.verdict.value, line.verdict.needs) == ("undetermined", ())


# ------------------------------------------------------------------------------------------ same as Medicare


def test_same_as_medicare_reads_the_medicare_design_and_names_its_answers():
    line = judged({"same_as_medicare": True, "marginal_risk_rate": 50, "minimum_loss_rate": 0})
    assert line.verdict.value == "yes"
    assert finding(line, "OPAAPM-CEHRT").fields[0] == "element_1.cehrt.required"  # 2025: the requirement decides
    cehrt = finding(judged({"same_as_medicare": True}, 2023), "OPAAPM-CEHRT")
    assert cehrt.fields[0] == "element_1.cehrt.share_of_clinicians"
    assert "element_1.cehrt.share_of_clinicians = 75" in cehrt.explanation
    assert "element_6.measures[0].type = outcome" in finding(line, "OPAAPM-QUALITY-OUTCOME").explanation
    assert "element_1.financial_risk.percent_at_risk = 4" in finding(line, "OPAAPM-RISK-GENERAL").explanation


def test_a_line_answer_takes_precedence_over_the_medicare_design():
    line = judged({"same_as_medicare": True, "cehrt_share": 60, "marginal_risk_rate": 50, "minimum_loss_rate": 0}, 2023)
    cehrt = finding(line, "OPAAPM-CEHRT")
    assert cehrt.status == "not_met" and cehrt.fields[0] == f"{OP}.cehrt_share"


def test_same_as_medicare_still_needs_what_medicare_has_no_answer_for():
    line = judged({"same_as_medicare": True})
    assert line.verdict.value == "undetermined"
    assert set(line.verdict.needs) == {f"{OP}.marginal_risk_rate", f"{OP}.minimum_loss_rate"}


def test_same_as_medicare_without_an_outcome_measure_leaves_it_to_cms_when_the_design_says_why():
    measures = [{"name": "Process", "type": "process", "evidence_basis": "mips_final_list"}]
    line = judged({"same_as_medicare": True, "marginal_risk_rate": 50, "minimum_loss_rate": 0},
                  element_6__measures=measures)
    assert finding(line, "OPAAPM-QUALITY-OUTCOME").status == "not_met"
    line = judged({"same_as_medicare": True, "marginal_risk_rate": 50, "minimum_loss_rate": 0},
                  element_6__measures=measures, element_6__no_outcome_measure_justification="None applies.")
    f = finding(line, "OPAAPM-QUALITY-OUTCOME")
    assert (f.status, f.pending) == ("unknown", True)  # CMS finds whether one applies


@pytest.mark.parametrize(("year", "status"), [(2019, "met"), (2020, "not_met")])
def test_from_2020_the_outcome_measure_must_itself_be_evidence_based(year, status):
    measures = [{"name": "Readmissions", "type": "outcome", "evidence_basis": "none"},
                {"name": "Screening", "type": "process", "evidence_basis": "mips_final_list"}]
    line = judged({"same_as_medicare": True, "marginal_risk_rate": 50, "minimum_loss_rate": 0}, year,
                  element_6__measures=measures)
    f = finding(line, "OPAAPM-QUALITY-OUTCOME")
    assert f.status == status
    if status == "not_met":
        assert "as 2020 requires (42 CFR 414.1420(c)(3)(ii); 84 FR 62568)" in f.explanation
    measures[0]["evidence_basis"] = "consensus_endorsed"
    assert finding(judged({"same_as_medicare": True}, year, element_6__measures=measures),
                   "OPAAPM-QUALITY-OUTCOME").status == "met"


# ------------------------------------------------------------------------------------------ old files, wording


def test_an_old_file_without_these_answers_stays_valid_and_is_undetermined_with_one_answer_to_give():
    data = proposal(None)
    ev = evaluate(data)
    [line] = ev.other_payers
    assert line.verdict.value == "undetermined"
    assert line.verdict.needs == (f"{OP}.same_as_medicare",)


def test_people_read_no_dotted_path_in_any_verdict_or_finding():
    cases = [judged(GENERAL), judged({**GENERAL, "risk_type": "upside_only"}), judged(None),
             judged({**MEDICAL_HOME, "apm_entity_clinicians": 90}, 2024, "medicaid"),
             judged({"same_as_medicare": True}),
             judged({**GENERAL, "marginal_risk_rate": 35, "minimum_loss_rate": 6})]
    for line in cases:
        for text in (line.verdict.reason, *(f.explanation for f in line.findings)):
            assert not DOTTED.search(for_people(text)), for_people(text)


def test_every_example_with_other_payers_shows_each_a_verdict_in_words():
    examples = sorted((Path(__file__).resolve().parent.parent / "proposals" / "examples").glob("*.yaml"))
    judged_lines = [line for path in examples for line in evaluate(load(path).data).other_payers]
    assert {line.line_of_business for line in judged_lines} == {"medicaid", "medicare_advantage", "commercial"}
    for line in judged_lines:
        assert line.verdict.value in ("yes", "no")  # every example answers its other payers' questions
        assert line.risk_path or "closest was the" in line.verdict.reason
        for text in (line.verdict.reason, *(f.explanation for f in line.findings)):
            assert not DOTTED.search(for_people(text)), for_people(text)
    ops = [f for path in examples for f in evaluate(load(path).data).findings if f.rule_id.startswith("CON-OP-")]
    assert ops and all(not DOTTED.search(for_people(f.explanation)) for f in ops)


def test_wrongly_typed_answers_count_as_unanswered_without_failing():
    """The wizard evaluates as the proposer types: no line rule may fail on an answer of the wrong shape."""
    for name in {**MEDICAL_HOME, "aligned_with_cms_multi_payer_model": True,
                 "comparable_to_expanded_medical_home": True, "same_as_medicare": True}:
        for value in (None, "", "text", 5, -1.5, True, [], {}, ["x"], [5], [{}], {"a": 1}):
            data = proposal(MEDICAL_HOME, kind="medicaid")
            data["payment"]["lines_of_business"][1]["other_payer"][name] = value
            [line] = judge(Answers(data))
            assert line.verdict.value in ("yes", "no", "undetermined"), (name, value)
    for value in ("text", 5, [], {}, ["x"]):
        data = proposal(GENERAL)
        data["payment"]["lines_of_business"][1]["line_of_business"] = value
        data["payment"]["lines_of_business"][1]["other_payer"] = value
        assert judge(Answers(data)) == ()


def test_each_line_rule_has_an_id_a_title_and_a_paragraph():
    assert [r.id for r in LINE_RULES] == ["OPAAPM-CEHRT", "OPAAPM-QUALITY-PAYMENT", "OPAAPM-QUALITY-EVIDENCE",
                                          "OPAAPM-QUALITY-OUTCOME", "OPAAPM-RISK-GENERAL", "OPAAPM-RISK-MEDICAL-HOME",
                                          "OPAAPM-RISK-MH-EXPANDED", "OPAAPM-RISK-CAPITATION"]
    assert MISSING is not None


# ------------------------------------------------------------------------------------------ published arrangements


def test_vermont_medicaid_next_generation_aco_program_is_an_other_payer_advanced_apm_by_capitation():
    """The Vermont Medicaid Next Generation (VMNG) ACO Program, the Medicaid part of the Vermont All-Payer ACO
    Model, as its sponsors publish it: an agreement between the Department of Vermont Health Access and OneCare
    Vermont (an ACO) in which the ACO takes "a full-risk capitated payment arrangement, with a quality withhold
    that grows over time from three percent to five percent of capitation", recouped on six quality measures
    (Center for Health Care Strategies, "Vermont Next Generation ACO Program Breaks New Ground in Medicaid", and
    dvha.vermont.gov's VMNG programme page, both read 2026-12-03). CMS lists Medicaid arrangements it determined to
    be Other Payer Advanced APMs by performance year (qpp.cms.gov "All-Payer Advanced APMs"; "Alternative Payment
    Models in the Quality Payment Program as of November 2019", Medicaid Other Payer Advanced APMs); the tables
    themselves could not be read here, so the classification asserted is the one these criteria give the
    published design: full capitation (42 CFR 414.1420(d)(7)). What the design's documents do not say (the CEHRT
    share, the measures' evidence) is answered as CMS's determination form requires for a yes."""
    vmng = {"cehrt_share": 75, "payment_based_on_quality": True,
            "measure_evidence": "consensus_endorsed", "outcome_measure": "included", "risk_type": "full_capitation",
            "risk_mechanisms": ["withhold"]}
    line = judged(vmng, 2020, "medicaid")
    assert (line.verdict.value, line.risk_path) == ("yes", "OPAAPM-RISK-CAPITATION")
    # The same design with the capitation replaced by the 2017 plan's upside-only shared savings (its predecessor,
    # the Vermont Medicaid Shared Savings Program) is not one.
    assert judged({**vmng, "risk_type": "upside_only"}, 2020, "medicaid").verdict.value == "no"


def test_the_entity_size_question_is_asked_from_2023_of_every_line_and_names_a_real_question():
    """414.1420(d)(8) limits another payer's medical home to 50 eligible clinicians from 2023 only: the wizard asks
    each line's entity size in the years whose row `asks` it, and the row names that question for every line."""
    from apm_designer.validation import field_schema
    from apm_designer.wizard import Field, asked_for_year, parse_dotted

    rows = {year: threshold("other_payer_medical_home_max_clinicians", year) for year in (2022, 2023)}
    assert (rows[2022].asks, rows[2023].asks) == ("", "payment.lines_of_business[].other_payer.apm_entity_clinicians")
    path = parse_dotted("payment.lines_of_business[3].other_payer.apm_entity_clinicians")
    assert field_schema(path)["type"] == "integer"
    question = Field(path, "integer", field_schema(path))
    assert [asked_for_year(question, {"metadata": {"performance_year": y}}) for y in (2022, 2023)] == [False, True]
