"""Payment-mix cross-checks from the LAN National APM Data Collection workbook (label "payment").

The checks read the metrics `apm_designer.metrics.compute` derives, so how dollars count (the dominant-arrangement
and annualisation rules) lives in one place. `not_met` is a warning that names the answers to fix; `unknown`
names the answers a check still needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from apm_designer.metrics import LINES, PaymentMix, compute, dollars_value, line_label, money
from apm_designer.rules.engine import MISSING, Answer, Answers, Outcome, Text, rule
from apm_designer.rules.qpp import strings

WORKBOOK = "LAN National APM Data Collection workbook"
PAYERS = "element_5.payers"

# element_5.payers names traditional Medicare "medicare"; payment lines call it "traditional_medicare".
PAYER_LINES = {"medicare": "traditional_medicare", "medicare_advantage": "medicare_advantage",
               "medicaid": "medicaid", "commercial": "commercial"}


def _mix(answers: Answers) -> PaymentMix:
    return answers.memo("payment_mix", lambda: compute(answers.data))


def _raw_lines(answers: Answers) -> list[tuple[int, Mapping[str, Any]]]:
    lines = answers.get(LINES, [])
    return [(i, line) for i, line in enumerate(lines) if isinstance(line, Mapping)] if isinstance(lines, list) else []


def _raw_arrangements(line: Mapping[str, Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    entries = line.get("arrangements")
    if isinstance(entries, list):
        yield from ((j, e) for j, e in enumerate(entries) if isinstance(e, Mapping))


def _each(paths: Iterable[str]) -> Text:
    return Text(", ").join(Text(Answer(p)) for p in paths)


def _verdict(problems: list[str], fields: list[str], needs: list[str], met: str) -> Outcome:
    """not_met when a problem was found, else unknown when answers are missing, else met."""
    if problems:
        return Outcome("not_met", Text("; ").join(problems), tuple(dict.fromkeys(fields)))
    if needs:
        return Outcome("unknown", Text("needs ", _each(dict.fromkeys(needs))), tuple(dict.fromkeys(needs)))
    return Outcome("met", met)


def _no_lines() -> Outcome:
    return Outcome("unknown", Text("needs ", Answer(LINES), ": the payment arrangements by line of business"),
                   (LINES,))


@rule("PAY-SUBTOTALS", "payment", "Categories 1–4 add up to the total dollars",
      f"{WORKBOOK}, Metrics (Aggregated Metrics: Category 1 and Categories 2–4 of the same denominator)")
def subtotals(answers: Answers) -> Outcome:
    mix = _mix(answers)
    if mix.empty:
        return _no_lines()
    problems: list[str] = []
    fields: list[str] = []
    needs: list[str] = []
    for line in mix.lines:
        missing = [p for a in line.arrangements for p in a.missing]
        if line.total is None:
            needs.append(f"{line.path}.total_dollars")
        elif missing:
            needs.extend(missing)
        elif line.counted < line.total:
            problems.append(f"{line.label}: Categories 1–4 (metrics 2, 5, 10, 14) add up to {money(line.counted)} "
                            f"of the {money(line.total)} total (metric 1); list the other "
                            f"{money(line.total - line.counted)} as legacy payments or under its arrangement")
            fields += [f"{line.path}.total_dollars", f"{line.path}.arrangements"]
    return _verdict(problems, fields, needs, "every line's arrangements account for all of its total dollars")


@rule("PAY-NUMERATOR", "payment", "No numerator above its denominator",
      f"{WORKBOOK}, Metrics (numerators are dollars paid; the denominator is total dollars paid to providers)")
def numerator(answers: Answers) -> Outcome:
    mix = _mix(answers)
    if mix.empty:
        return _no_lines()
    problems: list[str] = []
    fields: list[str] = []
    needs: list[str] = []
    for line in mix.lines:
        if line.total is None:
            if line.counted:
                needs.append(f"{line.path}.total_dollars")
        elif line.counted > line.total:
            problems.append(f"{line.label}: the arrangements' dollars add up to {money(line.counted)}, over the "
                            f"{money(line.total)} total dollars paid to providers")
            fields += [*(p for a in line.arrangements for p in a.sources), f"{line.path}.total_dollars"]
    return _verdict(problems, fields, needs, "no line's arrangement dollars exceed its total dollars")


@rule("PAY-TOTALS", "payment", "Totals given and not negative where dollars are",
      f"{WORKBOOK}, Metrics (denominator) and Definitions (Total Dollars)")
def totals(answers: Answers) -> Outcome:
    lines = _raw_lines(answers)
    if not lines:
        return _no_lines()
    problems: list[str] = []
    fields: list[str] = []
    needs: list[str] = []
    for i, line in lines:
        path = f"{LINES}[{i}]"
        given = []
        for j, entry in _raw_arrangements(line):
            for name in ("dollars", "daily_dollars"):
                value = dollars_value(entry.get(name))
                if value is not None:
                    given.append(value)
                    if value < 0:
                        problems.append(Text(Answer(f"{path}.arrangements[{j}].{name}"),
                                             f" is negative ({money(value)})"))
                        fields.append(f"{path}.arrangements[{j}].{name}")
        total = dollars_value(line.get("total_dollars"))
        if total is not None and total < 0:
            problems.append(Text(Answer(f"{path}.total_dollars"), f" is negative ({money(total)})"))
            fields.append(f"{path}.total_dollars")
        elif total is None and given:
            problems.append(Text(Answer(path), " gives arrangement dollars but no total dollars paid to providers"))
            fields.append(f"{path}.total_dollars")
        elif total is None:
            needs.append(f"{path}.total_dollars")
    return _verdict(problems, fields, needs, "every line with dollars has its total, and no dollars are negative")


@rule("PAY-ANNUALISED", "payment", "Annualised only for contracts in force all period",
      f"{WORKBOOK}, Methods (annualising from a point in time)")
def annualised(answers: Answers) -> Outcome:
    lines = _raw_lines(answers)
    if not lines:
        return _no_lines()
    problems: list[str] = []
    fields: list[str] = []
    needs: list[str] = []
    for i, line in lines:
        period = line.get("reporting_period") if isinstance(line.get("reporting_period"), Mapping) else {}
        start, end = _date(period.get("start")), _date(period.get("end"))
        for j, entry in _raw_arrangements(line):
            if entry.get("annualized") is not True:
                continue
            path = f"{LINES}[{i}].arrangements[{j}]"
            full_period, launch = entry.get("contract_full_period"), _date(entry.get("launch_date"))
            if full_period is False:
                problems.append(Text(Answer(path), " is annualised, but its contract was not in force the whole "
                                     "period: report the actual dollars paid"))
                fields += [f"{path}.annualized", f"{path}.contract_full_period"]
            elif full_period is None:
                needs.append(f"{path}.contract_full_period")
            elif launch and start and launch > start:
                problems.append(Text(Answer(path), f" is annualised, but launched {launch}, after the period began "
                                     f"{start}, so its contract was not in force the whole period"))
                fields += [f"{path}.annualized", f"{path}.launch_date", f"{LINES}[{i}].reporting_period.start"]
            days = _days(entry.get("annualization_days"))
            if start and end and days and days > (end - start).days + 1:
                problems.append(Text(Answer(path), f" is annualised over {days} days, more than the period's "
                                     f"{(end - start).days + 1}"))
                fields += [f"{path}.annualization_days", f"{LINES}[{i}].reporting_period"]
            daily, dollars = dollars_value(entry.get("daily_dollars")), dollars_value(entry.get("dollars"))
            if daily is not None and days and dollars is not None and dollars != daily * days:
                problems.append(Text(Answer(f"{path}.dollars"), f" {money(dollars)} is not its day's {money(daily)} × "
                                     f"{days} days = {money(daily * Decimal(days))}"))
                fields += [f"{path}.dollars", f"{path}.daily_dollars", f"{path}.annualization_days"]
    return _verdict(problems, fields, needs, "annualised dollars are only for contracts in force the whole period")


@rule("PAY-STAGE", "payment", "Each program has a stage and launch date", f"{WORKBOOK}, Cross-Checking")
def stage(answers: Answers) -> Outcome:
    lines = _raw_lines(answers)
    if not lines:
        return _no_lines()
    missing = []
    for i, line in lines:
        for j, entry in _raw_arrangements(line):
            if entry.get("type") == "legacy":  # legacy payments are not a program
                continue
            path = f"{LINES}[{i}].arrangements[{j}]"
            missing += [f"{path}.{name}" for name in ("stage", "launch_date") if not entry.get(name)]
    if missing:
        return Outcome("not_met", Text("say each program's stage (pilot, expansion, fully implemented) and launch "
                                       "date: missing ", _each(missing)), tuple(missing))
    return Outcome("met", "every program gives its stage and launch date")


@rule("PAY-LINES", "payment", "A payment mix for each participating payer",
      f"CMS APM Design Toolkit, element 5; {WORKBOOK}, General Information (data by line of business)")
def lines_for_payers(answers: Answers) -> Outcome:
    payers = strings(answers, PAYERS)
    if payers is MISSING:
        return Outcome("unknown", Text("needs ", Answer(PAYERS)), (PAYERS,))
    wanted = {PAYER_LINES[p] for p in payers if p in PAYER_LINES}
    if len(wanted) < 2:
        return Outcome("met", "one payer: no multi-payer payment mix to show")
    given = {code for _, line in _raw_lines(answers) if isinstance(code := line.get("line_of_business"), str)}
    absent, extra = sorted(wanted - given), sorted(str(g) for g in given - wanted if g in PAYER_LINES.values())
    problems = []
    if absent:
        problems.append(Text(Answer(PAYERS), f" names {_lines(absent)}, with no line of business under ",
                             Answer(LINES)))
    if extra:
        problems.append(Text(Answer(LINES), f" has {_lines(extra)}, which ", Answer(PAYERS), " does not name"))
    if problems:
        return Outcome("not_met", Text("; ").join(problems), (PAYERS, LINES))
    return Outcome("met", "every participating payer has its line of business in the payment mix")


def _lines(codes: Iterable[str]) -> str:
    return ", ".join(line_label(code) for code in codes)


def _days(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
