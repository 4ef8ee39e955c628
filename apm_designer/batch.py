"""The per-file pipeline every batch command shares, and the runner that spreads a batch over the cores.

`load_and_validate` loads, then validates, stopping at the first stage that fails. `check_file` is the same for a
(display, path) pair, returning only the small, picklable `FileResult`. `run_batch` applies such a per-file
function to every file, in worker processes when the batch is big enough to pay for them, and yields the results
in input order as they come: a command streams its report and never holds more than a file's worth of documents.

`APM_DESIGNER_JOBS` sets the number of processes (1: never start workers); by default, one per usable core.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from apm_designer.document import Document, LoadError, UnreadableFile, load
from apm_designer.problems import Problem
from apm_designer.validation import quick_check, validate

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

T = TypeVar("T")
R = TypeVar("R")
# Below this many files, starting workers (and importing or forking a Python for each) costs more than it saves.
PARALLEL_MIN = 200
CHUNK = 16  # files a worker takes at a time: fewer round trips, still an even spread at the end of a batch

Status = Literal["valid", "invalid", "unreadable"]


@dataclass
class FileResult:
    path: str
    status: Status
    problems: list[Problem] = field(default_factory=list)
    reason: str = ""  # why an unreadable file could not be read

    @property
    def ok(self) -> bool:
        return self.status == "valid"


def load_and_validate(display: str, path: Path | UnreadableFile) -> tuple[FileResult, Document | None]:
    """`path` is a file, or why a path given or found could not be searched (see `iter_proposal_files`)."""
    if isinstance(path, UnreadableFile):
        return FileResult(display, "unreadable", reason=str(path).removeprefix(f"{display}: ")), None
    try:
        doc = load(path, display=display)
    except UnreadableFile as e:
        return FileResult(display, "unreadable", reason=str(e).removeprefix(f"{display}: ")), None
    except LoadError as e:
        return FileResult(display, "invalid", [Problem(e.path, e.line, e.col, e.message, e.code)]), None
    problems = validate(doc)
    return FileResult(display, "invalid" if problems else "valid", problems), doc


def exit_code(results: list[FileResult], failed_checks: bool = False) -> int:
    if any(r.status == "unreadable" for r in results):
        return 2
    return 1 if failed_checks or any(r.status == "invalid" for r in results) else 0


def check_file(item: tuple[str, Path | UnreadableFile]) -> FileResult:
    """`load_and_validate` for one (display, path) pair from `iter_proposal_files`, without the document."""
    return load_and_validate(*item)[0]


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def jobs_wanted(count: int, jobs: int | None = None) -> int:
    """How many processes a batch of `count` files gets: `jobs`, else $APM_DESIGNER_JOBS, else one per core."""
    if jobs is None:
        setting = os.environ.get("APM_DESIGNER_JOBS", "").strip()
        jobs = int(setting) if setting.isdigit() and int(setting) > 0 else None
        if jobs is None and count < PARALLEL_MIN:
            return 1
    return max(1, min(jobs or usable_cores(), count))


def run_batch(items: Sequence[T], work: Callable[[T], R], jobs: int | None = None) -> Iterator[R]:
    """`work(item)` for every item, yielded in input order as results come in.

    `work` must be picklable (a module-level function, or a functools.partial of one) and so must its results.
    With one job, or a batch under PARALLEL_MIN files, it all runs in this process.
    """
    n = jobs_wanted(len(items), jobs)
    if n == 1:
        yield from map(work, items)
        return
    quick_check()  # compiled once here, so forked workers start with it (jsonschema: only where a file fails)
    with _context().Pool(n, initializer=_quiet_worker) as pool:
        yield from pool.imap(work, items, chunksize=max(1, min(CHUNK, len(items) // (4 * n))))


def _context() -> BaseContext:
    """fork: a worker starts in milliseconds with everything imported and compiled. But forking while another
    thread runs (a progress bar's refresh) can copy a lock mid-use, so then a fresh interpreter is started."""
    import multiprocessing  # here: a small batch never pays for importing it

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _quiet_worker() -> None:
    # Ctrl-C reaches every process in the terminal's group: the parent stops the pool, workers need not say a word
    signal.signal(signal.SIGINT, signal.SIG_IGN)
