"""`apm-designer evaluate PATH... [--format text|json|github] [--expect LABEL]... [--fail-on error|warning]`.

Each file is loaded and validated first; an unreadable or invalid file is reported exactly as `validate` reports it
and is not evaluated (a schema-valid draft is). A valid file gets its classifications (APM, Advanced APM, PFPM,
MIPS APM, LAN category), the findings behind them grouped by label, and the warnings of the consistency and
payment checks, each located at the line of the first answer it names.

Gates, so CI can hold a proposal to what it claims: `--expect LABEL` (repeatable) fails unless the proposal is
classified as LABEL (verdict "yes"); `--expect other-payer-advanced-apm` fails unless every line of business but
Traditional Medicare is an Other Payer Advanced APM, and `--expect other-payer-advanced-apm=medicaid` (or
`=medicare-advantage`, `=commercial`) unless that payer's line is (and there is one); `--fail-on warning` fails
when a proposal has any warning. Exit codes: 0 all good, 1 a file is invalid or a gate failed, 2 a file could not
be read.

`--format json` writes one object:

    {"status": "ok" | "invalid" | "failed" | "error",      # error: unreadable; failed: a gate failed
     "summary": "checked 2 files: ...",
     "files": [{"path": ..., "status": "valid" | "invalid" | "unreadable", "reason": null | "...",
                "problems": [Problem],                       # schema problems of an invalid file
                "warnings": [Problem],                       # located warnings (severity "warning")
                "gates": [{"gate": "expect advanced-apm", "passed": true, "reason": "..."}],
                "evaluation": null | Evaluation.as_json()}]} # performance_year, verdicts, findings, warnings, ptac

A Problem is {"path", "line", "col", "message", "code", "severity"}; a warning's code is its rule id.
`--format github` writes workflow annotations: `::warning` for warnings, `::error` for schema problems and failed
gates, plus one plain summary line per file.
"""

from __future__ import annotations

import argparse
import functools
import io
import sys
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from apm_designer.batch import FileResult, exit_code, load_and_validate, run_batch
from apm_designer.commands.validate import summary, write_result
from apm_designer.document import Document, UnreadableFile, iter_proposal_files
from apm_designer.problems import Problem, inert, json_text
from apm_designer.progress import tracking
from apm_designer.rules import Evaluation, evaluate
from apm_designer.rules.engine import CLASSIFICATIONS, LABEL_NAMES, Finding, Verdict
from apm_designer.wizard import parse_dotted

WIDTH = 100
STATUS = {"met": "met", "not_met": "not met", "unknown": "unknown"}


@dataclass(frozen=True)
class Gate:
    name: str  # "expect advanced-apm" or "fail-on warning"
    passed: bool
    reason: str
    problem: Problem  # where a failure is reported

    def as_json(self) -> dict[str, Any]:
        return {"gate": self.name, "passed": self.passed, "reason": self.reason}


def run(args: argparse.Namespace) -> int:
    out, fmt = sys.stdout, args.format
    results: list[FileResult] = []
    files: list[dict[str, Any]] = []
    failed = 0
    found = list(iter_proposal_files(args.paths))
    work = functools.partial(report_file, fmt=fmt, expect=tuple(args.expect), fail_on=args.fail_on)
    with tracking(len(found), "Evaluating", out) as bar:
        for report in run_batch(found, work):  # in worker processes for a big batch, in order
            results.append(report.result)
            failed += report.failed_gates
            if report.entry is not None:
                files.append(report.entry)
            bar.out.write(report.text)
            bar.advance()
    total = summary(results) + (f"; {failed} gate{'s' * (failed != 1)} failed" if failed else "")
    if fmt == "json":
        status = "error" if any(r.status == "unreadable" for r in results) else (
            "invalid" if any(r.status == "invalid" for r in results) else ("failed" if failed else "ok"))
        out.write(json_text({"status": status, "summary": total, "files": files}) + "\n")
    else:
        out.write(total + "\n")
    return exit_code(results, failed_checks=failed > 0)


@dataclass(frozen=True)
class FileReport:
    """One file's part of the report, made where the file is evaluated (maybe a worker process): small and picklable."""

    result: FileResult
    failed_gates: int
    text: str  # its lines in a text or github report
    entry: dict[str, Any] | None  # its object in a json report


