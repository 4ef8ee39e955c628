"""`apm-designer validate PATH...`: schema problems for every proposal file, located at file:line:col."""

from __future__ import annotations

import argparse
import sys

from apm_designer.batch import FileResult, check_file, exit_code, run_batch
from apm_designer.document import iter_proposal_files
from apm_designer.problems import annotation, inert, json_text
from apm_designer.progress import tracking


def run(args: argparse.Namespace) -> int:
    out = sys.stdout
    results: list[FileResult] = []
    files = list(iter_proposal_files(args.paths))
    with tracking(len(files), "Validating", out) as bar:
        for result in run_batch(files, check_file):  # in worker processes for a big batch, in order
            results.append(result)
            if args.format != "json":
                write_result(result, args.format, bar.out)
            bar.advance()
    if args.format == "json":
        out.write(json_text(as_json(results)) + "\n")
    else:
        out.write(summary(results) + "\n")
    return exit_code(results)


def write_result(result: FileResult, fmt: str, out) -> None:
    if result.status == "unreadable":
        if fmt == "github":  # no line or column to give, so not a Problem; escaped the same way
            out.write(annotation("error", result.reason, file=result.path, title="unreadable") + "\n")
        else:
            out.write(f"{inert(result.path)}: error: {inert(result.reason)} [unreadable]\n")
        return
    for problem in result.problems:
        out.write((problem.github() if fmt == "github" else problem.text()) + "\n")


def summary(results: list[FileResult]) -> str:
    n = len(results)
    valid = sum(r.ok for r in results)
    invalid = sum(r.status == "invalid" for r in results)
    unreadable = n - valid - invalid
    problems = sum(len(r.problems) for r in results)
    parts = [f"{valid} valid", f"{invalid} invalid ({problems} problem{'s' * (problems != 1)})"]
    if unreadable:
        parts.append(f"{unreadable} unreadable")
    return f"checked {n} file{'s' * (n != 1)}: " + ", ".join(parts)


def as_json(results: list[FileResult]) -> dict[str, object]:
    status = "error" if any(r.status == "unreadable" for r in results) else (
        "ok" if all(r.ok for r in results) else "invalid")
    return {
        "status": status,
        "summary": summary(results),
        "files": [{"path": r.path, "status": r.status, "reason": r.reason or None,
                   "problems": [p.as_json() for p in r.problems]} for r in results],
    }
