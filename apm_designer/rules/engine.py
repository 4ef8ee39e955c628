"""The evaluator's building blocks: rules in a registry, the findings they return, and the verdicts derived from them.

A rule is a small function over the proposal's answers. It returns an `Outcome`; the engine stamps it with the
rule's id, label, title and citation to make a `Finding`. A finding is `met`, `not_met`, or `unknown` (an answer
it needs is missing, or, `pending`, a determination only CMS can make), and its explanation names the answers that
decided it. A finding that rests on a year's threshold not verified against the regulation text is `unverified`,
and its explanation says so.

An explanation is a `Text`: a sentence whose words are plain strings and whose answers are `Answer` parts. As a
`str` it reads as CI reads it, each answer as its dotted path and coded value (`element_1.authority =
section_1115a`); `apm_designer.wording` words the same parts for a person (the question and the answer's label).
So each rule writes its sentence once, and no audience sees the other's language.

Labels are what a finding bears on: the classifications (apm, advanced_apm, pfpm, mips_apm, lan) and two kinds of
check that raise warnings (consistency, payment). For those, `not_met` means the check found a problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["met", "not_met", "unknown"]
Value = Literal["yes", "no", "undetermined"]
CLASSIFICATIONS = ("apm", "advanced_apm", "pfpm", "mips_apm", "lan")
CHECKS = ("consistency", "payment")
LABEL_NAMES = {"apm": "APM", "advanced_apm": "Advanced APM", "pfpm": "PFPM", "mips_apm": "MIPS APM",
               "lan": "LAN APM Framework category", "consistency": "Consistency", "payment": "Payment mix",
               "other_payer_advanced_apm": "Other Payer Advanced APM"}  # judged per line of business



class _Missing:
    """The one value of an unanswered question; copies and pickles of it are itself, so `is MISSING` holds."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def coded(value: Any) -> str:
    """An answer's value as CI reads it: YAML's true/false, a number as given (75, 74.9999999), a list joined."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, list | tuple):
        return ", ".join(coded(v) for v in value)
    return str(value)


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer named in an explanation: its dotted path, and its value when the sentence states it."""

    path: str
    value: Any = MISSING

    def __str__(self) -> str:
        return self.path if self.value is MISSING else f"{self.path} = {coded(self.value)}"


class Text(str):
    """A sentence of words and `Answer`s. The string itself is the CI wording (each answer as `path = value`);
    `parts` keeps the answers, so `worded` can say them in a person's words instead.

        Text(Answer(AUTHORITY, "none"), ": no testing authority")   # "element_1.authority = none: no testing ..."

    Build on a Text with `+`, `Text(...)` or `Text("; ").join(...)`: an f-string or `str.join` keeps only the CI
    wording.
    """

    parts: tuple[str | Answer, ...]

    def __new__(cls, *parts: str | Answer) -> Text:
        flat: list[str | Answer] = []
        for part in parts:
            for piece in part.parts if isinstance(part, Text) else (part,):
                if isinstance(piece, Answer):
                    flat.append(piece)
                elif not isinstance(piece, str):
                    raise TypeError(f"a Text is made of strings and Answers, not {type(piece).__name__}")
                elif flat and isinstance(flat[-1], str):
                    flat[-1] += piece
                elif piece:
                    flat.append(str(piece))
        self = super().__new__(cls, "".join(map(str, flat)))
        self.parts = tuple(flat)
        return self

    def __getnewargs__(self) -> tuple[str | Answer, ...]:  # copy and pickle rebuild it from its parts
        return self.parts

    def __add__(self, other: str) -> Text:
        return Text(self, other) if isinstance(other, str) else NotImplemented

    def __radd__(self, other: str) -> Text:
        return Text(other, self) if isinstance(other, str) else NotImplemented

    def join(self, items: Iterable[str]) -> Text:  # type: ignore[override]
        out: list[str] = []
        for item in items:
            out += [self, item] if out else [item]
        return Text(*out)

    @property
    def answers(self) -> tuple[Answer, ...]:
        return tuple(p for p in self.parts if isinstance(p, Answer))

    def worded(self, word: Callable[[Answer], str]) -> str:
        """The sentence with each answer said by `word` (e.g. as its question and label, for a person)."""
        return "".join(p if isinstance(p, str) else word(p) for p in self.parts)


