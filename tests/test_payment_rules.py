"""The payment-mix cross-checks (LAN workbook): each one's failure, its pass, and what it needs when unanswered."""

from __future__ import annotations

import copy

import pytest

import apm_designer.rules.payment  # noqa: F401  (registers the payment rules)
from apm_designer.rules import evaluate
from apm_designer.rules.engine import REGISTRY, Answers, Finding

CY2016 = {"basis": "calendar_year", "start": "2016-01-01", "end": "2016-12-31"}
L0 = "payment.lines_of_business[0]"
PAYMENT_RULES = ("PAY-SUBTOTALS", "PAY-NUMERATOR", "PAY-TOTALS", "PAY-ANNUALISED", "PAY-STAGE", "PAY-LINES")


def good() -> dict:
    """A proposal whose payment mix passes every cross-check (the workbook's annualisation example included)."""
    return {
        "metadata": {"title": "Checks", "status": "draft"},
        "element_5": {"payers": ["medicare", "commercial"]},
        "payment": {"lines_of_business": [
            {"line_of_business": "commercial", "reporting_period": CY2016, "total_dollars": 1_000_000,
             "arrangements": [
                 {"type": "legacy", "dollars": 500_000},
                 {"type": "shared_savings", "annualized": True, "contract_full_period": True, "daily_dollars": 300,
                  "annualization_days": 365, "dollars": 109_500, "launch_date": "2015-01-01",
                  "stage": "fully_implemented"},
                 {"type": "shared_risk", "combined_with": ["pay_for_performance"], "dollars": 390_500,
                  "launch_date": "2016-01-01", "stage": "expansion"},
             ]},
            {"line_of_business": "traditional_medicare", "reporting_period": CY2016, "total_dollars": 120_000,
             "arrangements": [
                 {"type": "legacy", "dollars": 60_000},
                 {"type": "shared_savings", "dollars": 60_000, "contract_full_period": False,
                  "launch_date": "2016-07-01", "stage": "pilot"},
             ]},
        ]},
    }


def run(rule_id: str, data: dict) -> Finding:
    finding = REGISTRY.rules[rule_id].run(Answers(data))
    assert finding.label == "payment" and finding.citation
    return finding


def arrangement(data: dict, line: int, index: int) -> dict:
    return data["payment"]["lines_of_business"][line]["arrangements"][index]


def test_every_payment_rule_is_registered_with_a_workbook_citation():
    rules = {r.id: r for r in REGISTRY if r.label == "payment"}
    assert set(PAYMENT_RULES) <= set(rules)
    for rule_id in PAYMENT_RULES[:5]:
        assert rules[rule_id].citation.startswith("LAN National APM Data Collection workbook, ")
    assert "Cross-Checking" in rules["PAY-STAGE"].citation
    assert "Methods" in rules["PAY-ANNUALISED"].citation


@pytest.mark.parametrize("rule_id", PAYMENT_RULES)
def test_a_sound_payment_mix_passes(rule_id):
    finding = run(rule_id, good())
    assert finding.status == "met", finding.explanation
    assert not finding.is_warning


@pytest.mark.parametrize("rule_id", PAYMENT_RULES[:5])
def test_without_lines_of_business_the_checks_say_what_they_need(rule_id):
    finding = run(rule_id, {"metadata": {"title": "x", "status": "draft"}})
    assert finding.status == "unknown" and finding.fields == ("payment.lines_of_business",)


def test_subtotals_fail_when_dollars_are_left_out_of_every_category():
    data = good()
    arrangement(data, 0, 0)["dollars"] = 400_000  # $100,000 of the total is now in no arrangement
    finding = run("PAY-SUBTOTALS", data)
    assert finding.status == "not_met" and finding.is_warning
    assert finding.explanation == (
        "Commercial: Categories 1–4 (metrics 2, 5, 10, 14) add up to $900,000 of the $1,000,000 total (metric 1); "
        "list the other $100,000 as legacy payments or under its arrangement")
    assert finding.fields == (f"{L0}.total_dollars", f"{L0}.arrangements")


