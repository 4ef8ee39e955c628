"""`apm-designer schema [--path]`: the proposal JSON Schema, for editors and other tools to pick up."""

from __future__ import annotations

import argparse
import sys

from apm_designer.resources import SCHEMA_PATH


def run(args: argparse.Namespace) -> int:
    if args.path:
        print(SCHEMA_PATH)
        return 0
    try:
        text = SCHEMA_PATH.read_text(encoding="utf-8")
    except OSError as e:  # a broken install: say where we looked
        print(f"{SCHEMA_PATH}: error: cannot read the proposal schema: {e.strerror or e} [unreadable]", file=sys.stderr)
        return 2
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
