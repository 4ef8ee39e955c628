"""`apm-designer diff OLD NEW [--format text|markdown|json] [--fail-on verdict-change]`: what changed between two
versions of a proposal, and what that did to its verdicts.

OLD and NEW are each a file, `-` (standard input, for one of them), or `REV:PATH`, the file as git has it at a
revision (`git show REV:PATH`, run in the current folder: `HEAD~1:proposals/p.yaml`, `origin/main:./p.yaml`). A
file that names an existing file is that file, even with a colon in its name.

- text, for CI: each answer by its path and values as coded, located at `file:line:col` in the version that has
  it; each verdict that changed with the findings that flipped; the checks that started or stopped warning; the
  LAN metrics that moved.
- markdown, for a reviewer and a pull-request comment: the same in words (each answer by its place and question,
  values as their labels, long texts as a word diff), the verdicts first; a page of its own, or with
  `--heading-level 2` a section of a page that holds several.
- json, for programs: the same with paths, codes and values as given (schemas/diff-output.schema.json).

Exit codes: 0 compared (whatever changed), 1 a version is not a valid proposal (its problems are printed, located)
or, with `--fail-on verdict-change`, a verdict changed; 2 a version cannot be read (no such file, a git revision
or path git does not have, both versions `-`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from apm_designer import wording
from apm_designer.commands.evaluate import wrap
from apm_designer.diff import AnswerChange, Comparison, FindingFlip, MetricMove, VerdictChange, compare
from apm_designer.document import Document, LoadError, UnreadableFile, decode, load, loads
from apm_designer.metrics import json_number, money, percent
from apm_designer.problems import Problem, inert, json_text
from apm_designer.render import inline
from apm_designer.validation import validate
from apm_designer.wizard import is_blank, parse_dotted

STDIN = "-"
STATUS_WORDS = {"met": "Met", "not_met": "Not met", "unknown": "Unknown", None: "Not judged"}
CONTEXT = 6  # words of unchanged text kept either side of a change in a word diff for people


class Unreadable(Exception):
    """A version that cannot be read: one line, exit 2."""

    def __init__(self, display: str, reason: str) -> None:
        super().__init__(f"{display}: {reason}")
        self.display, self.reason = display, reason


@dataclass(frozen=True)
class Version:
    display: str  # as the user named it
    doc: Document


def run(args: argparse.Namespace) -> int:
    if args.old == STDIN and args.new == STDIN:
        print("apm-designer diff: error: only one of OLD and NEW can be - (standard input)", file=sys.stderr)
        return 2
    versions: list[Version] = []
    invalid = False
    for spec in (args.old, args.new):
        try:
            doc = read_version(spec)
        except Unreadable as e:
            print(f"{inert(e.display)}: error: {inert(e.reason)} [unreadable]", file=sys.stderr)
            return 2
        except LoadError as e:
            print(Problem(e.path, e.line, e.col, e.message, e.code).text(), file=sys.stderr)
            invalid = True
            continue
        problems = validate(doc)
        for problem in problems:
            print(problem.text(), file=sys.stderr)
        invalid = invalid or bool(problems)
        versions.append(Version(doc.path, doc))
    if invalid:
        print("apm-designer diff: a version is not a valid proposal (above): nothing compared", file=sys.stderr)
        return 1
    old, new = versions
    comparison = compare(old.doc.data, new.doc.data)
    out = sys.stdout
    if args.format == "json":
        out.write(json_text(as_json(comparison, old, new)) + "\n")
    elif args.format == "markdown":
        out.write(markdown(comparison, old, new, level=args.heading_level))
    else:
        write_text(comparison, old, new, out)
    return 1 if args.fail_on == "verdict-change" and comparison.verdict_changed else 0


# ------------------------------------------------------------------------------------------------------ reading


def read_version(spec: str) -> Document:
    """The proposal `spec` names (see the module's docstring). Raises Unreadable or LoadError."""
    if spec == STDIN:
        return loads(decode(sys.stdin.buffer.read(), "<stdin>"), "<stdin>")
    path = Path(spec)
    if path.exists() or ":" not in spec:
        try:
            return load(path, display=spec)
        except UnreadableFile as e:
            raise Unreadable(spec, str(e).removeprefix(f"{spec}: ")) from None
    rev, _, name = spec.partition(":")
    if not rev or not name:
        raise Unreadable(spec, "not a file, and not REV:PATH (a git revision and a path in it)")
    try:
        done = subprocess.run(["git", "show", f"{rev}:{name}"], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise Unreadable(spec, f"git could not be run ({e})") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise Unreadable(spec, f"git cannot read it: {said[0].removeprefix('fatal: ') if said else 'no output'}")
    return loads(decode(done.stdout, spec), spec)


# --------------------------------------------------------------------------------------------------------- text


def _coded(value: Any) -> str:
    """An answer as CI reads it: as given in the file (JSON's spelling), made inert."""
    return inert(json.dumps(value, ensure_ascii=False, default=str))


def _where(version: Version, path: str) -> str:
    line, col = version.doc.locate(parse_dotted(path), key=True)
    return f"{inert(version.display)}:{line}:{col}"


def _words_coded(change: AnswerChange) -> str:
    return " ".join(inert(text) if op == "=" else f"[-{inert(text)}-]" if op == "-" else f"{{+{inert(text)}+}}"
                    for op, text in change.words)


def write_text(c: Comparison, old: Version, new: Version, out: TextIO) -> None:
    lines = [f"{inert(old.display)} -> {inert(new.display)}"]
    if c.old_year != c.new_year:
        lines.append(f"  performance year: {c.old_year} -> {c.new_year}")
    counts = c.counts()
    lines.append(f"  Answers: {counts['changed']} changed, {counts['added']} added, {counts['removed']} removed")
    for a in c.answers:
        where = _where(old if a.change == "removed" else new, a.path)
        if a.change == "changed":
            said = _words_coded(a) if a.words else f"{_coded(a.old)} -> {_coded(a.new)}"
            moved = f" (was {a.old_path})" if a.old_path else ""
            lines.append(f"    {where}: changed {a.path}{moved}: {said}")
        else:
            lines.append(f"    {where}: {a.change} {a.path}: {_coded(a.new if a.change == 'added' else a.old)}")
    lines.append(f"  Verdicts: {len(c.verdicts)} changed")
    for v in c.verdicts:
        which = f" {v.line} ({v.line_of_business})" if v.line else ""
        lines.append(f"    {v.label}{which}: {v.old or 'absent'} -> {v.new or 'absent'}")
        if not _told_by_findings(v):
            lines += wrap(str(v.reason), "      ")
        lines += [line for f in v.findings for line in _flip_coded(f, "      ")]
    if c.checks:
        lines.append(f"  Checks: {len(c.checks)} changed")
        lines += [line for f in c.checks for line in _flip_coded(f, "    ")]
    if c.metrics:
        lines.append(f"  LAN metrics: {len(c.metrics)} moved")
        lines += [f"    {m.line} ({m.line_of_business}) metric {m.metric} {m.key}: {_metric_value(m, 'old')} -> "
                  f"{_metric_value(m, 'new')}" for m in c.metrics]
    lines.append(summary(c))
    out.write("\n".join(lines) + "\n")


def _flip_coded(f: FindingFlip, indent: str) -> list[str]:
    """A flipped finding as evaluate writes a finding: its status change, rule and citation, then why."""
    head = f"[{f.old or 'absent'} -> {f.new or 'absent'}] {f.rule_id}: {f.title} [{f.citation}]"
    return [*wrap(head, indent, indent + "    "), *wrap(str(f.explanation), indent + "    ")]


def _metric_value(m: MetricMove, side: str, absent: str = "absent") -> str:
    dollars, share = (m.old_dollars, m.old_share) if side == "old" else (m.new_dollars, m.new_share)
    if dollars is None and share is None:
        return absent
    return f"{money(dollars)} ({percent(share)})" if share is not None else money(dollars)


def summary(c: Comparison) -> str:
    n = sum(c.counts().values())
    verdicts = ", ".join(f"{v.name}{f' ({v.line_of_business})' if v.line else ''}" for v in c.verdicts)
    said = f"{len(c.verdicts)} verdict{'s' * (len(c.verdicts) != 1)} changed" + (f": {verdicts}" if verdicts else "")
    return f"{n} answer{'s' * (n != 1)} changed; {said}"


# ----------------------------------------------------------------------------------------------------- markdown


def _value(path: str, value: Any) -> str:
    """A value as a reviewer reads it, escaped: its label, Yes/No, a number with its unit."""
    return inline(wording.value(path, value))


def _entry_answers(path: str, entry: Any) -> str:
    """A whole entry's answers on one line: "Measure name: “…”; Measure type: Outcome"."""
    said = [f"{inline(wording.place(p).rsplit(' · ', 1)[-1])}: {_value(p, v)}" for p, v in _leaves(path, entry)]
    return "; ".join(said) or "no answers"


def _leaves(path: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, v in value.items():
            yield from _leaves(f"{path}.{key}", v)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, v in enumerate(value):
            yield from _leaves(f"{path}[{i}]", v)
    elif not is_blank(value):
        yield path, value


def _words_for_people(change: AnswerChange) -> str:
    """A word diff: removed words struck through, added ones in bold, long unchanged runs cut to their ends."""
    out = []
    last = len(change.words) - 1
    for i, (op, text) in enumerate(change.words):
        if op == "=":
            words = text.split()
            if len(words) > 2 * CONTEXT:
                head = words[:CONTEXT] if i else []
                tail = words[-CONTEXT:] if i < last else []
                words = [*head, "…", *tail]
            out.append(inline(" ".join(words)))
        else:
            mark = "~~" if op == "-" else "**"
            out.append(f"{mark}{inline(text)}{mark}")
    return " ".join(out)


def markdown(c: Comparison, old: Version, new: Version, level: int = 1) -> str:
    """The comparison as a reviewer's page, its title a heading of `level` (2 to put several under one title)."""
    head, sub = "#" * level, "#" * (level + 1)
    title = new.doc.data.get("metadata", {}).get("title") or old.doc.data.get("metadata", {}).get("title") or ""
    lines = [f"{head} What changed in {inline(title) if title else 'the proposal'}", "",
             f"From {inline(old.display)} to {inline(new.display)}."]
    if c.old_year != c.new_year:
        lines[-1] += f" Performance year {c.old_year} → {c.new_year}."
    if c.unchanged:
        return "\n".join([*lines, "", "Nothing changed: the same answers, the same verdicts."]) + "\n"
    lines += ["", _verdict_line(c)]
    if c.verdicts:
        lines += ["", f"{sub} Verdicts that changed", ""]
        for v in c.verdicts:
            lines += _verdict_lines(v)
    if c.checks:
        lines += ["", f"{sub} Checks", ""]
        for f in c.checks:
            now = "no longer passes" if f.new == "not_met" else "passes now"
            lines.append(f"- The check “{inline(f.title)}” {now} ({inline(f.citation)}). "
                         f"{_sentence(wording.for_people(f.explanation))}")
    counts = c.counts()
    lines += ["", f"{sub} Answers that changed", "",
              f"{counts['changed']} changed, {counts['added']} added, {counts['removed']} removed.", ""]
    lines += [_answer_line(a) for a in c.answers]
    if c.metrics:
        lines += ["", f"{sub} LAN payment metrics that moved", "", "| Line of business | Metric | Before | After |",
                  "| --- | --- | --- | --- |"]
        lines += [f"| {inline(m.line_label)} | {m.metric}. {inline(m.label)} | {_metric_value(m, 'old', '—')} | "
                  f"{_metric_value(m, 'new', '—')} |" for m in c.metrics]
    return "\n".join(lines) + "\n"


def _verdict_line(c: Comparison) -> str:
    if not c.verdicts:
        return "**No verdict changed.**"
    said = "; ".join(f"{_verdict_name(v)}: {wording.verdict(v.label, v.old)} → {wording.verdict(v.label, v.new)}"
                     for v in c.verdicts)
    return f"**Verdicts changed:** {said}."


def _verdict_name(v: VerdictChange) -> str:
    if not v.line:
        return v.name
    return f"{v.name} ({inline(wording.value(f'{v.line}.line_of_business', v.line_of_business))})"


def _verdict_lines(v: VerdictChange) -> list[str]:
    lines = [f"- **{_verdict_name(v)}**: {wording.verdict(v.label, v.old)} → **{wording.verdict(v.label, v.new)}**."]
    if not _told_by_findings(v):
        lines[0] += f" {_sentence(wording.for_people(v.reason))}"
    for f in v.findings:
        lines.append(f"  - {inline(f.title)} ({inline(f.citation)}): {STATUS_WORDS[f.old]} → {STATUS_WORDS[f.new]}. "
                     f"{_sentence(wording.for_people(f.explanation))}")
    return lines


def _sentence(text: str) -> str:
    """A worded explanation as a sentence of its own, escaped: "Needs …" for "needs …"."""
    return inline(text[:1].upper() + text[1:])


def _told_by_findings(v: VerdictChange) -> bool:
    """Whether the verdict's reason is one of its flipped findings' explanations, which follow it."""
    return any(str(f.explanation) == str(v.reason) for f in v.findings)


def _answer_line(a: AnswerChange) -> str:
    where = f"**{inline(wording.place(a.path))}**"
    if a.change == "added":
        said = _entry_answers(a.path, a.new) if a.is_entry else _value(a.path, a.new)
        return f"- {where} added: {said}"
    if a.change == "removed":
        said = _entry_answers(a.path, a.old) if a.is_entry else _value(a.path, a.old)
        return f"- {where} removed (was: {said})"
    if a.words:
        return f"- {where}: {_words_for_people(a)}"
    return f"- {where}: {_value(a.path, a.old)} → {_value(a.path, a.new)}"


# --------------------------------------------------------------------------------------------------------- json


def as_json(c: Comparison, old: Version, new: Version) -> dict[str, Any]:
    return {
        "old": {"path": old.display, "performance_year": c.old_year},
        "new": {"path": new.display, "performance_year": c.new_year},
        "verdict_changed": c.verdict_changed,
        "summary": summary(c),
        "answers": [{"path": a.path, "change": a.change, "old": a.old, "new": a.new, "old_path": a.old_path or None,
                     "words": [{"op": op, "text": text} for op, text in a.words]} for a in c.answers],
        "verdicts": [{"label": v.label, "line": v.line or None, "line_of_business": v.line_of_business or None,
                      "old": v.old, "new": v.new, "reason": str(v.reason),
                      "findings": [_flip_json(f) for f in v.findings]} for v in c.verdicts],
        "checks": [_flip_json(f) for f in c.checks],
        "metrics": [{"line": m.line, "line_of_business": m.line_of_business, "metric": m.metric, "key": m.key,
                     "label": m.label, "old_dollars": json_number(m.old_dollars),
                     "new_dollars": json_number(m.new_dollars), "old_share_percent": json_number(m.old_share),
                     "new_share_percent": json_number(m.new_share)}
                    for m in c.metrics],
    }


def _flip_json(f: FindingFlip) -> dict[str, Any]:
    return {"rule_id": f.rule_id, "title": f.title, "citation": f.citation, "old": f.old, "new": f.new,
            "explanation": str(f.explanation), "fields": list(f.fields)}
