"""LAN payment-mix metrics: the National APM Data Collection workbook's metrics 1–17 from a proposal's dollars.

For each line of business, and for all lines together: the total dollars paid to providers (the denominator,
metrics 1 and 15), each arrangement's dollars and share of that total, the Category 1–4 totals (metrics 2, 5, 10
and 14; metric 2, legacy payments, is the legacy share) and the penetration of Categories 2–4 and 3–4 (metrics 16
and 17). The arrangement metrics' numbers live in data/toolkit.yaml; the totals' numbers are below.

Two rules from the workbook's Methods decide where dollars count:
* dominant arrangement: dollars a provider receives through several arrangements are all reported under the most
  advanced of them (shared savings with P4P bonuses counts as shared savings, Category 3);
* annualisation: one day's dollars times the days of the period, acceptable only when the contract was in force
  the whole period; otherwise the actual dollars paid are reported.

The workbook uses the original (2016) framework. Codes the refreshed framework added count where the original
would put them: pay for reporting (2B) in Category 2, integrated finance and delivery (4C) in Category 4, and the
"N" codes (not linked to quality) with legacy payments in Category 1, whose definition includes "capitation
without quality". They have no metric number of their own, so each is shown as counted in its category's.

`compute` never raises: partial answers (as the wizard has them mid-typing) are skipped with a note that says so.
Dollars are summed exactly as Decimals; shares are rounded to one decimal only when shown.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, getcontext
from functools import cache
from typing import Any

from apm_designer.problems import inert
from apm_designer.resources import proposal_schema
from apm_designer.toolkit import Arrangement, arrangements

LINES = "payment.lines_of_business"

# The workbook's numbers for its totals. The seed's Aggregated Metrics table is garbled by PDF extraction (its
# numerator and metric columns disagree); we read 16 as Categories 2–4 ("Payment Reform Penetration") and 17 as
# Categories 3–4, as its numerator column says; the legacy share it repeats there is metric 2.
TOTAL = 1
CATEGORY_TOTALS = {1: 2, 2: 5, 3: 10, 4: 14}
DENOMINATOR = 15
CATEGORIES_2_4 = 16
CATEGORIES_3_4 = 17

CATEGORY_NAMES = {1: "legacy payments", 2: "FFS linked to quality", 3: "APMs built on FFS architecture",
                  4: "population-based payment"}

_Counted = tuple[Decimal | None, str, tuple[str, ...], tuple[str, ...]]
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class MetricRow:
    """One row of the workbook's metrics for one line of business (or for all lines together)."""

    metric: int | None  # the workbook's metric number; None for refreshed-framework codes and unassigned dollars
    key: str  # an arrangement type, or total, category_1..4, denominator, categories_2_4, categories_3_4, unassigned
    label: str
    dollars: Decimal | None  # None only for the denominator rows when the total is missing
    share: Decimal | None  # percent of the total dollars, unrounded; None for the denominator or without a total
    counted_in: int | None = None  # for rows without a metric number: the metric that includes their dollars

    @property
    def number(self) -> str:
        return str(self.metric) if self.metric is not None else "–"

    @property
    def dollars_text(self) -> str:
        return money(self.dollars)

    @property
    def share_text(self) -> str:
        return percent(self.share)


@dataclass(frozen=True, slots=True)
class ArrangementShare:
    """One arrangement as the proposal gives it, with the dollars the workbook's rules count for it."""

    path: str  # payment.lines_of_business[0].arrangements[2]
    type: str | None
    label: str
    reported_as: str | None  # the dominant arrangement its dollars are reported under
    dollars: Decimal | None  # None when nothing could be counted
    share: Decimal | None
    basis: str  # how the dollars were counted: actual, annualised (with the sum), or why not
    stage: str | None
    launch_date: str | None
    missing: tuple[str, ...] = ()  # the answers it still needs before its dollars can count
    sources: tuple[str, ...] = ()  # the answers its counted dollars come from

    @property
    def dollars_text(self) -> str:
        return money(self.dollars)

    @property
    def share_text(self) -> str:
        return percent(self.share)


