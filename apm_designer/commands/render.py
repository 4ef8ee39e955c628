"""`apm-designer render PATH... [-o OUT] [--allow-invalid] [--layout proposal|ptac] [--format markdown|html]`:
proposals as a document a reviewer reads on its own.

One proposal goes to stdout or to the file `-o` names; several need `-o FOLDER` and get one file each, named after
the proposal: `<name>.md`, `<name>.ptac.md` for the PTAC layout, `.html` for HTML.
A proposal that does not validate is refused with its located problems (exit 1) unless `--allow-invalid`, which
renders it with a banner listing them (and then counts it as rendered, exit 0). A file that cannot be loaded at
all (bad YAML: exit 1; missing or unreadable: exit 2) is never rendered. Problems go to stderr, so stdout stays the
Markdown. Files are written atomically. A big batch is rendered and written in worker processes
(`batch.run_batch`), each file by one worker, and reported here in input order.
"""

from __future__ import annotations

import argparse
import functools
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apm_designer.batch import FileResult, exit_code, load_and_validate, run_batch
from apm_designer.commands.validate import write_result
from apm_designer.document import iter_proposal_files, write_atomic
from apm_designer.problems import Problem
from apm_designer.progress import tracking


def run(args: argparse.Namespace) -> int:
    files = list(iter_proposal_files(args.paths))
    target = Path(args.output) if args.output else None
    to_folder = target is not None and (len(files) > 1 or target.is_dir() or args.output.endswith(("/", "\\")))
    if len(files) > 1 and target is None:
        return _usage(f"{len(files)} proposals to render: give -o FOLDER to write one Markdown file for each")
    if to_folder and target is not None and target.exists() and not target.is_dir():
        return _usage(f"{args.output}: is a file; -o needs a folder for several proposals")
    if not files:
        return _usage("no *.yaml or *.yml proposals found in " + ", ".join(args.paths))
    suffix = output_suffix(args.layout, args.format)
    names = [Path(display).stem + suffix for display, _ in files]
    clashes = sorted({name for name in names if names.count(name) > 1})
    if to_folder and clashes:
        return _usage(f"several proposals would be written to the same file: {', '.join(clashes)}")

    not_rendered: list[FileResult] = []
    work = functools.partial(render_file, target=target, to_folder=to_folder, allow_invalid=args.allow_invalid,
                             layout=args.layout, format=args.format)
    with tracking(len(files), "Rendering") as bar:
        for report in run_batch(files, work):  # in worker processes for a big batch, reported here in order
            bar.err.write(report.err)
            if report.unwritable:
                return 2
            if not report.rendered:
                not_rendered.append(report.result)
            bar.out.write(report.text)
            bar.advance()
    return exit_code(not_rendered)


@dataclass(frozen=True)
class RenderReport:
    """One file's outcome, from where it was rendered and written (maybe a worker process): small and picklable."""

    result: FileResult
    rendered: bool
    err: str  # its problems, and where it was written
    text: str = ""  # the document itself only when it goes to stdout
    unwritable: bool = False  # the output file could not be written: the run stops there


def output_suffix(layout: str, format: str) -> str:
    return (".ptac" if layout == "ptac" else "") + (".html" if format == "html" else ".md")


def render_file(item: tuple[str, Path | None], target: Path | None, to_folder: bool, allow_invalid: bool,
                layout: str = "proposal", format: str = "markdown") -> RenderReport:
    display, path = item
    result, doc = load_and_validate(display, path)
    err = io.StringIO()
    write_result(result, "text", err)
    if doc is None or (not result.ok and not allow_invalid):
        return RenderReport(result, False, err.getvalue())
    if target is None:
        return RenderReport(result, True, err.getvalue(), _render(doc.data, result, layout, format))
    out = target / f"{Path(display).stem}{output_suffix(layout, format)}" if to_folder else target
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out, _render(doc.data, result, layout, format))  # each worker writes its own files
    except OSError as e:
        err.write(f"{out}: error: cannot write: {e.strerror or e} [unwritable]\n")
        return RenderReport(result, False, err.getvalue(), unwritable=True)
    err.write(f"{display}: rendered to {out}\n")
    return RenderReport(result, True, err.getvalue())


def _render(data: dict[str, Any], result: FileResult, layout: str, format: str) -> str:
    from apm_designer.render import render_markdown  # only here: a usage error never loads Jinja2
    from apm_designer.render_html import render_html

    render = render_html if format == "html" else render_markdown
    return render(data, banner=None if result.ok else _banner(result), layout=layout)


def _banner(result: FileResult) -> str:
    count = len(result.problems)
    first = (f"This proposal does not validate ({count} problem{'s' * (count != 1)}); it was rendered with "
             "--allow-invalid, so parts of it may be wrong or missing.")
    return "\n".join([first, *(_located(p) for p in result.problems)])


_ANSWER_PATH = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+|\[\d+\])*")


def _located(problem: Problem) -> str:
    """A problem as the document's reader reads it: the answer by its place and the file's line, not the dotted
    path (stderr keeps the `path:line:col` line for whoever fixes the file)."""
    from apm_designer.wording import place

    path, said, what = problem.message.partition(": ")
    if said and _ANSWER_PATH.fullmatch(path):
        return f"{place(path)} (line {problem.line}): {what}"
    return f"Line {problem.line}: {problem.message}"


def _usage(message: str) -> int:
    sys.stderr.write(f"apm-designer render: error: {message}\n")
    return 2
