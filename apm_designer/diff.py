"""What changed between two versions of a proposal, and what that did to its verdicts.

`compare(old, new)` evaluates both versions and returns a `Comparison`:

- the answers added, removed and changed, each at its answer path (entries of a repeatable group are matched by
  their content, so removing the first quality measure is one entry removed, not every later one changed), a long
  text with its word diff;
- every verdict that changed (APM, Advanced APM, PFPM, MIPS APM, LAN category, and each other payer's line as an
  Other Payer Advanced APM, lines paired by their kinds in order, a line added or removed counting as a change),
  with the findings whose status flipped;
- the consistency and payment checks that started or stopped warning;
- the LAN payment metrics that moved, line by line.

It is data only: `commands/diff.py` writes it for CI (paths and codes) or for a reviewer (places and labels), and
the wizard's review shows it against the file on disk.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, TypeVar

from apm_designer.metrics import LineMix, compute, round_share
from apm_designer.rules import Evaluation, evaluate
from apm_designer.rules.engine import CHECKS, CLASSIFICATIONS, LABEL_NAMES, Finding, Verdict
from apm_designer.validation import dotted
from apm_designer.wizard import is_blank

Change = Literal["added", "removed", "changed"]
T = TypeVar("T")
Word = tuple[Literal["=", "-", "+"], str]  # a run of words kept, removed or added
OTHER_PAYER = "other_payer_advanced_apm"
LONG = 80  # characters: a text answer at least this long (or on several lines) gets a word diff


@dataclass(frozen=True, slots=True)
class AnswerChange:
    """One answer (or a whole entry of a repeatable group) added, removed or changed."""

    path: str  # where it is in the new version (in the old one, when removed)
    change: Change
    old: Any  # None when added
    new: Any  # None when removed
    old_path: str = ""  # where it was in the old version, when an entry moved
    words: tuple[Word, ...] = ()  # a long text's word diff

    @property
    def is_entry(self) -> bool:
        """A whole entry of a repeatable group (a quality measure, a line of business), not one answer."""
        return self.path.endswith("]")


@dataclass(frozen=True, slots=True)
class FindingFlip:
    """A rule whose status changed between the versions: the new finding (the old one when it is gone)."""

    rule_id: str
    title: str
    citation: str
    old: str | None  # met, not_met, unknown; None when the rule did not run on that side (a line added)
    new: str | None
    explanation: str  # the new finding's (an engine Text: worded for a person with wording.for_people)
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VerdictChange:
    """A classification whose value changed, or an other payer's line added or removed."""

    label: str  # an engine.CLASSIFICATIONS label, or other_payer_advanced_apm
    old: str | None  # yes, no, undetermined, or the LAN category ("3B"); None when the line is not there
    new: str | None
    reason: str  # the new verdict's reason (the old one's when the line was removed)
    findings: tuple[FindingFlip, ...]
    line: str = ""  # for an other payer: the line's path in the new version (the old one when removed)
    line_of_business: str = ""

    @property
    def name(self) -> str:
        return LABEL_NAMES[self.label]


@dataclass(frozen=True, slots=True)
class MetricMove:
    """One LAN metric of one line of business (or of all lines together) whose dollars or share moved."""

    line: str  # the line's path, or payment.lines_of_business for all lines together
    line_of_business: str  # its key: traditional_medicare, ..., or "all"
    line_label: str
    metric: int | None
    key: str
    label: str
    old_dollars: Decimal | None
    new_dollars: Decimal | None
    old_share: Decimal | None
    new_share: Decimal | None


@dataclass(frozen=True, slots=True)
class Comparison:
    old_year: int
    new_year: int
    answers: tuple[AnswerChange, ...]
    verdicts: tuple[VerdictChange, ...]
    checks: tuple[FindingFlip, ...]  # consistency and payment checks that started or stopped warning
    metrics: tuple[MetricMove, ...]

    @property
    def verdict_changed(self) -> bool:
        return bool(self.verdicts)

    @property
    def unchanged(self) -> bool:
        return not (self.answers or self.verdicts or self.checks or self.metrics or self.old_year != self.new_year)

    def counts(self) -> dict[Change, int]:
        return {kind: sum(a.change == kind for a in self.answers) for kind in ("changed", "added", "removed")}


