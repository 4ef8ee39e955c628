"""`apm-designer new [FILE] [--from MODEL]`: start a new proposal in the wizard (saved to FILE, or asked on first
save), empty or with the answers of a real CMS model; `new --list` (or `--from` with no name) lists the models."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    if args.list or args.model == "":
        return list_models()
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

    if args.model:
        from apm_designer import cms_models

        try:
            model = cms_models.find(args.model)
        except cms_models.UnknownModel as e:
            print(f"--from {args.model}: error: {e} [unknown-model]", file=sys.stderr)
            return 2
        session = Session.new(target, data=cms_models.start_from(model), note=cms_models.note(model))
    else:
        session = Session.new(target)
    from apm_designer.tui.app import WizardApp

    return WizardApp(session).run_to_the_end()


def list_models() -> int:
    """The models, one block each: the name to give `--from`, the year and status, and what it is."""
    from apm_designer.cms_models import library

    for m in library():
        print(f"{m.key}  ({m.when}: {m.status()})\n    {m.name}: {m.summary}")
    print("\nStart from one with `apm-designer new FILE --from NAME`.")
    return 0
