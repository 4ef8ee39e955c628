"""`apm-designer metrics PATH... [--format text|json|csv]`: the LAN workbook's payment-mix metrics for each file.

Each file is loaded and validated first; an invalid or unreadable one is reported exactly as `validate` reports
it and gets no metrics. The payment cross-checks (rules labelled "payment") are shown as warnings located where
`evaluate` locates them; they do not change the exit code, which `evaluate --fail-on warning` is for. With
--format csv the CSV goes to stdout and problems to stderr, so the CSV stays machine-readable. A big batch is
computed in worker processes (`batch.run_batch`) and reported in input order as results come in.
"""

from __future__ import annotations

import argparse
import csv
import functools
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from apm_designer.batch import FileResult, exit_code, load_and_validate, run_batch
from apm_designer.commands.evaluate import located_warnings
from apm_designer.commands.validate import summary, write_result
from apm_designer.document import Document, UnreadableFile, iter_proposal_files
from apm_designer.metrics import CSV_HEADER, PaymentMix, compute, format_table
from apm_designer.problems import Problem, inert, json_text
from apm_designer.rules.engine import REGISTRY, Answers  # its rules registered by importing evaluate's


def run(args: argparse.Namespace) -> int:
    out, fmt = sys.stdout, args.format
    results: list[FileResult] = []
    files: list[dict[str, Any]] = []
    if fmt == "csv":
        csv.writer(out, lineterminator="\n").writerow(["file", *CSV_HEADER])
    found = list(iter_proposal_files(args.paths))
    for report in run_batch(found, functools.partial(report_file, fmt=fmt)):  # workers for a big batch, in order
        results.append(report.result)
        if report.entry is not None:
            files.append(report.entry)
        out.write(report.out)
        sys.stderr.write(report.err)
    if fmt == "json":
        status = "error" if any(r.status == "unreadable" for r in results) else (
            "ok" if all(r.ok for r in results) else "invalid")
        out.write(json_text({"status": status, "summary": summary(results), "files": files}) + "\n")
    else:
        (sys.stderr if fmt == "csv" else out).write(summary(results) + "\n")
    return exit_code(results)


@dataclass(frozen=True)
class FileReport:
    """One file's part of the report, made where the file is computed (maybe a worker process): small, picklable."""

    result: FileResult
    out: str  # its text report, or its CSV rows
    err: str  # with csv: its problems and warnings, after its rows
    entry: dict[str, Any] | None  # its object in a json report


def report_file(item: tuple[str, Path | UnreadableFile], fmt: str) -> FileReport:
    display, path = item
    result, doc = load_and_validate(display, path)
    mix = compute(doc.data) if doc is not None and result.ok else None
    warnings = payment_warnings(doc) if doc is not None and mix is not None else []
    if fmt == "json":
        return FileReport(result, "", "", {
            "path": result.path, "status": result.status, "reason": result.reason or None,
            "problems": [p.as_json() for p in result.problems],
            "metrics": mix.as_json() if mix else None, "warnings": [w.as_json() for w in warnings]})
    out, err = io.StringIO(), io.StringIO()
    if fmt == "csv":
        write_result(result, "text", err)  # a file with metrics is valid: nothing here, so its rows still come first
        if mix is not None:
            csv.writer(out, lineterminator="\n").writerows([inert(str(cell)) for cell in (display, *row)]
                                                            for row in mix.csv_rows())
        _write_problems(warnings, err)
    else:
        write_result(result, "text", out)
        if mix is not None:
            _write_text(display, mix, warnings, out)
    return FileReport(result, out.getvalue(), err.getvalue(), None)


def payment_warnings(doc: Document) -> list[Problem]:
    """The payment cross-checks that found a problem, located as `evaluate` locates its warnings."""
    answers = Answers(doc.data)
    return located_warnings(doc, [f for f in (r.run(answers) for r in REGISTRY if r.label == "payment")
                                  if f.is_warning])


def _write_text(display: str, mix: PaymentMix, warnings: list[Problem], out: TextIO) -> None:
    out.write(f"{inert(display)}: payment mix by the LAN National APM Data Collection workbook\n\n")
    out.write(format_table(mix) + "\n\n")
    _write_problems(warnings, out)


def _write_problems(problems: list[Problem], out: TextIO) -> None:
    for problem in problems:
        out.write(problem.text() + "\n")