def test_subtotals_wait_for_missing_dollars():
    data = good()
    del arrangement(data, 0, 0)["dollars"]
    finding = run("PAY-SUBTOTALS", data)
    assert finding.status == "unknown" and finding.fields == (f"{L0}.arrangements[0].dollars",)


def test_numerator_above_denominator_names_every_dollar_answer_and_the_total():
    data = good()
    arrangement(data, 0, 2)["dollars"] = 500_000  # 500,000 + 109,500 + 500,000 > 1,000,000
    finding = run("PAY-NUMERATOR", data)
    assert finding.status == "not_met"
    assert finding.explanation == ("Commercial: the arrangements' dollars add up to $1,109,500, over the $1,000,000 "
                                   "total dollars paid to providers")
    assert finding.fields == (f"{L0}.arrangements[0].dollars", f"{L0}.arrangements[1].daily_dollars",
                              f"{L0}.arrangements[1].annualization_days", f"{L0}.arrangements[2].dollars",
                              f"{L0}.total_dollars")


def test_numerator_needs_the_total_when_dollars_are_given():
    data = good()
    del data["payment"]["lines_of_business"][1]["total_dollars"]
    finding = run("PAY-NUMERATOR", data)
    assert finding.status == "unknown" and finding.fields == ("payment.lines_of_business[1].total_dollars",)


def test_totals_missing_where_dollars_are_given():
    data = good()
    del data["payment"]["lines_of_business"][0]["total_dollars"]
    finding = run("PAY-TOTALS", data)
    assert finding.status == "not_met"
    assert finding.explanation == f"{L0} gives arrangement dollars but no total dollars paid to providers"
    assert finding.fields == (f"{L0}.total_dollars",)


def test_totals_negative():
    data = good()
    data["payment"]["lines_of_business"][0]["total_dollars"] = -5
    arrangement(data, 1, 0)["dollars"] = -60_000.5
    finding = run("PAY-TOTALS", data)
    assert finding.status == "not_met"
    assert finding.fields == ("payment.lines_of_business[0].total_dollars",
                              "payment.lines_of_business[1].arrangements[0].dollars")
    assert "payment.lines_of_business[1].arrangements[0].dollars is negative (-$60,000.50)" in finding.explanation


def test_totals_not_needed_until_there_are_dollars():
    data = {"payment": {"lines_of_business": [{"line_of_business": "medicaid",
                                               "arrangements": [{"type": "shared_risk"}]}]}}
    finding = run("PAY-TOTALS", data)
    assert finding.status == "unknown" and finding.fields == (f"{L0}.total_dollars",)


def test_annualising_a_contract_not_in_force_all_period():
    # The workbook's unacceptable approach: the half-year shared savings contract counted as $120,000 for the year.
    data = good()
    arrangement(data, 1, 1).update(annualized=True, dollars=120_000)
    finding = run("PAY-ANNUALISED", data)
    assert finding.status == "not_met"
    where = "payment.lines_of_business[1].arrangements[1]"
    assert finding.explanation == (f"{where} is annualised, but its contract was not in force the whole period: "
                                   "report the actual dollars paid")
    assert finding.fields == (f"{where}.annualized", f"{where}.contract_full_period")


def test_annualising_a_contract_launched_during_the_period():
    data = good()
    arrangement(data, 0, 1)["launch_date"] = "2016-07-01"  # said to be in force all period, but launched mid-year
    finding = run("PAY-ANNUALISED", data)
    assert finding.status == "not_met"
    assert "launched 2016-07-01, after the period began 2016-01-01" in finding.explanation
    assert finding.fields == (f"{L0}.arrangements[1].annualized", f"{L0}.arrangements[1].launch_date",
                              f"{L0}.reporting_period.start")


def test_annualised_dollars_must_be_the_day_times_the_days():
    data = good()
    arrangement(data, 0, 1)["dollars"] = 110_000
    finding = run("PAY-ANNUALISED", data)
    assert finding.status == "not_met"
    assert finding.explanation == (f"{L0}.arrangements[1].dollars $110,000 is not its day's $300 × 365 days "
                                   "= $109,500")