@dataclass(frozen=True, slots=True)
class LineMix:
    """The metrics for one line of business, or for all lines together (key "all")."""

    key: str
    label: str
    path: str  # the answer the line comes from ("payment.lines_of_business" for all lines)
    period: str
    total: Decimal | None  # the denominator; None when missing
    counted: Decimal  # the arrangement dollars counted
    categories: Mapping[int, Decimal]  # Category 1–4 totals
    rows: tuple[MetricRow, ...]
    arrangements: tuple[ArrangementShare, ...] = ()
    notes: tuple[str, ...] = ()

    def row(self, metric: int) -> MetricRow:
        return next(r for r in self.rows if r.metric == metric)

    @property
    def unassigned(self) -> Decimal | None:
        """Total dollars in no arrangement (negative when the arrangements add up to more than the total)."""
        return None if self.total is None else self.total - self.counted

    @property
    def legacy_share(self) -> Decimal | None:
        return self.row(CATEGORY_TOTALS[1]).share

    @property
    def penetration_2_4(self) -> Decimal | None:
        return self.row(CATEGORIES_2_4).share

    @property
    def penetration_3_4(self) -> Decimal | None:
        return self.row(CATEGORIES_3_4).share

    def pie(self) -> tuple[tuple[str, Decimal], ...]:
        """(slice label, dollars) for a chart of the mix by category, leaving out empty slices."""
        slices = [(f"Category {c}: {CATEGORY_NAMES[c]}", self.categories[c]) for c in (1, 2, 3, 4)]
        if self.unassigned is not None and self.unassigned > 0:
            slices.append(("Not assigned to an arrangement", self.unassigned))
        return tuple((label, dollars) for label, dollars in slices if dollars > 0)

    def as_json(self) -> dict[str, Any]:
        return {
            "line_of_business": self.key, "label": self.label, "path": self.path, "period": self.period,
            "total_dollars": json_number(self.total), "counted_dollars": json_number(self.counted),
            "metrics": [{"metric": r.metric, "key": r.key, "label": r.label, "dollars": json_number(r.dollars),
                         "share_percent": json_number(round_share(r.share)), "counted_in": r.counted_in}
                        for r in self.rows],
            "arrangements": [{"path": a.path, "type": a.type, "reported_as": a.reported_as,
                              "dollars": json_number(a.dollars), "share_percent": json_number(round_share(a.share)),
                              "basis": a.basis, "stage": a.stage, "launch_date": a.launch_date}
                             for a in self.arrangements],
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class PaymentMix:
    lines: tuple[LineMix, ...]
    all: LineMix | None  # None when the proposal has no lines of business
    notes: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not self.lines

    def as_json(self) -> dict[str, Any]:
        return {"lines": [line.as_json() for line in self.lines],
                "all": self.all.as_json() if self.all else None, "notes": list(self.notes)}

    def csv_rows(self) -> list[list[str]]:
        """One row per metric per line (all lines last): see CSV_HEADER. Dollars exact, shares to one decimal."""
        lines = [*self.lines, self.all] if self.all and len(self.lines) > 1 else list(self.lines)
        return [[line.key, line.label, r.number if r.metric else "", r.key, r.label,
                 "" if r.dollars is None else str(r.dollars), "" if r.share is None else str(round_share(r.share))]
                for line in lines for r in line.rows]


CSV_HEADER = ["line_of_business", "line_label", "metric", "key", "label", "dollars", "share_percent"]


# ---------------------------------------------------------------------------------------------------- compute


def compute(data: Any) -> PaymentMix:
    """The workbook's metrics for every line of business in a proposal's answers, and for all lines together."""
    payment = data.get("payment") if isinstance(data, Mapping) else None
    raw_lines = payment.get("lines_of_business") if isinstance(payment, Mapping) else None
    if not isinstance(raw_lines, list) or not raw_lines:
        return PaymentMix((), None, ("no lines of business yet: add one under payment to see the metrics",))
    lines = tuple(_line(i, raw) for i, raw in enumerate(raw_lines))
    return PaymentMix(lines, _all_lines(lines))


def _line(index: int, raw: Any) -> LineMix:
    path = f"{LINES}[{index}]"
    notes: list[str] = []
    if not isinstance(raw, Mapping):
        raw = {}
    key = raw.get("line_of_business")
    label = _line_labels().get(key, f"Line of business {index + 1}") if isinstance(key, str) else \
        f"Line of business {index + 1}"
    total = _dollars_answer(raw.get("total_dollars"), f"{path}.total_dollars", notes)
    if total is None and "total_dollars" not in raw:
        notes.append(f"{path}.total_dollars: no total dollars yet, so no shares")
    entries = raw.get("arrangements") if isinstance(raw.get("arrangements"), list) else []
    counted = [_arrangement(f"{path}.arrangements[{j}]", entry, notes) for j, entry in enumerate(entries)]
    by_type: dict[str, Decimal] = {}
    for a in counted:
        if a.dollars is not None and a.reported_as is not None:
            by_type[a.reported_as] = by_type.get(a.reported_as, Decimal(0)) + a.dollars
    shared = tuple(_with_share(a, total) for a in counted)
    return _mix(key if isinstance(key, str) else "", label, path, _period(raw.get("reporting_period")), total,
                by_type, shared, notes)


def _all_lines(lines: tuple[LineMix, ...]) -> LineMix:
    by_type: dict[str, Decimal] = {}
    for line in lines:
        for a in line.arrangements:
            if a.dollars is not None and a.reported_as is not None:
                by_type[a.reported_as] = by_type.get(a.reported_as, Decimal(0)) + a.dollars
    contributing = [line for line in lines if line.total is not None or line.counted]
    lacking = [line.label for line in contributing if line.total is None]
    notes = [f"all lines: no shares until every line has its total dollars (missing: {', '.join(lacking)})"] \
        if lacking else []
    total = None if lacking or not contributing else sum((line.total for line in contributing), Decimal(0))
    if len({line.period for line in contributing if line.period}) > 1:
        notes.append("all lines: the lines report different periods (the workbook allows it; the sums mix them)")
    return _mix("all", "All lines of business", LINES, "", total, by_type, (), notes)


def _mix(key: str, label: str, path: str, period: str, total: Decimal | None, by_type: Mapping[str, Decimal],
         shared: tuple[ArrangementShare, ...], notes: list[str]) -> LineMix:
    kinds = arrangements()
    categories = {c: Decimal(0) for c in (1, 2, 3, 4)}
    for kind, dollars in by_type.items():
        categories[workbook_category(kinds[kind])] += dollars

    def row(metric: int | None, key: str, label: str, dollars: Decimal | None, counted_in: int | None = None,
            denominator: bool = False) -> MetricRow:
        return MetricRow(metric, key, label, dollars, None if denominator else _share(dollars, total), counted_in)

    rows = [row(TOTAL, "total", "Total dollars paid to providers", total, denominator=True)]
    for c, total_metric in CATEGORY_TOTALS.items():
        for kind in _subcategories()[c]:
            dollars = by_type.get(kind.key, Decimal(0))
            if kind.metric is not None:
                rows.append(row(kind.metric, kind.key, arrangement_label(kind), dollars))
            elif dollars:  # a refreshed-framework code: shown only when used
                rows.append(row(None, kind.key, arrangement_label(kind), dollars, counted_in=total_metric))
        name = "Legacy payments (Category 1)" if c == 1 else f"Category {c} total: {CATEGORY_NAMES[c]}"
        rows.append(row(total_metric, f"category_{c}", name, categories[c]))
    rows.append(row(DENOMINATOR, "denominator", "Denominator for the aggregated metrics", total, denominator=True))
    rows.append(row(CATEGORIES_2_4, "categories_2_4", "Payment reform penetration: Categories 2–4",
                    categories[2] + categories[3] + categories[4]))
    rows.append(row(CATEGORIES_3_4, "categories_3_4", "Payment reform in Categories 3–4",
                    categories[3] + categories[4]))
    counted = sum(by_type.values(), Decimal(0))
    if total is not None and total > counted:
        rows.append(row(None, "unassigned", "Not assigned to an arrangement", total - counted))
    return LineMix(key, label, path, period, total, counted, categories, tuple(rows), shared, tuple(notes))


def _arrangement(path: str, entry: Any, notes: list[str]) -> ArrangementShare:
    if not isinstance(entry, Mapping):
        entry = {}
    kinds = arrangements()
    kind = _known(entry.get("type"), kinds)
    stage = entry.get("stage") if isinstance(entry.get("stage"), str) else None
    launch = entry.get("launch_date") if isinstance(entry.get("launch_date"), str) else None
    if kind is None:
        notes.append(f"{path}.type: no arrangement type yet, so its dollars are not counted")
        return ArrangementShare(path, None, "(type not chosen)", None, None, None, "not counted: no type", stage,
                                launch, (f"{path}.type",))
    combined = entry.get("combined_with") if isinstance(entry.get("combined_with"), list) else []
    reported_as = max([kind, *(k for k in combined if _known(k, kinds))], key=dominance)
    dollars, basis, missing, sources = _counted_dollars(path, entry, notes)
    if reported_as != kind:
        basis += f"; reported under {kinds[reported_as].term.lower()} (the dominant arrangement)"
    return ArrangementShare(path, kind, arrangement_label(kinds[kind]), reported_as, dollars, None, basis, stage,
                            launch, missing, sources)


def _counted_dollars(path: str, entry: Mapping[str, Any], notes: list[str]) -> _Counted:
    """The dollars the workbook counts for one arrangement: (dollars, how counted, answers missing, from answers)."""
    if entry.get("annualized") is not True:
        dollars = _dollars_answer(entry.get("dollars"), f"{path}.dollars", notes)
        if dollars is not None:
            return dollars, "actual dollars paid", (), (f"{path}.dollars",)
        if entry.get("dollars") is None:
            notes.append(f"{path}.dollars: no dollars yet")
        return None, "not counted: no dollars", (f"{path}.dollars",), ()
    full_period = entry.get("contract_full_period")
    if full_period is not True:
        why = ("the contract was not in force the whole period" if full_period is False
               else "not yet said whether the contract was in force the whole period")
        notes.append(f"{path}: annualised dollars not counted: {why}; the workbook accepts annualising only for a "
                     "contract in force the whole period, otherwise the actual dollars paid")
        missing = () if full_period is False else (f"{path}.contract_full_period",)
        return None, "not counted: annualised without the contract in force all period", missing, ()
    daily = _dollars_answer(entry.get("daily_dollars"), f"{path}.daily_dollars", notes)
    days = entry.get("annualization_days")
    if daily is not None and isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= 366:
        return (daily * days, f"annualised: {money(daily)} a day × {days} days", (),
                (f"{path}.daily_dollars", f"{path}.annualization_days"))
    dollars = _dollars_answer(entry.get("dollars"), f"{path}.dollars", notes)
    if dollars is not None:
        return dollars, "annualised by the proposer", (), (f"{path}.dollars",)
    notes.append(f"{path}: annualised, but no dollars (or a day's dollars and the days) yet")
    return None, "not counted: no dollars", (f"{path}.daily_dollars", f"{path}.annualization_days"), ()


def _with_share(a: ArrangementShare, total: Decimal | None) -> ArrangementShare:
    return ArrangementShare(a.path, a.type, a.label, a.reported_as, a.dollars, _share(a.dollars, total), a.basis,
                            a.stage, a.launch_date, a.missing, a.sources)


# ---------------------------------------------------------------------------------------------------- helpers


@cache
def _subcategories() -> dict[int, tuple[Arrangement, ...]]:
    """The arrangements counted in each category, in workbook order (not the category total itself): the metrics
    table is built on every keystroke in the wizard, so this is worked out once."""
    return {c: tuple(k for k in arrangements().values() if workbook_category(k) == c and k.metric != total_metric)
            for c, total_metric in CATEGORY_TOTALS.items()}


def workbook_category(kind: Arrangement) -> int:
    """The original framework's category 1–4 the workbook counts an arrangement in (see the module docstring)."""
    return int(kind.category[0]) if kind.linked_to_quality else 1


def dominance(key: str) -> tuple[int, int]:
    """Sort key for the dominant-arrangement rule: higher category first, then the later (more advanced) code."""
    kinds = arrangements()
    return workbook_category(kinds[key]), list(kinds).index(key)


def arrangement_label(kind: Arrangement) -> str:
    return f"{kind.term} ({kind.category})"


def dollars_value(value: Any) -> Decimal | None:
    """A dollar answer as an exact Decimal (a float by its shortest repr, so 0.1 is 0.1); None if not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        d = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _dollars_answer(value: Any, path: str, notes: list[str]) -> Decimal | None:
    d = dollars_value(value)
    if value is not None and d is None:
        notes.append(f"{path}: not a number, so not counted")
    elif d is not None and d < 0:
        notes.append(f"{path}: negative dollars are not counted")
        return None
    return d


def _share(dollars: Decimal | None, total: Decimal | None) -> Decimal | None:
    if dollars is None or total is None or total <= 0:
        return None
    return dollars * _HUNDRED / total


def round_share(share: Decimal | None) -> Decimal | None:
    """A share to a tenth of a percent, as the metrics show it."""
    return None if share is None else _quantize(share, _TENTH)


def _quantize(d: Decimal, step: Decimal) -> Decimal:
    """`d` rounded half up to a multiple of `step`, however many digits that takes: the default context's 28 digits
    fail (InvalidOperation) on the share of a tiny total (1e-20 dollars) or a huge one, which a valid answer can be."""
    digits = max(d.adjusted(), 0) + 1 - step.as_tuple().exponent
    return d.quantize(step, rounding=ROUND_HALF_UP, context=Context(prec=max(getcontext().prec, digits)))


def money(dollars: Decimal | None) -> str:
    """$1,234 for whole dollars, $1,234.50 otherwise; an empty string for none."""
    if dollars is None:
        return ""
    if dollars == dollars.to_integral_value():
        return f"${dollars:,.0f}" if dollars >= 0 else f"-${-dollars:,.0f}"
    cents = _quantize(dollars, _CENT)
    return f"${cents:,.2f}" if cents >= 0 else f"-${-cents:,.2f}"


def percent(share: Decimal | None) -> str:
    """12.3% (one decimal, half up); an empty string for none."""
    return "" if share is None else f"{round_share(share)}%"


def json_number(d: Decimal | None) -> int | float | None:
    """A Decimal for JSON: an int when whole (exact), else the nearest float."""
    if d is None:
        return None
    return int(d) if d == d.to_integral_value() else float(d)


def _known(code: Any, kinds: Mapping[str, Arrangement]) -> str | None:
    """An arrangement code the toolkit knows, else None (answers may be any type mid-typing in the wizard)."""
    return code if isinstance(code, str) and code in kinds else None


def _period(raw: Any) -> str:
    if not isinstance(raw, Mapping):
        return ""
    basis = raw.get("basis")  # may be any type mid-typing in the wizard, e.g. a list: never a dict key then
    basis = {"calendar_year": "calendar year", "most_recent_12_months": "most recent 12 months"}.get(
        basis, "") if isinstance(basis, str) else ""
    start, end = raw.get("start"), raw.get("end")
    dates = f"{start} to {end}" if isinstance(start, str) and isinstance(end, str) else ""
    return ", ".join(part for part in (basis, dates) if part)


@cache
def _line_labels() -> dict[str, str]:
    line = proposal_schema()["properties"]["payment"]["properties"]["lines_of_business"]["items"]
    return dict(line["properties"]["line_of_business"]["x-enum-labels"])


def line_label(code: str) -> str:
    """A line of business as a person reads it ("Traditional Medicare" for traditional_medicare)."""
    return _line_labels().get(code, code)


# ---------------------------------------------------------------------------------------------------- text


def format_table(mix: PaymentMix, width: int = 80, worded: Callable[[str], str] = str) -> str:
    """The metrics as plain text for the CLI and the wizard: one block per line, then all lines together. The
    notes name answers by path for CI; the wizard passes `wording.note` to name them by place and question."""
    if mix.empty:
        return "\n".join(map(worded, mix.notes))
    blocks = [_format_line(line, width, worded) for line in mix.lines]
    if mix.all is not None and len(mix.lines) > 1:
        blocks.append(_format_line(mix.all, width, worded))
    return "\n\n".join(blocks)


def _format_line(line: LineMix, width: int, worded: Callable[[str], str]) -> str:
    money_width = max(len("Dollars"), *(len(r.dollars_text) for r in line.rows))
    label_width = max(12, width - money_width - 15)  # 15: the number (3), the share (6) and three 2-space gaps
    out = [inert(line.label) + (f" ({inert(line.period)})" if line.period else ""),
           f"{'#':>3}  {'Metric':<{label_width}}  {'Dollars':>{money_width}}  {'Share':>6}"]
    for r in line.rows:
        label = r.label if r.counted_in is None else f"{r.label}, in {r.counted_in}"
        if len(label) > label_width:
            label = label[: label_width - 1] + "…"
        out.append(f"{r.number:>3}  {label:<{label_width}}  {r.dollars_text:>{money_width}}  {r.share_text:>6}")
    for note in line.notes:
        out.extend(textwrap.wrap(inert(worded(note)), width, initial_indent="  note: ", subsequent_indent="        "))
    return "\n".join(line.rstrip() for line in out)
