"""`apm-designer serve [FILE] [--host H] [--port P]`: the wizard as a web page, served by textual-serve.

Each browser tab that connects gets its own wizard process (textual-serve runs `command` once per connection).
With FILE, every tab opens that proposal: it is edited if it exists and started as a new proposal if not, decided
when the tab connects, so reloading the page after the first save opens the saved file instead of failing.
Without FILE, the tab shows the start screen.

The wizard reads and writes files as the user who runs `serve`: it listens on localhost unless told otherwise.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from apm_designer.document import LoadError, UnreadableFile, load


def run(args: argparse.Namespace) -> int:
    target = Path(args.file).resolve() if args.file else None
    if target is not None and (problem := _cannot_open(target, args.file)) is not None:
        message, status = problem
        print(message, file=sys.stderr)
        return status
    from textual_serve.server import Server

    server = Server(session_command(target), host=args.host, port=args.port, title="APM Designer")
    try:
        server.serve()
    except OSError as e:  # the port is taken, or the host is not one of this machine's addresses
        print(f"serve: error: cannot listen on {args.host}:{args.port}: {e.strerror or e} [listen]", file=sys.stderr)
        return 2
    return 0


def session_command(target: Path | None) -> str:
    """The shell command textual-serve runs for each browser tab."""
    if target is None:
        return shlex.join([sys.executable, "-m", "apm_designer"])
    return shlex.join([sys.executable, "-m", "apm_designer.commands.serve", str(target)])


def _cannot_open(target: Path, shown: str) -> tuple[str, int] | None:
    """Why the wizard could not open or start `target`, with the exit status (as `new` and `edit` give), or None.

    Checked once up front, so that the server does not start only for every tab to fail.
    """
    if not target.exists():
        if target.parent.is_dir():
            return None
        return f"{shown}: error: there is no folder {target.parent} [no-folder]", 2
    try:
        load(target, display=shown)
    except LoadError as e:
        return str(e), 1
    except UnreadableFile as e:
        return f"{e} [unreadable]", 2
    return None


def open_or_start(target: str) -> int:
    """One browser tab's wizard: edit the proposal if it exists by now, else start it."""
    from apm_designer.cli import main

    return main(["edit" if Path(target).exists() else "new", target])


if __name__ == "__main__":  # how `session_command` runs a tab's wizard
    sys.exit(open_or_start(sys.argv[1]))
