"""What the rules require in each performance year (data/thresholds.yaml), read once per process.

`threshold(key, year)` gives the row in force for a performance year: its value, the paragraph that states it, the
rule that set it, and the texts of the regulation it was verified in (or why it could not be).
`performance_year(answers)` decides which year a proposal is evaluated for and says how it decided.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from apm_designer.resources import load_data
from apm_designer.rules.engine import MISSING, Answer, Answers, Text

YEAR = "metadata.performance_year"


@dataclass(frozen=True, slots=True)
class Source:
    """A text of the regulation a row was read in: which text and edition, when it was read, where."""

    key: str
    text: str
    read: str
    where: str

    def __str__(self) -> str:
        return f"{self.text} (read {self.read}; {self.where})"


@dataclass(frozen=True, slots=True)
class Threshold:
    key: str
    title: str
    unit: str
    value: Any  # a number, a yes/no, a list of options; None: no such limit that year
    first: int
    last: int | None  # None: every later year the table covers
    citation: str
    set_by: str
    verified: tuple[Source, ...]  # the texts the value was read in; () when it could not be
    why_unverified: str = ""
    note: str = ""
    asks: str = ""  # the answer path of the question the row counts, when it counts one (asked only in its years)
    counts: str = ""  # what that question counts, in words

    def covers(self, year: int) -> bool:
        return self.first <= year and (self.last is None or year <= self.last)

    @property
    def years(self) -> str:
        return f"{self.first}" if self.last == self.first else f"{self.first}–{self.last or ''}"

    @property
    def is_verified(self) -> bool:
        return bool(self.verified)


@dataclass(frozen=True, slots=True)
class Table:
    first_year: int
    last_year: int
    thresholds: dict[str, tuple[Threshold, ...]]
    sources: dict[str, Source]


@dataclass(frozen=True, slots=True)
class Year:
    """The performance year a proposal is evaluated for, and the table year whose thresholds apply."""

    year: int
    table_year: int
    note: Text = field(default_factory=Text)  # says why table_year is not the proposal's own answer, when it is not

    def clause(self) -> Text:
        return Text(" (", self.note, ")") if self.note else Text()


@cache
def table() -> Table:
    raw = load_data("thresholds.yaml")
    sources = {key: Source(key, s["text"], str(s["read"]), s["where"]) for key, s in raw["sources"].items()}
    thresholds = {key: tuple(_row(key, spec, row, sources) for row in spec["rows"])
                  for key, spec in raw["thresholds"].items()}
    return Table(raw["first_year"], raw["last_year"], thresholds, sources)


def _row(key: str, spec: dict[str, Any], row: dict[str, Any], sources: dict[str, Source]) -> Threshold:
    verified = row["verified"]
    if verified is False:
        if not row.get("why_unverified"):
            raise ValueError(f"thresholds.yaml: {key} from {row['from']}: verified: false needs why_unverified")
        read: tuple[Source, ...] = ()
    else:
        read = tuple(sources[k] for k in ([verified] if isinstance(verified, str) else verified))
        if not read:
            raise ValueError(f"thresholds.yaml: {key} from {row['from']}: verified names no source")
    return Threshold(key, spec["title"], spec["unit"], row["value"], row["from"], row.get("to"), row["citation"],
                     row["set_by"], read, row.get("why_unverified", ""), row.get("note", ""), row.get("asks", ""),
                     row.get("counts", ""))


def threshold(key: str, year: int) -> Threshold:
    """The row of threshold `key` in force in `year` (a year outside the table takes its nearest end)."""
    t = table()
    year = min(max(year, t.first_year), t.last_year)
    return next(row for row in t.thresholds[key] if row.covers(year))


@cache
def questions() -> dict[str, str]:
    """The questions some years' rows ask (answer path -> threshold key): each is asked only in those years."""
    return {row.asks: key for key, rows in table().thresholds.items() for row in rows if row.asks}


def whole_year(value: Any) -> int | None:
    """A performance year as a whole number: 2018 for 2018 or 2018.0 (JSON Schema's integer accepts both, so both
    mean the same year everywhere); None for anything else (2018.5, text, a boolean, infinity)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return None
    return int(value)


def performance_year(answers: Answers) -> Year:
    """The proposal's performance year; the table's latest year when it has none, saying so either way."""
    return answers.memo("performance_year", lambda: _performance_year(answers))


def _performance_year(answers: Answers) -> Year:
    t = table()
    given = answers[YEAR]
    year = whole_year(given)
    if year is None:
        note = (Text("no ", Answer(YEAR), " given") if given is MISSING
                else Text(Answer(YEAR, given), " is not a whole year"))
        return Year(t.last_year, t.last_year, note + f": using {t.last_year}, the latest year in the table")
    if year > t.last_year:
        return Year(year, t.last_year, Text(Answer(YEAR, given), f" is past the thresholds table, which ends in "
                                            f"{t.last_year}: using {t.last_year}'s thresholds, the latest set by rule"))
    if year < t.first_year:
        return Year(year, t.first_year, Text(Answer(YEAR, given), " is before the Quality Payment Program began in "
                                             f"{t.first_year}: using {t.first_year}'s thresholds"))
    return Year(year, year)
