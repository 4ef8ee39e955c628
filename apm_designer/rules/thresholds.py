"""The year-dependent Advanced APM thresholds (data/thresholds.yaml), read once per process.

`threshold(key, year)` gives the value in force for a performance year with the citation of the rule that set it.
`performance_year(answers)` decides which year a proposal is evaluated for and says how it decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from apm_designer.resources import load_data
from apm_designer.rules.engine import Answers

YEAR = "metadata.performance_year"


@dataclass(frozen=True, slots=True)
class Threshold:
    key: str
    title: str
    unit: str
    value: float | None  # None: no such limit that year
    first: int
    last: int | None  # None: every later year the table covers
    citation: str
    set_by: str
    note: str = ""
    verified: str | bool = False  # the source the value was checked against (with its edition or date), or False
    unverified_why: str = ""  # when not verified: why not

    def covers(self, year: int) -> bool:
        return self.first <= year and (self.last is None or year <= self.last)


@dataclass(frozen=True, slots=True)
class Table:
    first_year: int
    last_year: int
    thresholds: dict[str, tuple[Threshold, ...]]


@dataclass(frozen=True, slots=True)
class Year:
    """The performance year a proposal is evaluated for, and the table year whose thresholds apply."""

    year: int
    table_year: int
    note: str = ""  # says why table_year is not the proposal's own answer, when it is not

    def clause(self) -> str:
        return f" ({self.note})" if self.note else ""


@cache
def table() -> Table:
    raw = load_data("thresholds.yaml")
    thresholds = {
        key: tuple(Threshold(key, spec["title"], spec["unit"], row["value"], row["from"], row.get("to"),
                             row["citation"], row["set_by"], row.get("note", ""), row.get("verified", False),
                             row.get("unverified_why", "")) for row in spec["rows"])
        for key, spec in raw["thresholds"].items()
    }
    return Table(raw["first_year"], raw["last_year"], thresholds)


def threshold(key: str, year: int) -> Threshold:
    """The row of threshold `key` in force in `year` (a year outside the table takes its nearest end)."""
    t = table()
    year = min(max(year, t.first_year), t.last_year)
    return next(row for row in t.thresholds[key] if row.covers(year))


def performance_year(answers: Answers) -> Year:
    """The proposal's performance year; the table's latest year when it has none, saying so either way."""
    t = table()
    given = answers[YEAR]
    if not isinstance(given, int) or isinstance(given, bool):
        return Year(t.last_year, t.last_year, f"no {YEAR} given: using {t.last_year}, the latest year in the table")
    if given > t.last_year:
        return Year(given, t.last_year, f"{YEAR} = {given} is past the thresholds table, which ends in "
                    f"{t.last_year}: using {t.last_year}'s thresholds, the latest set by rule")
    if given < t.first_year:
        return Year(given, t.first_year, f"{YEAR} = {given} is before the Quality Payment Program began in "
                    f"{t.first_year}: using {t.first_year}'s thresholds")
    return Year(given, given)