def report_file(item: tuple[str, Path | UnreadableFile], fmt: str, expect: tuple[str, ...],
                fail_on: str) -> FileReport:
    display, path = item
    result, doc = load_and_validate(display, path)
    ev = evaluate(doc.data) if doc is not None and result.ok else None
    warnings = located_warnings(doc, ev.warnings) if doc is not None and ev is not None else []
    gates = check_gates(doc, ev, warnings, list(expect), fail_on) if doc is not None and ev else []
    failed = sum(not g.passed for g in gates)
    if fmt == "json":
        return FileReport(result, failed, "", {
            "path": result.path, "status": result.status, "reason": result.reason or None,
            "problems": [p.as_json() for p in result.problems], "warnings": [w.as_json() for w in warnings],
            "gates": [g.as_json() for g in gates], "evaluation": ev.as_json() if ev else None})
    text = io.StringIO()
    write_result(result, fmt, text)
    if doc is not None and ev is not None:
        (write_github if fmt == "github" else write_text)(doc, ev, warnings, gates, text)
    return FileReport(result, failed, text.getvalue(), None)


# ---------------------------------------------------------------------------------------------------- locating


def locate(doc: Document, fields: tuple[str, ...]) -> tuple[int, int]:
    """The line and column of the first answer named (of its nearest given ancestor if it is missing)."""
    return doc.locate(parse_dotted(fields[0]), key=True) if fields else (1, 1)


def located_warnings(doc: Document, warnings: Iterable[Finding]) -> list[Problem]:
    """Warning findings as Problems, each at the key of the first answer it names (`metrics` uses this too)."""
    return [Problem(doc.path, *locate(doc, f.fields), f.explanation, f.rule_id, "warning") for f in warnings]


def check_gates(doc: Document, ev: Evaluation, warnings: list[Problem], expect: list[str],
                fail_on: str) -> list[Gate]:
    gates = []
    for name in dict.fromkeys(expect):
        if name.startswith("other-payer-advanced-apm"):
            gates.append(other_payer_gate(doc, ev, name))
            continue
        label = name.replace("-", "_")
        v = ev.verdicts[label]
        passed = v.value == "yes"
        reason = f"{LABEL_NAMES[label]}: {v.value}" + ("" if passed else f" ({v.reason})")
        fields = v.needs or tuple(p for f in ev.findings if f.rule_id in v.rule_ids for p in f.fields)
        problem = Problem(doc.path, *locate(doc, fields), f"expected {LABEL_NAMES[label]}, but it is {v.value}: "
                          f"{v.reason}", f"expect {name}")
        gates.append(Gate(f"expect {name}", passed, reason, problem))
    if fail_on == "warning":
        n = len(warnings)
        first = (warnings[0].line, warnings[0].col) if warnings else (1, 1)
        gates.append(Gate("fail-on warning", n == 0, f"{n} warning{'s' * (n != 1)}",
                          Problem(doc.path, *first, f"{n} warning{'s' * (n != 1)} with --fail-on warning",
                                  "fail-on warning")))
    return gates


def other_payer_gate(doc: Document, ev: Evaluation, name: str) -> Gate:
    """`expect other-payer-advanced-apm[=LINE]`: passes when every line judged (of that line of business) is yes."""
    _, _, wanted = name.partition("=")
    judged = [j for j in ev.other_payers if not wanted or j.line_of_business == wanted.replace("-", "_")]
    failing = [j for j in judged if j.verdict.value != "yes"]
    if not judged:
        which = f"no {wanted} line of business" if wanted else "no line of business but Traditional Medicare"
        return Gate(f"expect {name}", False, f"Other Payer Advanced APM: {which}",
                    Problem(doc.path, *locate(doc, ("payment.lines_of_business",)), f"expected an Other Payer "
                            f"Advanced APM, but the payment has {which}", f"expect {name}"))
    said = "; ".join(f"{j.path} ({j.line_of_business}): {j.verdict.value}" +
                     ("" if j.verdict.value == "yes" else f" ({j.verdict.reason})") for j in judged)
    first = failing[0] if failing else judged[0]
    fields = first.verdict.needs or tuple(p for f in first.findings if f.rule_id in first.verdict.rule_ids
                                          for p in f.fields) or (first.path,)
    problem = Problem(doc.path, *locate(doc, fields), f"expected an Other Payer Advanced APM, but {first.path} "
                      f"({first.line_of_business}) is {first.verdict.value}: {first.verdict.reason}", f"expect {name}")
    return Gate(f"expect {name}", not failing, f"Other Payer Advanced APM: {said}", problem)


# ---------------------------------------------------------------------------------------------------- text


def verdict_value(v: Verdict) -> str:
    if v.label == "lan" and v.category:
        return f"Category {v.category}"
    return v.value


