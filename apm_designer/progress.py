"""A progress bar for batch commands, on stderr, only where a person is watching a terminal.

The bar shows when stderr is a terminal, the run is not in CI (the `CI` variable that GitHub, GitLab and most CI
services set) and the batch has at least `MIN_FILES` files. Otherwise nothing at all is drawn, so piped output and
CI logs stay exactly as they were. Rich is imported only when the bar shows: `validate` and `evaluate` stay light.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO, cast

if TYPE_CHECKING:
    from rich.console import Console

MIN_FILES = 5  # fewer files finish before anyone could read a bar


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def wanted(total: int, stream: TextIO | None = None) -> bool:
    """Whether a batch of `total` files should show a bar on `stream` (stderr by default)."""
    stream = sys.stderr if stream is None else stream
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # a closed or file-like stream without a terminal behind it
        tty = False
    return total >= MIN_FILES and tty and not in_ci() and os.environ.get("TERM") != "dumb"


class Tracker:
    """What a batch command holds while it runs: `out` and `err` to write to, `advance()` after each file.

    While the bar shows, they print above it what would otherwise land where the bar is drawn.
    """

    def __init__(self, out: TextIO, err: TextIO, on_advance: Callable[[], None] | None = None) -> None:
        self.out = out
        self.err = err
        self._on_advance = on_advance

    def advance(self) -> None:
        """One more file done."""
        if self._on_advance is not None:
            self._on_advance()


class _AboveBar:
    """Lines printed above the bar: stderr's, and stdout's when stdout is the very terminal the bar is drawn on.

    Written straight to the terminal, they would land where the bar is and its next redraw would erase them.
    """

    def __init__(self, console: Console) -> None:
        self._console = console
        self._partial = ""

    def write(self, text: str) -> int:
        *lines, self._partial = (self._partial + text).split("\n")
        for line in lines:
            self._console.out(line, highlight=False)
        return len(text)

    def flush(self) -> None:
        if self._partial:
            self._console.out(self._partial, highlight=False)
            self._partial = ""


@contextmanager
def tracking(total: int, label: str, out: TextIO | None = None) -> Iterator[Tracker]:
    """A bar labelled `label` for `total` files while the block runs, if `wanted`; results go to `tracker.out`."""
    out = sys.stdout if out is None else out
    if not wanted(total):
        yield Tracker(out, sys.stderr)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(file=sys.stderr)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, redirect_stdout=False, redirect_stderr=False) as bar:
        task = bar.add_task(label, total=total)
        above = cast("TextIO", _AboveBar(console))
        try:
            yield Tracker(above if _same_terminal(out, sys.stderr) else out, above, lambda: bar.advance(task))
        finally:
            above.flush()


def _same_terminal(a: TextIO, b: TextIO) -> bool:
    try:
        return a.isatty() and os.path.samestat(os.fstat(a.fileno()), os.fstat(b.fileno()))
    except (AttributeError, ValueError, OSError):
        return False
