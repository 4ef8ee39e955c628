"""Command-line entry point: argument parsing and exit codes only.

Each command lives in `apm_designer.commands.<name>` and is imported only when it runs, so `validate` never pays
for Textual or Jinja2. Exit codes everywhere:

    0  all good
    1  a proposal failed validation or a requested check (--expect, --fail-on)
    2  a usage or I/O error: bad arguments, a path that cannot be read, nothing to check, an output not written
    3  an internal error: a bug in apm-designer, not a problem with the proposal (one line says so)
  130  interrupted (Ctrl-C)
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from apm_designer import __version__

FORMATS = ("text", "json", "github")
LABELS = ("apm", "advanced-apm", "pfpm", "mips-apm")
# `other-payer-advanced-apm` holds every line of business but Traditional Medicare to 42 CFR 414.1420;
# `other-payer-advanced-apm=medicaid` only the Medicaid line(s).
OTHER_PAYER = "other-payer-advanced-apm"
OTHER_PAYER_LINES = ("medicaid", "medicare-advantage", "commercial")


def expect_label(text: str) -> str:
    """An --expect LABEL: one of LABELS, or other-payer-advanced-apm[=LINE]."""
    name, _, line = text.partition("=")
    if text in LABELS or (name == OTHER_PAYER and (not line or line in OTHER_PAYER_LINES)):
        return text
    raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {', '.join(LABELS)}, {OTHER_PAYER}, or "
                                     f"{OTHER_PAYER}=LINE with LINE one of {', '.join(OTHER_PAYER_LINES)})")


def _paths(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="proposal files, or folders to search for *.yaml / *.yml")


FORMAT_HELP = {"text": "text for people", "json": "json for programs", "github": "github for workflow annotations",
               "csv": "csv for spreadsheets", "markdown": "markdown for the README"}


def _format(p: argparse.ArgumentParser, choices: Sequence[str] = FORMATS) -> None:
    p.add_argument("--format", choices=choices, default="text",
                   help=", ".join(FORMAT_HELP[c] for c in choices) + " (default: text)")


def _port(text: str) -> int:
    """A TCP port: checked here, since the server prints its address before it finds it cannot listen there."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1 to 65535)")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apm-designer",
        description="Design and check Alternative Payment Model proposals (CMS APM Design Toolkit, QPP rules, "
                    "LAN APM Framework). With no command, opens the wizard.")
    parser.add_argument("--version", action="version", version=f"apm-designer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("validate", help="check proposal files against the schema")
    _paths(p)
    _format(p)

    p = sub.add_parser("evaluate", help="classify proposals as APM / Advanced APM / PFPM, with cited findings")
    _paths(p)
    _format(p)
    p.add_argument("--expect", action="append", default=[], type=expect_label, metavar="LABEL",
                   help=f"fail unless each proposal is classified as LABEL (repeatable; one of {', '.join(LABELS)}; "
                        f"or {OTHER_PAYER} for every line of business but Traditional Medicare, "
                        f"{OTHER_PAYER}=LINE for one: {', '.join(OTHER_PAYER_LINES)})")
    p.add_argument("--fail-on", choices=("error", "warning"), default="error",
                   help="fail on warnings too, not only on invalid files and failed --expect gates")

    p = sub.add_parser("render", help="render proposals as a document a reviewer reads on its own")
    _paths(p)
    p.add_argument("-o", "--output", metavar="OUT", help="a file (one proposal) or a folder (several); default stdout")
    p.add_argument("--allow-invalid", action="store_true", help="render an invalid draft, with a visible banner")
    p.add_argument("--layout", choices=("proposal", "ptac"), default="proposal",
                   help="proposal: summary first, then the toolkit's elements (default); ptac: as PTAC's proposal "
                        "submission instructions ask (cover page, abstract, the ten criteria, appendices)")
    p.add_argument("--format", choices=("markdown", "html"), default="markdown",
                   help="markdown (default), or html: one self-contained page to open in a browser or print")

    p = sub.add_parser("diff", help="what changed between two versions of a proposal, and what it did to the verdicts")
    p.add_argument("old", metavar="OLD", help="the earlier version: a file, - (standard input) or REV:PATH (git)")
    p.add_argument("new", metavar="NEW", help="the later version: a file, - (standard input) or REV:PATH (git)")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                   help="text for CI: paths and codes (default); markdown for reviewers and pull-request comments; "
                        "json for programs")
    p.add_argument("--heading-level", type=int, choices=(1, 2, 3), default=1, metavar="N",
                   help="markdown: the level of its title, 1 to 3 (default 1; 2 for a section among several)")
    p.add_argument("--fail-on", choices=("verdict-change",), default=None,
                   help="exit 1 when a verdict changed (APM, Advanced APM, PFPM, MIPS APM, LAN category, an other "
                        "payer's line)")

    p = sub.add_parser("metrics", help="LAN payment-mix metrics for each line of business")
    _paths(p)
    _format(p, ("text", "json", "csv"))

    p = sub.add_parser("new", help="start a new proposal in the wizard")
    p.add_argument("file", nargs="?", metavar="FILE", help="where to save it (asked on first save if left out)")
    p.add_argument("--from", dest="model", nargs="?", const="", metavar="MODEL",
                   help="start from a real CMS model's answers (with no MODEL: list them)")
    p.add_argument("--list", action="store_true", help="list the CMS models a proposal can start from")

    p = sub.add_parser("edit", help="open a proposal in the wizard")
    p.add_argument("file", metavar="FILE")

    p = sub.add_parser("rules", help="list the rules, their citations, and each year's thresholds with their sources")
    _format(p, ("text", "json", "markdown"))

    p = sub.add_parser("schema", help="print the proposal JSON Schema (or its path)")
    p.add_argument("--path", action="store_true", help="print the schema file's path instead of its content")

    p = sub.add_parser("serve", help="run the wizard as a web page on localhost")
    p.add_argument("file", nargs="?", metavar="FILE",
                   help="the proposal every browser tab opens (started if it does not exist); default: start screen")
    p.add_argument("--host", default="localhost", help="address to listen on (default: localhost)")
    p.add_argument("--port", type=_port, default=8000, help="port to listen on, 1 to 65535 (default: 8000)")
    p.add_argument("--root", metavar="FOLDER",
                   help="the folder whose proposals the page may open and save, nothing outside it (default: FILE's "
                        "folder, else the current folder)")
    p.add_argument("--public-url", metavar="URL",
                   help="the address browsers reach the server at, e.g. behind a proxy (default: from --host/--port)")
    return parser


