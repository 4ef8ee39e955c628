"""Command-line entry point: argument parsing and exit codes only.

Each command lives in `apm_designer.commands.<name>` and is imported only when it runs, so `validate` never pays
for Textual or Jinja2. Exit codes everywhere: 0 all good, 1 a proposal failed validation or a requested check,
2 usage or I/O error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

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
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    p.add_argument("--root", metavar="FOLDER",
                   help="the folder whose proposals the page may open and save, nothing outside it (default: FILE's "
                        "folder, else the current folder)")
    p.add_argument("--public-url", metavar="URL",
                   help="the address browsers reach the server at, e.g. behind a proxy (default: from --host/--port)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "start"
    module = importlib.import_module(f"apm_designer.commands.{command}")
    try:
        return module.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