def test_annualised_over_more_days_than_the_period():
    data = good()
    arrangement(data, 0, 1).update(annualization_days=366)
    del arrangement(data, 0, 1)["dollars"]
    assert run("PAY-ANNUALISED", data).status == "met"  # 2016 is a leap year: 366 days is the whole period
    data["payment"]["lines_of_business"][0]["reporting_period"] = {"basis": "calendar_year", "start": "2017-01-01",
                                                                   "end": "2017-12-31"}
    finding = run("PAY-ANNUALISED", data)
    assert finding.status == "not_met"
    assert finding.explanation == f"{L0}.arrangements[1] is annualised over 366 days, more than the period's 365"
    assert finding.fields == (f"{L0}.arrangements[1].annualization_days", f"{L0}.reporting_period")


def test_annualised_without_saying_whether_the_contract_ran_all_period():
    data = good()
    del arrangement(data, 0, 1)["contract_full_period"]
    finding = run("PAY-ANNUALISED", data)
    assert finding.status == "unknown" and finding.fields == (f"{L0}.arrangements[1].contract_full_period",)


def test_each_program_needs_a_stage_and_launch_date():
    data = good()
    del arrangement(data, 0, 2)["stage"]
    del arrangement(data, 1, 1)["launch_date"]
    finding = run("PAY-STAGE", data)
    assert finding.status == "not_met"
    assert finding.fields == (f"{L0}.arrangements[2].stage", "payment.lines_of_business[1].arrangements[1].launch_date")
    assert "stage (pilot, expansion, fully implemented) and launch date" in finding.explanation


def test_legacy_payments_are_not_a_program():
    data = good()
    assert "stage" not in arrangement(data, 0, 0)
    assert run("PAY-STAGE", data).status == "met"


def test_each_participating_payer_needs_its_line_of_business():
    data = good()
    data["element_5"]["payers"] = ["medicare", "commercial", "medicaid", "other"]
    finding = run("PAY-LINES", data)
    assert finding.status == "not_met"
    assert finding.explanation == ("element_5.payers names Medicaid, with no line of business under "
                                   "payment.lines_of_business")
    assert finding.fields == ("element_5.payers", "payment.lines_of_business")


def test_a_line_of_business_for_a_payer_not_named():
    data = good()
    data["element_5"]["payers"] = ["medicare", "medicare_advantage"]
    finding = run("PAY-LINES", data)
    assert finding.status == "not_met" and "payment.lines_of_business has Commercial, which element_5.payers does " \
                                           "not name" in finding.explanation


def test_single_payer_proposals_need_no_payment_mix():
    data = copy.deepcopy(good())
    data["element_5"]["payers"] = ["medicare"]
    del data["payment"]
    assert run("PAY-LINES", data).status == "met"
    del data["element_5"]
    assert run("PAY-LINES", data).status == "unknown"


@pytest.mark.parametrize("rule_id", PAYMENT_RULES)
@pytest.mark.parametrize("payment", [None, [], "x", {"lines_of_business": "x"},
                                     {"lines_of_business": [None, 3, {"arrangements": [None, {"type": 5}]}]}])
def test_rules_never_raise_on_malformed_answers(rule_id, payment):
    finding = run(rule_id, {"payment": payment, "element_5": {"payers": "x"}})
    assert finding.status in ("met", "not_met", "unknown")


@pytest.mark.parametrize("bad", [[1], {}, [[1]], [{}], 3])
def test_wrongly_typed_payment_answers_count_as_unanswered(bad):
    """The wizard evaluates on every keystroke, before the schema holds: no answer's type may crash a check."""
    for data in ({"element_5": {"payers": bad}},
                 {"element_5": {"payers": ["medicare", "commercial"]},
                  "payment": {"lines_of_business": [{"line_of_business": bad, "reporting_period": {"basis": bad},
                                                     "arrangements": [{"type": bad, "combined_with": [bad]}]}]}}):
        ev = evaluate(data)
        assert all(f.status in ("met", "not_met", "unknown") for f in ev.findings_for("payment"))