def compare(old: Mapping[str, Any], new: Mapping[str, Any], *, old_evaluation: Evaluation | None = None,
            new_evaluation: Evaluation | None = None) -> Comparison:
    """What changed from `old` to `new` (two proposals' answers, each valid against the schema)."""
    before = old_evaluation or evaluate(old)
    after = new_evaluation or evaluate(new)
    return Comparison(before.performance_year, after.performance_year, tuple(answer_changes(old, new)),
                      tuple(verdict_changes(before, after)), tuple(check_flips(before, after)),
                      tuple(metric_moves(old, new)))


# ----------------------------------------------------------------------------------------------------- answers


def answer_changes(old: Any, new: Any, path: tuple[str | int, ...] = (),
                   old_path: tuple[str | int, ...] | None = None) -> Iterator[AnswerChange]:
    """The answers that differ under `path`, in the new version's order (then the ones only the old one has)."""
    old_path = path if old_path is None else old_path
    if is_blank(old) and is_blank(new):
        return
    if is_blank(old) or is_blank(new):
        yield _whole(path, old_path, old, new)
    elif isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in [*new, *(k for k in old if k not in new)]:
            yield from answer_changes(old.get(key), new.get(key), (*path, key), (*old_path, key))
    elif _entries(old) and _entries(new):
        yield from _entry_changes(old, new, path, old_path)
    elif not _same(old, new):
        yield AnswerChange(dotted(path), "changed", old, new, _moved(path, old_path), word_diff(old, new))


def _whole(path: tuple[str | int, ...], old_path: tuple[str | int, ...], old: Any, new: Any) -> AnswerChange:
    if is_blank(old):
        return AnswerChange(dotted(path), "added", None, new, _moved(path, old_path))
    return AnswerChange(dotted(old_path), "removed", old, None)


def _entry_changes(old: list[Any], new: list[Any], path: tuple[str | int, ...],
                   old_path: tuple[str | int, ...]) -> Iterator[AnswerChange]:
    """A repeatable group's entries, matched by content: equal entries are left alone wherever they moved (a list
    put in another order has not changed), an entry replaced in place is compared answer by answer, and the others
    are added or removed whole."""
    old_keys, new_keys = [_key(e) for e in old], [_key(e) for e in new]
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    changed: list[AnswerChange] = []
    added: list[int] = []
    removed: list[int] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(paired):
            changed += answer_changes(old[i1 + k], new[j1 + k], (*path, j1 + k), (*old_path, i1 + k))
        added += range(j1 + paired, j2)
        removed += range(i1 + paired, i2)
    for j in list(added):  # an entry only moved (the same answers elsewhere in the list) is no change
        same = next((i for i in removed if old_keys[i] == new_keys[j]), None)
        if same is not None:
            added.remove(j)
            removed.remove(same)
    yield from changed
    yield from (AnswerChange(dotted((*path, j)), "added", None, new[j]) for j in added)
    yield from (AnswerChange(dotted((*old_path, i)), "removed", old[i], None) for i in removed)


