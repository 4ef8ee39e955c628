"""The LAN workbook's payment-mix metrics, recomputed by hand for worked examples."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from apm_designer.metrics import CSV_HEADER, compute, format_table, money, percent
from apm_designer.toolkit import arrangements

CY2016 = {"basis": "calendar_year", "start": "2016-01-01", "end": "2016-12-31"}


def proposal(*lines: dict) -> dict:
    return {"metadata": {"title": "Worked example", "status": "draft"}, "payment": {"lines_of_business": list(lines)}}


# A commercial line with every workbook arrangement, the workbook's annualisation example (a $300 day, $285 base
# plus $15 shared savings, times 365) and its dominant-arrangement example (P4P bonuses paid to providers who are
# also in shared savings count as shared savings).
COMMERCIAL = {
    "line_of_business": "commercial", "reporting_period": CY2016, "total_dollars": 2_000_000,
    "arrangements": [
        {"type": "legacy", "dollars": 900_000},
        {"type": "foundational_spending", "dollars": 50_000},
        {"type": "pay_for_performance", "dollars": 150_000},
        {"type": "shared_savings", "annualized": True, "contract_full_period": True, "daily_dollars": 300,
         "annualization_days": 365},
        {"type": "pay_for_performance", "combined_with": ["shared_savings"], "dollars": 240_500},
        {"type": "shared_risk", "dollars": 200_000},
        {"type": "procedure_bundled_episode", "dollars": 100_000},
        {"type": "population_not_condition_specific", "dollars": 50_000},
        {"type": "population_condition_specific", "dollars": 60_000},
        {"type": "condition_specific_bundled_episode", "dollars": 40_000},
        {"type": "full_percent_of_premium", "dollars": 100_000},
    ],
}

# The workbook's half-year example: $120,000 paid in the year, a shared savings contract from July 1, so $60,000
# is reported as fee-for-service (legacy) and $60,000 as shared savings.
MEDICAID_HALF_YEAR = {
    "line_of_business": "medicaid", "reporting_period": CY2016, "total_dollars": 120_000,
    "arrangements": [
        {"type": "legacy", "dollars": 60_000},
        {"type": "shared_savings", "dollars": 60_000, "annualized": False, "contract_full_period": False,
         "launch_date": "2016-07-01", "stage": "pilot"},
    ],
}


def metrics(line) -> dict[int, tuple[Decimal | None, str]]:
    return {r.metric: (r.dollars, r.share_text) for r in line.rows if r.metric is not None}


def test_worked_example_by_hand():
    mix = compute(proposal(COMMERCIAL))
    line = mix.lines[0]
    assert line.label == "Commercial" and line.period == "calendar year, 2016-01-01 to 2016-12-31"
    # By hand: shared savings is 300 × 365 = 109,500 plus the 240,500 of P4P the dominant rule moves there.
    expected = {
        1: (Decimal(2_000_000), ""),
        2: (Decimal(900_000), "45.0%"),
        3: (Decimal(50_000), "2.5%"),
        4: (Decimal(150_000), "7.5%"),
        5: (Decimal(200_000), "10.0%"),  # 3 + 4
        6: (Decimal(350_000), "17.5%"),
        7: (Decimal(200_000), "10.0%"),
        8: (Decimal(100_000), "5.0%"),
        9: (Decimal(50_000), "2.5%"),
        10: (Decimal(700_000), "35.0%"),  # 6 + 7 + 8 + 9
        11: (Decimal(60_000), "3.0%"),
        12: (Decimal(40_000), "2.0%"),
        13: (Decimal(100_000), "5.0%"),
        14: (Decimal(200_000), "10.0%"),  # 11 + 12 + 13
        15: (Decimal(2_000_000), ""),
        16: (Decimal(1_100_000), "55.0%"),  # 5 + 10 + 14
        17: (Decimal(900_000), "45.0%"),  # 10 + 14
    }
    assert metrics(line) == expected
    assert line.legacy_share == Decimal(45) and line.penetration_2_4 == Decimal(55)
    assert line.penetration_3_4 == Decimal(45)
    assert line.unassigned == 0 and not any(r.key == "unassigned" for r in line.rows)
    assert line.categories == {1: 900_000, 2: 200_000, 3: 700_000, 4: 200_000}


def test_workbook_annualisation_example():
    mix = compute(proposal(COMMERCIAL))
    ss = mix.lines[0].arrangements[3]
    assert ss.dollars == Decimal(109_500)  # $300 a day (of which $15 shared savings) × 365
    assert ss.reported_as == "shared_savings" and ss.basis == "annualised: $300 a day × 365 days"
    assert ss.sources == ("payment.lines_of_business[0].arrangements[3].daily_dollars",
                          "payment.lines_of_business[0].arrangements[3].annualization_days")
    assert ss.share_text == "5.5%"  # 109,500 / 2,000,000 = 5.475% rounds half up


def test_dominant_arrangement_rule_moves_p4p_into_shared_savings():
    line = compute(proposal(COMMERCIAL)).lines[0]
    p4p_with_ss = line.arrangements[4]
    assert p4p_with_ss.type == "pay_for_performance" and p4p_with_ss.reported_as == "shared_savings"
    assert "reported under shared savings (the dominant arrangement)" in p4p_with_ss.basis
    assert line.row(4).dollars == 150_000  # only the P4P without shared savings


def test_dominant_is_the_most_advanced_category_whatever_the_order():
    line = {"line_of_business": "commercial", "total_dollars": 100, "arrangements": [
        {"type": "shared_savings", "combined_with": ["full_percent_of_premium", "pay_for_performance"],
         "dollars": 100}]}
    assert compute(proposal(line)).lines[0].arrangements[0].reported_as == "full_percent_of_premium"
    # Not linked to quality counts with legacy payments, so it never dominates a Category 2 arrangement.
    line["arrangements"][0] = {"type": "capitation_not_linked_to_quality", "combined_with": ["foundational_spending"],
                               "dollars": 100}
    assert compute(proposal(line)).lines[0].arrangements[0].reported_as == "foundational_spending"


def test_workbook_half_year_example():
    line = compute(proposal(MEDICAID_HALF_YEAR)).lines[0]
    got = metrics(line)
    assert got[2] == (Decimal(60_000), "50.0%") and got[6] == (Decimal(60_000), "50.0%")
    assert got[10] == got[16] == got[17] == (Decimal(60_000), "50.0%")
    assert line.notes == ()


def test_annualising_a_part_year_contract_is_not_counted():
    # The workbook's unacceptable approach: all $120,000 as shared savings though the contract ran half the year.
    line = {"line_of_business": "medicaid", "reporting_period": CY2016, "total_dollars": 120_000,
            "arrangements": [{"type": "shared_savings", "dollars": 120_000, "annualized": True,
                              "contract_full_period": False}]}
    got = compute(proposal(line)).lines[0]
    assert got.row(6).dollars == 0 and got.arrangements[0].dollars is None
    assert got.arrangements[0].missing == ()  # nothing to add: the answer itself is the problem
    assert any("annualised dollars not counted: the contract was not in force the whole period" in n
               for n in got.notes)
    assert got.unassigned == 120_000


def test_all_lines_together_by_hand():
    mix = compute(proposal(COMMERCIAL, MEDICAID_HALF_YEAR))
    got = metrics(mix.all)
    assert got[1] == (Decimal(2_120_000), "")
    assert got[2] == (Decimal(960_000), "45.3%")  # 960,000 / 2,120,000 = 45.28%
    assert got[6] == (Decimal(410_000), "19.3%")  # 19.34%
    assert got[10] == (Decimal(760_000), "35.8%")  # 35.85%
    assert got[16] == (Decimal(1_160_000), "54.7%")  # 54.72%
    assert got[17] == (Decimal(960_000), "45.3%")


def test_sums_are_exact_and_shares_round_half_up_to_one_decimal():
    line = {"line_of_business": "commercial", "total_dollars": 0.3, "arrangements": [
        {"type": "legacy", "dollars": 0.1}, {"type": "shared_risk", "dollars": 0.2}]}
    got = compute(proposal(line)).lines[0]
    assert got.counted == Decimal("0.3") and got.unassigned == 0  # floats would give 0.30000000000000004
    assert got.row(16).share_text == "66.7%" and got.row(2).share_text == "33.3%"
    assert percent(Decimal("0.05")) == "0.1%" and percent(Decimal("12.25")) == "12.3%"
    assert money(Decimal("1234.5")) == "$1,234.50" and money(Decimal(2_000_000)) == "$2,000,000"


def test_refreshed_framework_codes_count_in_their_original_category():
    line = {"line_of_business": "commercial", "total_dollars": 400, "arrangements": [
        {"type": "pay_for_reporting", "dollars": 100},
        {"type": "risk_based_not_linked_to_quality", "dollars": 100},
        {"type": "integrated_finance_delivery", "dollars": 100},
        {"type": "capitation_not_linked_to_quality", "dollars": 100}]}
    got = compute(proposal(line)).lines[0]
    assert got.categories == {1: 200, 2: 100, 3: 0, 4: 100}
    extra = {r.key: r.counted_in for r in got.rows if r.metric is None}
    assert extra == {"pay_for_reporting": 5, "risk_based_not_linked_to_quality": 2, "integrated_finance_delivery": 14,
                     "capitation_not_linked_to_quality": 2}


def test_unassigned_dollars_are_shown_not_hidden():
    line = {"line_of_business": "medicare_advantage", "total_dollars": 1000,
            "arrangements": [{"type": "shared_risk", "dollars": 250}]}
    got = compute(proposal(line)).lines[0]
    assert got.rows[-1].key == "unassigned" and got.rows[-1].dollars == 750 and got.rows[-1].share_text == "75.0%"
    assert ("Not assigned to an arrangement", Decimal(750)) in got.pie()


def test_partial_answers_are_skipped_and_said():
    mix = compute(proposal(
        {"line_of_business": "commercial", "arrangements": [{"type": "shared_risk", "dollars": 10}, {},
                                                            {"type": "legacy", "dollars": -5}]},
        {"line_of_business": "medicaid", "total_dollars": 100, "arrangements": [{"type": "legacy"}]}))
    first, second = mix.lines
    assert first.total is None and first.row(7).dollars == 10 and first.row(7).share is None
    assert "payment.lines_of_business[0].total_dollars: no total dollars yet, so no shares" in first.notes
    assert "payment.lines_of_business[0].arrangements[1].type: no arrangement type yet, so its dollars are not " \
           "counted" in first.notes
    assert "payment.lines_of_business[0].arrangements[2].dollars: negative dollars are not counted" in first.notes
    assert second.arrangements[0].missing == ("payment.lines_of_business[1].arrangements[0].dollars",)
    assert mix.all.total is None
    assert "all lines: no shares until every line has its total dollars (missing: Commercial)" in mix.all.notes
    text = format_table(mix)
    assert "note: payment.lines_of_business[0].total_dollars: no total dollars yet" in text


def test_no_payment_section_says_what_to_do():
    for data in ({}, {"payment": {}}, {"payment": {"lines_of_business": []}}, None, [], "text"):
        mix = compute(data)
        assert mix.empty and mix.all is None
        assert format_table(mix) == "no lines of business yet: add one under payment to see the metrics"


def test_text_table_fits_the_width_and_names_every_metric():
    text = format_table(compute(proposal(COMMERCIAL, MEDICAID_HALF_YEAR)))
    assert max(len(line) for line in text.splitlines()) == 80
    blocks = text.split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == ["Commercial (calendar year, 2016-01-01 to 2016-12-31)",
                                                   "Medicaid (calendar year, 2016-01-01 to 2016-12-31)",
                                                   "All lines of business"]
    numbers = [line.split()[0] for line in blocks[0].splitlines()[2:]]
    assert numbers == [str(n) for n in range(1, 18)]
    assert " 16  Payment reform penetration: Categories 2–4" in blocks[0]
    assert "$1,100,000   55.0%" in blocks[0]


def test_json_and_csv_carry_the_same_numbers():
    mix = compute(proposal(COMMERCIAL, MEDICAID_HALF_YEAR))
    data = json.loads(json.dumps(mix.as_json()))
    m6 = next(m for m in data["lines"][0]["metrics"] if m["metric"] == 6)
    assert m6 == {"metric": 6, "key": "shared_savings", "label": "Shared savings (3A)", "dollars": 350000,
                  "share_percent": 17.5, "counted_in": None}
    assert data["all"]["total_dollars"] == 2120000
    rows = mix.csv_rows()
    assert all(len(r) == len(CSV_HEADER) for r in rows)
    assert ["all", "All lines of business", "16", "categories_2_4", "Payment reform penetration: Categories 2–4",
            "1160000", "54.7"] in rows


def test_every_arrangement_type_has_a_row_or_counts_in_one():
    line = {"line_of_business": "commercial", "total_dollars": 14,
            "arrangements": [{"type": key, "dollars": 1} for key in arrangements()]}
    got = compute(proposal(line)).lines[0]
    assert got.counted == 14 and sum(got.categories.values()) == 14 and got.unassigned == 0


ANSWER = st.recursive(
    st.none() | st.booleans() | st.integers(-10**15, 10**15) | st.floats(allow_nan=True) | st.text(max_size=5)
    | st.sampled_from([*arrangements(), "commercial", "medicaid", "2016-07-01"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["type", "dollars", "total_dollars", "annualized", "contract_full_period", "daily_dollars",
                         "annualization_days", "combined_with", "line_of_business", "arrangements",
                         "reporting_period", "start", "basis"]), children, max_size=6),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(ANSWER, max_size=3))
def test_compute_is_total_on_any_partial_answers(lines):
    mix = compute({"payment": {"lines_of_business": lines}})
    format_table(mix)
    json.dumps(mix.as_json(), allow_nan=False)
    mix.csv_rows()
    for line in mix.lines:
        assert sum(line.categories.values()) == line.counted
        assert line.row(16).dollars == line.row(5).dollars + line.row(10).dollars + line.row(14).dollars
