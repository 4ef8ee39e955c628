"""`apm-designer` with no command: the wizard's start screen (new proposal, open a file, recent files, drafts)."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    from apm_designer.tui.app import WizardApp

    return WizardApp().run_to_the_end()
