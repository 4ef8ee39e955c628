"""A located problem, and how each output format writes one.

Every command reports problems the same way: `path:line:col: severity: message [code]` for people,
a JSON object for programs, and a GitHub workflow annotation for CI.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    line: int
    col: int
    message: str
    code: str
    severity: Severity = "error"

    def text(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message} [{self.code}]"

    def github(self) -> str:
        # Workflow commands need %, CR and LF escaped in the message and also : and , in properties.
        props = ",".join(f"{k}={_escape(str(v), prop=True)}" for k, v in
                         (("file", self.path), ("line", self.line), ("col", self.col), ("title", self.code)))
        return f"::{self.severity} {props}::{_escape(self.message)}"

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def _escape(value: str, *, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value