class Answers:
    """Read-only access to a proposal's answers by dotted path: `answers["element_1.financial_risk.type"]`.

    A missing answer (or an empty one) is `MISSING`, so rules can tell "not answered" from "answered no".
    Each path is looked up once and remembered (rules ask for the same answers many times), as is anything
    derived with `memo`: make a new Answers after the data changes.
    """

    __slots__ = ("_cache", "data")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self._cache: dict[str, Any] = {}

    def __getitem__(self, path: str) -> Any:
        try:
            return self._cache[path]
        except KeyError:
            pass
        node: Any = self.data
        for part in path.split("."):
            if not isinstance(node, Mapping) or part not in node:
                node = MISSING
                break
            node = node[part]
        value = MISSING if node is None or node == "" or node == [] else node
        self._cache[path] = value
        return value

    def memo(self, key: str, make: Callable[[], Any]) -> Any:
        """A value derived from the answers (e.g. the payment mix several checks read), made once per Answers."""
        key = "memo:" + key
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def get(self, path: str, default: Any = None) -> Any:
        value = self[path]
        return default if value is MISSING else value

    def has(self, path: str) -> bool:
        return self[path] is not MISSING

    def missing(self, *paths: str) -> tuple[str, ...]:
        return tuple(p for p in paths if self[p] is MISSING)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a rule function returns: its status, a one-line explanation, and the answers that decided it."""

    status: Status
    explanation: str  # a Text where it names answers
    fields: tuple[str, ...] = ()
    margin: float | None = None  # for threshold rules: how far the answer is from the threshold (negative = short)
    unverified: bool = False  # it rests on a threshold row not verified against the regulation text
    pending: bool = False  # unknown until CMS decides (its fields decided it; nothing is missing)


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    label: str
    title: str
    citation: str
    status: Status
    explanation: str
    fields: tuple[str, ...] = ()  # dotted answer paths that decided it, or that are missing when unknown
    margin: float | None = None
    unverified: bool = False  # its value rests on a threshold row not verified against the regulation text
    pending: bool = False  # unknown because only CMS can decide it, not because an answer is missing

    @property
    def is_warning(self) -> bool:
        return self.label in CHECKS and self.status == "not_met"


@dataclass(frozen=True, slots=True)
class Verdict:
    """A classification: yes, no or undetermined, with the reason and (when undetermined) the answers it needs."""

    label: str
    value: Value
    reason: str
    needs: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] = ()  # the findings that decided it
    category: str | None = None  # for the LAN label: the category code, e.g. "3B"
    unverified: bool = False  # a finding it rests on uses a threshold row not verified against the regulation text


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    label: str
    title: str
    citation: str
    check: Callable[[Answers], Outcome]

    def run(self, answers: Answers) -> Finding:
        o = self.check(answers)
        return Finding(self.id, self.label, self.title, self.citation, o.status, o.explanation, o.fields, o.margin,
                       o.unverified, o.pending)


@dataclass
class Registry:
    rules: dict[str, Rule] = field(default_factory=dict)

    def rule(self, id: str, label: str, title: str, citation: str) -> Callable[[Callable[[Answers], Outcome]], Rule]:
        """Decorator registering a rule function under `id`."""

        def register(fn: Callable[[Answers], Outcome]) -> Rule:
            if id in self.rules:
                raise ValueError(f"rule {id} registered twice")
            self.rules[id] = r = Rule(id, label, title, citation, fn)
            return r

        return register

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules.values())


REGISTRY = Registry()
rule = REGISTRY.rule
