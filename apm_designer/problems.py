"""A located problem, how each output format writes one, and how anything taken from a proposal is written safely.

Every command reports problems the same way: `path:line:col: severity: message [code]` for people,
a JSON object for programs, and a GitHub workflow annotation for CI.

A proposal, its file name and its answers come from whoever wrote them, maybe in the pull request CI checks.
Whatever a command echoes of them goes through `inert` (text) or `json_text` (JSON), so that it can neither send
a terminal control sequences (an escape that clears the screen) nor make a CI log run workflow commands: GitHub
runs a line that starts with `::` (after blanks) and, in its older form, any line holding `##[`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any, Literal

# The workflow command markers, and every character but printable ASCII, which `_inert` looks at one by one
_UNSAFE = re.compile(r"::|##\[|[^ -~]")
_UNPRINTABLE = re.compile(r"[^ -~]")


def inert(text: str, *, markers: bool = True) -> str:
    """`text` safe to print: control characters and breaks shown as escapes (`\\x1b`, `\\n`, `\\u2028`), and no
    workflow command marker left (`::` is written `:\\:`, `##[` is written `##\\[`), unless not `markers` (inside
    a workflow command of our own). Plain text comes back as it is.

    Escaped are what `str.isprintable` refuses but spaces: control characters (C0, DEL, C1), format characters
    (bidi overrides, zero-width), line and paragraph separators, private use, surrogates, unassigned code points.
    """
    if text.isprintable() and not (markers and ("::" in text or "##[" in text)):
        return text
    return (_UNSAFE if markers else _UNPRINTABLE).sub(_inert, text)


def _inert(m: re.Match[str]) -> str:
    found = m.group()
    if found == "::":
        return ":\\:"
    if found == "##[":
        return "##\\["
    if found.isprintable() or unicodedata.category(found) == "Zs":  # a letter, a symbol; a no-break or thin space
        return found
    return found.encode("unicode_escape").decode("ascii")


def json_text(document: Any) -> str:
    """`document` as indented JSON, inert as `inert` is, yet exact: control characters are escaped by JSON itself
    (ASCII only) and the workflow markers with JSON escapes (`:\\u003a`, `##\\u005b`), which read back the same."""
    text = json.dumps(document, indent=2, allow_nan=False)
    return text.replace("::", ":\\u003a").replace("##[", "##\\u005b")

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
        return f"{inert(self.path)}:{self.line}:{self.col}: {self.severity}: {inert(self.message)} [{inert(self.code)}]"

    def github(self) -> str:
        return annotation(self.severity, self.message, file=self.path, line=self.line, col=self.col, title=self.code)

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def annotation(severity: str, message: str, **properties: str | int) -> str:
    """A GitHub workflow command (`::error file=...,line=...::message`). Its properties are escaped as GitHub
    documents (`%`, CR, LF, `:` and `,`), so that the file is still the file, and any other control character is
    shown escaped (GitHub has no escape for it: such a file gets no annotation, and the terminal no escape); the
    message is made inert. (A `##[` in a property is left alone: GitHub reads a line that starts with `::` as
    that command, and looks for `##[` only in lines that are none.)"""
    props = ",".join(f"{key}={inert(_escape(str(value), prop=True), markers=False)}"
                     for key, value in properties.items())
    return f"::{severity} {props}::{_escape(inert(message))}"


def _escape(value: str, *, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value
