"""`apm-designer new [FILE]`: start a new proposal in the wizard (saved to FILE, or asked on first save)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    target = Path(args.file) if args.file else None
    if target is not None:
        if target.exists():
            print(f"{target}: error: already exists; open it with `apm-designer edit {target}` [exists]",
                  file=sys.stderr)
            return 2
        if not target.parent.is_dir():
            print(f"{target}: error: there is no folder {target.parent} [no-folder]", file=sys.stderr)
            return 2
    from apm_designer.drafts import Session
    from apm_designer.tui.app import WizardApp

    WizardApp(Session.new(target)).run()
    return 0