# the commands that write a report to stdout (not the wizard)
REPORTS = ("validate", "evaluate", "metrics", "render", "schema", "diff", "rules")
EXIT_INTERNAL = 3
BUG_REPORT = ("this is a bug in apm-designer, not a problem with your proposal: please report it with the command "
              "and the file (APM_DESIGNER_TRACEBACK=1 shows the details)")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "start"
    module = importlib.import_module(f"apm_designer.commands.{command}")
    if writes_report(args) and sys.stdout is not None and not isinstance(sys.stdout, ReaderMayLeave):
        sys.stdout = ReaderMayLeave(sys.stdout)
    try:
        return module.run(args)
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a bug: its own exit code, so that CI does not take it for an invalid proposal
        if os.environ.get("APM_DESIGNER_TRACEBACK"):
            raise
        from apm_designer.problems import inert

        print(f"apm-designer: internal error: {inert(f'{type(e).__name__}: {e}')}; {BUG_REPORT}", file=sys.stderr)
        return EXIT_INTERNAL


def writes_report(args: argparse.Namespace) -> bool:
    """Whether the command writes a report to stdout, which a reader may stop reading, rather than run the wizard:
    `new --list` (or `--from` with no model) lists the CMS models."""
    return args.command in REPORTS or (args.command == "new" and (args.list or args.model == ""))


class ReaderMayLeave:
    """Standard output for a reader that may stop reading (`apm-designer validate proposals | head`).

    When it has gone, what is still written is dropped instead of failing, and the run goes on: its exit code
    still says whether every proposal passed. (Ending early with 0, as before, hid failures after the first lines.)
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.reader_gone = False

    def write(self, text: str) -> int:
        if not self.reader_gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._drop_the_rest()
        return len(text)

    def flush(self) -> None:
        if not self.reader_gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._drop_the_rest()

    def _drop_the_rest(self) -> None:
        self.reader_gone = True
        # What is left in the stream's buffer goes nowhere too, also at exit, when Python flushes it once more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())
        os.close(devnull)

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding, ...
        return getattr(self._stream, name)


if __name__ == "__main__":
    sys.exit(main())
