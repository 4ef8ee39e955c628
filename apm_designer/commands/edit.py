"""`apm-designer edit FILE`: open a proposal in the wizard. A file that does not load is reported, not opened."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from apm_designer.document import LoadError, UnreadableFile
from apm_designer.problems import inert


def run(args: argparse.Namespace) -> int:
    from apm_designer.drafts import Session

    path = Path(args.file)
    if not path.exists() and not path.is_symlink():  # a link to nowhere, or a loop, is reported as what it is
        shown = inert(str(path))
        print(f"{shown}: error: no such file; start one with `apm-designer new {shown}` [unreadable]", file=sys.stderr)
        return 2
    try:
        session = Session.edit(path)
    except LoadError as e:
        print(e, file=sys.stderr)
        return 1
    except UnreadableFile as e:  # as validate reports it
        reason = str(e).removeprefix(f"{path}: ")
        print(f"{inert(str(path))}: error: {inert(reason)} [unreadable]", file=sys.stderr)
        return 2
    from apm_designer.tui.app import WizardApp

    return WizardApp(session).run_to_the_end()