def wrap(text: str, indent: str, more: str | None = None) -> list[str]:
    """`text` (inert: it may quote answers) in lines of at most WIDTH, the first indented by `indent`, the others by
    `more`."""
    text, more = inert(text), indent if more is None else more
    # isprintable: no whitespace but the plain space (nor control characters), which textwrap treats specially
    if not text or text[0] == " " or text[-1] == " " or "  " in text or not text.isprintable():
        return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=more, break_on_hyphens=False,
                             break_long_words=False)
    # What textwrap.wrap makes of words joined by single spaces, with these settings: a line takes words while they
    # fit, and a word longer than a line gets a line of its own. By hand it costs a tenth (reports wrap a lot).
    lines: list[str] = []
    words: list[str] = []
    room, size = WIDTH - len(indent), -1
    for word in text.split(" "):
        if words and size + 1 + len(word) > room:
            lines.append(indent + " ".join(words))
            indent, room, words, size = more, WIDTH - len(more), [], -1
        words.append(word)
        size += 1 + len(word)
    lines.append(indent + " ".join(words))
    return lines


def write_text(doc: Document, ev: Evaluation, warnings: list[Problem], gates: list[Gate], out: TextIO) -> None:
    title = doc.data.get("metadata", {}).get("title", "")
    lines = [f"{inert(doc.path)}: {inert(str(title))} (performance year {ev.performance_year})"]
    if ev.year_note:
        lines += wrap(f"note: {ev.year_note}", "  ")
    width = max(len(LABEL_NAMES[label]) for label in CLASSIFICATIONS)
    for label in CLASSIFICATIONS:
        v = ev.verdicts[label]
        lines.append(f"  {LABEL_NAMES[label]:<{width}}  {verdict_value(v)}")
        lines += wrap(v.reason, "      ")  # an undetermined verdict's reason names the answers it needs
    lines += other_payer_verdicts(ev)
    for label in CLASSIFICATIONS:
        lines += ["", f"  {LABEL_NAMES[label]} findings"]
        lines += [line for f in ev.findings_for(label) for line in _finding_lines(f)]
    for judged in ev.other_payers:
        lines += ["", f"  Other Payer Advanced APM findings, {judged.path} ({judged.line_of_business})"]
        lines += [line for f in judged.findings for line in _finding_lines(f)]
    # The checks' passes are noise in a report: their problems are the warnings, and what they still need is here.
    undecided = [f for f in ev.findings if f.label not in CLASSIFICATIONS and f.status == "unknown"]
    if undecided:
        lines += ["", "  Checks still needing answers"]
        lines += [line for f in undecided for line in _finding_lines(f)]
    lines += ["", f"  Warnings ({len(warnings)})" if warnings else "  No warnings"]
    lines += [line for w in warnings for line in wrap(w.text(), "    ", "        ")]
    for g in gates:
        lines += wrap(f"{g.name}: {'passed' if g.passed else 'FAILED'} ({g.reason})", "  ", "      ")
    out.write("\n".join(lines) + "\n\n")


def other_payer_verdicts(ev: Evaluation) -> list[str]:
    """Each line of business but Traditional Medicare: its Other Payer Advanced APM verdict and why."""
    if not ev.other_payers:
        return []
    lines = ["", "  Other Payer Advanced APM (42 CFR 414.1420), by line of business"]
    for judged in ev.other_payers:
        lines.append(f"    {judged.path} ({judged.line_of_business})  {judged.verdict.value}")
        lines += wrap(judged.verdict.reason, "        ")
    return lines


def _finding_lines(f: Finding) -> list[str]:
    head = f"[{STATUS[f.status]}] {f.rule_id}: {f.title} [{f.citation}]"
    return [*wrap(head, "    ", "        "), *wrap(f.explanation, "        ")]


# ---------------------------------------------------------------------------------------------------- github


def write_github(doc: Document, ev: Evaluation, warnings: list[Problem], gates: list[Gate], out: TextIO) -> None:
    verdicts = ", ".join(f"{LABEL_NAMES[label]}: {verdict_value(ev.verdicts[label])}" for label in CLASSIFICATIONS)
    if ev.other_payers:
        verdicts += ", Other Payer Advanced APM: " + ", ".join(f"{j.line_of_business} {j.verdict.value}"
                                                                for j in ev.other_payers)
    out.write(f"{inert(doc.path)}: {inert(verdicts)}\n")
    for w in warnings:
        out.write(w.github() + "\n")
    for g in gates:
        if not g.passed:
            out.write(g.problem.github() + "\n")