def word_diff(old: Any, new: Any) -> tuple[Word, ...]:
    """A long text's changes as runs of words kept (=), removed (-) and added (+); () for short answers. Line
    breaks count as spaces: the diff is of the words."""
    if not (isinstance(old, str) and isinstance(new, str)):
        return ()
    if max(len(old), len(new)) < LONG and "\n" not in old + new:
        return ()
    a, b = old.split(), new.split()
    words: list[Word] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            words.append(("=", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            words.append(("-", " ".join(a[i1:i2])))
        if j2 > j1:
            words.append(("+", " ".join(b[j1:j2])))
    return tuple(words)


def _entries(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, Mapping) for v in value)


def _same(old: Any, new: Any) -> bool:
    """Equal as answers: True and 1 are not the same answer, 80 and 80.0 are."""
    return (type(old) is type(new) and old == new) or (
        isinstance(old, int | float) and isinstance(new, int | float) and not isinstance(old, bool)
        and not isinstance(new, bool) and old == new)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _moved(path: tuple[str | int, ...], old_path: tuple[str | int, ...]) -> str:
    return dotted(old_path) if old_path != path else ""


# ---------------------------------------------------------------------------------------------------- verdicts


def verdict_value(v: Verdict) -> str:
    """A verdict's value as compared: the LAN category when there is one."""
    return v.category if v.label == "lan" and v.category else v.value


def verdict_changes(before: Evaluation, after: Evaluation) -> Iterator[VerdictChange]:
    for label in CLASSIFICATIONS:
        old, new = before.verdicts[label], after.verdicts[label]
        if verdict_value(old) != verdict_value(new):
            yield VerdictChange(label, verdict_value(old), verdict_value(new), new.reason,
                                tuple(finding_flips(before.findings_for(label), after.findings_for(label))))
    old_lines, new_lines = before.other_payers, after.other_payers
    kinds = [line.line_of_business for line in old_lines], [line.line_of_business for line in new_lines]
    for was, now in aligned(*kinds, old_lines, new_lines):
        if was is not None and now is not None and was.verdict.value == now.verdict.value:
            continue
        shown = now or was
        assert shown is not None
        # a line added or removed: its reason says it all, not every rule going from "not judged" to its status
        flips = tuple(finding_flips(was.findings, now.findings)) if was and now else ()
        yield VerdictChange(OTHER_PAYER, was.verdict.value if was else None, now.verdict.value if now else None,
                            shown.verdict.reason, flips, shown.path, shown.line_of_business)


def aligned(old_keys: Sequence[str], new_keys: Sequence[str], old: Sequence[T], new: Sequence[T]
            ) -> Iterator[tuple[T | None, T | None]]:
    """Lines of business paired across two versions by their kinds in order: a line added, removed or changed to
    another kind leaves the others paired with themselves. Pairs in the new version's order, then what only the
    old one has."""
    gone: list[T] = []
    matcher = difflib.SequenceMatcher(None, list(old_keys), list(new_keys), autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            yield from zip(old[i1:i2], new[j1:j2], strict=True)
            continue
        yield from ((None, line) for line in new[j1:j2])
        gone += old[i1:i2]
    yield from ((line, None) for line in gone)


def finding_flips(before: Sequence[Finding], after: Sequence[Finding]) -> Iterator[FindingFlip]:
    old = {f.rule_id: f for f in before}
    new = {f.rule_id: f for f in after}
    for rule_id in [*new, *(r for r in old if r not in new)]:
        was, now = old.get(rule_id), new.get(rule_id)
        if was is not None and now is not None and was.status == now.status:
            continue
        shown = now or was
        assert shown is not None
        yield FindingFlip(rule_id, shown.title, shown.citation, was.status if was else None,
                          now.status if now else None, shown.explanation, shown.fields)


def check_flips(before: Evaluation, after: Evaluation) -> Iterator[FindingFlip]:
    """The consistency and payment checks that started or stopped warning."""
    warned = {f.rule_id for f in before.warnings}
    warns = {f.rule_id for f in after.warnings}
    checks = [f for f in before.findings if f.label in CHECKS], [f for f in after.findings if f.label in CHECKS]
    for flip in finding_flips(*checks):
        if (flip.rule_id in warned) != (flip.rule_id in warns):
            yield flip


# ----------------------------------------------------------------------------------------------------- metrics


def metric_moves(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[MetricMove]:
    """The LAN metrics (the workbook's numbered rows) whose dollars or share moved, line by line, then for all
    lines together."""
    before, after = compute(old), compute(new)
    pairs = list(aligned([line.key for line in before.lines], [line.key for line in after.lines], before.lines,
                         after.lines))
    if len(before.lines) > 1 or len(after.lines) > 1:
        pairs.append((before.all, after.all))
    for was, now in pairs:
        yield from _moves(was, now)


def _moves(was: LineMix | None, now: LineMix | None) -> Iterator[MetricMove]:
    shown = now or was
    if shown is None:
        return
    old_rows = {r.key: r for r in was.rows if r.metric is not None} if was else {}
    new_rows = {r.key: r for r in now.rows if r.metric is not None} if now else {}
    for key in [*new_rows, *(k for k in old_rows if k not in new_rows)]:
        a, b = old_rows.get(key), new_rows.get(key)
        row = b or a
        assert row is not None
        old_dollars, new_dollars = (a.dollars if a else None), (b.dollars if b else None)
        # as the metrics show a share (a tenth of a percent): a move smaller than that is not a move
        old_share, new_share = round_share(a.share if a else None), round_share(b.share if b else None)
        if (old_dollars, old_share) == (new_dollars, new_share):
            continue
        if (a is None or b is None) and not (old_dollars or new_dollars):
            continue  # a line added or removed: only the metrics it has dollars in
        yield MetricMove(shown.path, shown.key, shown.label, row.metric, key, row.label, old_dollars, new_dollars,
                         old_share, new_share)


