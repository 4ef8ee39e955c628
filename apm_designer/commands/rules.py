"""`apm-designer rules [--format text|json|markdown]`: every rule the evaluator applies, with its label and citation,
and every year-dependent threshold and criterion row (data/thresholds.yaml): its years, value, the paragraph that
states it, the final rule that set it, and the regulation texts it was verified in (or why it could not be).

The Markdown is the README's rule table: a test checks the README holds exactly what this prints.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import Any

from apm_designer.rules import REGISTRY
from apm_designer.rules.engine import LABEL_NAMES
from apm_designer.rules.other_payer import LINE_RULES
from apm_designer.rules.thresholds import Threshold, table

RULES = (*REGISTRY, *LINE_RULES)  # the proposal's rules, then those run on each other payer's line of business


def run(args: argparse.Namespace) -> int:
    print({"json": as_json, "markdown": as_markdown}.get(args.format, as_text)(), end="")
    return 0


def value(row: Threshold) -> str:
    """A row's value as a person reads it: 75%, yes, the options listed, or none."""
    v = row.value
    if v is None:
        return "none (no limit)"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, list):
        return ", ".join(map(str, v))
    said = f"{v:g}%" if row.unit.startswith("percent") else f"{v:g}"
    return f"{said} (counted over {row.counts})" if row.counts else said


def verification(row: Threshold) -> str:
    """The sources (keys of the table's `sources`) the row was read in, or why it could not be."""
    if row.is_verified:
        return "verified in " + ", ".join(s.key for s in row.verified)
    return f"UNVERIFIED: {row.why_unverified}"


def as_json() -> str:
    t = table()
    out: dict[str, Any] = {
        "rules": [{"id": r.id, "label": r.label, "title": r.title, "citation": r.citation} for r in RULES],
        "first_year": t.first_year, "last_year": t.last_year,
        "thresholds": {key: {"title": rows[0].title, "unit": rows[0].unit, "rows": [_row_json(r) for r in rows]}
                       for key, rows in t.thresholds.items()},
        "sources": {s.key: {"text": s.text, "read": s.read, "where": s.where} for s in t.sources.values()},
    }
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


def _row_json(row: Threshold) -> dict[str, Any]:
    return {"from": row.first, "to": row.last, "value": row.value, "asks": row.asks or None,
            "counts": row.counts or None, "citation": row.citation, "set_by": row.set_by,
            "verified": [s.key for s in row.verified] if row.is_verified else False,
            "why_unverified": row.why_unverified or None, "note": row.note or None}


def as_text() -> str:
    t = table()
    lines = [f"Rules ({len(RULES)})"]
    for r in RULES:
        lines.append(f"  {r.id:<26}{LABEL_NAMES[r.label]:<28}{r.title}")
        lines.append(f"  {'':<54}{r.citation}")
    lines += ["", f"Year-dependent thresholds and criteria, {t.first_year}-{t.last_year} (data/thresholds.yaml)"]
    for key, rows in t.thresholds.items():
        lines.append(f"  {key}: {rows[0].title} ({rows[0].unit})")
        for row in rows:
            lines.append(f"    {row.years:<11}{value(row)}")
            for said in (f"{row.citation}; set by {row.set_by}", verification(row)):
                lines += textwrap.wrap(said, 110, initial_indent=" " * 15, subsequent_indent=" " * 17)
    lines += ["", "Sources read"]
    for source in t.sources.values():
        lines += textwrap.wrap(f"{source.key}: {source}", 110, initial_indent="  ", subsequent_indent="    ")
    return "\n".join(lines) + "\n"


def as_markdown() -> str:
    t = table()
    lines = ["| rule | label | checks | citation |", "| --- | --- | --- | --- |"]
    lines += [f"| `{r.id}` | {LABEL_NAMES[r.label]} | {_cell(r.title)} | {_cell(r.citation)} |" for r in RULES]
    lines += ["", "| threshold or criterion | years | value | paragraph | set by | verified |",
              "| --- | --- | --- | --- | --- | --- |"]
    for rows in t.thresholds.values():
        for row in rows:
            checked = verification(row).removeprefix("verified in ").replace("UNVERIFIED:", "**no**:")
            lines.append(f"| {_cell(row.title)} | {row.years} | {_cell(value(row))} | {row.citation} | "
                         f"{_cell(row.set_by)} | {_cell(checked)} |")
    lines += ["", "Sources read:", ""]
    lines += [f"- `{s.key}`: {_cell(str(s))}" for s in t.sources.values()]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
