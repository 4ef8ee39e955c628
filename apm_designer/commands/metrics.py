"""`apm-designer metrics PATH... [--format text|json|csv]`: the LAN workbook's payment-mix metrics for each file.

Each file is loaded and validated first; an invalid or unreadable one is reported exactly as `validate` reports
it and gets no metrics. The payment cross-checks (rules labelled "payment") are shown as located warnings; they
do not change the exit code, which `evaluate --fail-on warning` is for. With --format csv the CSV goes to stdout
and problems to stderr, so the CSV stays machine-readable.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import TextIO

from apm_designer.batch import FileResult, exit_code, load_and_validate
from apm_designer.commands.validate import summary, write_result
from apm_designer.document import Document, iter_proposal_files
from apm_designer.metrics import CSV_HEADER, PaymentMix, compute, format_table
from apm_designer.problems import Problem
from apm_designer.wizard import parse_dotted


def run(args: argparse.Namespace) -> int:
    out, fmt = sys.stdout, args.format
    results: list[FileResult] = []
    files: list[dict[str, object]] = []
    table = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
    if table:
        table.writerow(["file", *CSV_HEADER])
    for display, path in iter_proposal_files(args.paths):
        result, doc = load_and_validate(display, path)
        results.append(result)
        mix = compute(doc.data) if doc is not None and result.ok else None
        warnings = payment_warnings(doc) if doc is not None and mix is not None else []
        if fmt == "json":
            files.append({"path": result.path, "status": result.status, "reason": result.reason or None,
                          "problems": [p.as_json() for p in result.problems],
                          "metrics": mix.as_json() if mix else None, "warnings": [w.as_json() for w in warnings]})
        elif table:
            write_result(result, "text", sys.stderr)
            if mix is not None:
                table.writerows([display, *row] for row in mix.csv_rows())
            _write_problems(warnings, sys.stderr)
        else:
            write_result(result, "text", out)
            if mix is not None:
                _write_text(display, mix, warnings, out)
    if fmt == "json":
        status = "error" if any(r.status == "unreadable" for r in results) else (
            "ok" if all(r.ok for r in results) else "invalid")
        json.dump({"status": status, "summary": summary(results), "files": files}, out, indent=2)
        out.write("\n")
    else:
        (sys.stderr if table else out).write(summary(results) + "\n")
    return exit_code(results)


def payment_warnings(doc: Document) -> list[Problem]:
    """The payment cross-checks that found a problem, as warnings located at the first answer each names."""
    import apm_designer.rules.payment  # noqa: F401  (registers the payment rules)
    from apm_designer.rules.engine import REGISTRY, Answers

    answers = Answers(doc.data)
    warnings = []
    for rule in REGISTRY:
        if rule.label != "payment":
            continue
        finding = rule.run(answers)
        if finding.status == "not_met":
            line, col = doc.locate(parse_dotted(finding.fields[0])) if finding.fields else (1, 1)
            warnings.append(Problem(doc.path, line, col, finding.explanation, finding.rule_id, "warning"))
    return warnings


def _write_text(display: str, mix: PaymentMix, warnings: list[Problem], out: TextIO) -> None:
    out.write(f"{display}: payment mix by the LAN National APM Data Collection workbook\n\n")
    out.write(format_table(mix) + "\n\n")
    _write_problems(warnings, out)


def _write_problems(problems: list[Problem], out: TextIO) -> None:
    for problem in problems:
        out.write(problem.text() + "\n")
