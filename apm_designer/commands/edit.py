"""`apm-designer edit FILE`: open a proposal in the wizard. A file that does not load is reported, not opened."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from apm_designer.document import LoadError, UnreadableFile


def run(args: argparse.Namespace) -> int:
    from apm_designer.drafts import Session

    path = Path(args.file)
    if not path.exists():
        print(f"{path}: error: no such file; start one with `apm-designer new {path}` [unreadable]", file=sys.stderr)
        return 2
    try:
        session = Session.edit(path)
    except LoadError as e:
        print(e, file=sys.stderr)
        return 1
    except UnreadableFile as e:
        print(f"{e} [unreadable]", file=sys.stderr)
        return 2
    from apm_designer.tui.app import WizardApp

    WizardApp(session).run()
    return 0
