"""The per-file pipeline every batch command shares: load, then validate, stopping at the first stage that fails.

`check_file` takes a path and returns a small, picklable result, so a batch can run it in worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from apm_designer.document import Document, LoadError, UnreadableFile, load
from apm_designer.problems import Problem
from apm_designer.validation import validate

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


def load_and_validate(display: str, path: Path | None) -> tuple[FileResult, Document | None]:
    if path is None:
        return FileResult(display, "unreadable", reason="no such file or folder"), None
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
