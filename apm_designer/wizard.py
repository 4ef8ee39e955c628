"""The wizard's questionnaire, free of any user interface: steps, questions, answers and how far each step has come.

Everything here is derived from the proposal schema, so a new schema field becomes a new question with no code:

* **Steps** follow the toolkit: overview, the seven elements, the design factors, the payment arrangements, and a
  review. Each top-level property names its step with `x-step` (a property without one joins the overview, unless
  it is a `const` the wizard fills in itself, like `schema_version`).
* **Questions** (`Field`) come from walking the step's properties: nested objects become groups, arrays of objects
  become repeatable groups, and each leaf gets a kind that decides its widget (text, long text, a choice, yes/no,
  a number, several choices).
* **Answers** live in a plain mapping, set and cleared by path. Clearing an answer removes its key, and any
  mapping left empty by that, so a file never fills up with empty sections.
* **Step states** (complete, partly answered, has problems, empty) come from the schema's own checks: problems
  are what `validate` would report, missing answers what a final proposal would still need.

The TUI renders this and forwards keystrokes; tests use it without a terminal.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from apm_designer import resources
from apm_designer.rules.other_payer import MEDICARE, PAYER_TYPES, SAME_AS_MEDICARE
from apm_designer.rules.thresholds import questions, threshold, whole_year
from apm_designer.validation import (
    _checks,
    _explain,
    _leaves,
    dotted,
    missing_for_final,
    quick_check,
    validator,
    validator_class,
)

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

Path = tuple[str | int, ...]
Kind = Literal["text", "textarea", "choice", "yesno", "number", "integer", "choices", "group", "list"]
StepState = Literal["complete", "partial", "problems", "empty"]

OVERVIEW = "overview"
REVIEW = "review"
STEP_TITLES = {OVERVIEW: "Overview", "design_factors": "Design factors", "payment": "Payment", REVIEW: "Review"}


# ------------------------------------------------------------------------------------------------------------- steps


@dataclass(frozen=True)
class Step:
    key: str
    title: str  # as a page heading: "Element 1. Model type"
    short: str  # as an entry in the step list: "1 Model type"
    sections: tuple[str, ...]  # the top-level properties this step asks about
    question: str  # the step's question, from the schema's description

    @property
    def is_element(self) -> bool:
        return self.key.startswith("element_")


@cache
def steps() -> tuple[Step, ...]:
    """The wizard's steps in order: overview, the seven elements, design factors, payment, review."""
    props = resources.proposal_schema()["properties"]
    by_step: dict[str, list[str]] = {}
    for name, prop in props.items():
        if "x-step" in prop:
            by_step.setdefault(prop["x-step"], []).append(name)
        elif "const" not in prop:  # a question without a step is still asked, on the first page
            by_step.setdefault(OVERVIEW, []).append(name)
    order = [OVERVIEW, *(k for k in by_step if k != OVERVIEW), REVIEW]
    out = []
    for key in order:
        sections = tuple(by_step.get(key, ()))
        first = props[sections[0]] if sections else {}
        title = first.get("title", key) if key.startswith("element_") else STEP_TITLES.get(key, first.get("title", key))
        short = re.sub(r"^Element (\d+)\. ", r"\1 ", title)
        question = first.get("description", "") if key != REVIEW else "Read the proposal as a reviewer will."
        out.append(Step(key, title, short, sections, question))
    return tuple(out)


def step(key: str) -> Step:
    return next(s for s in steps() if s.key == key)


def step_of(path: Path | str) -> Step:
    """The step that asks the question at `path` (a tuple or a dotted path)."""
    top = path[0] if isinstance(path, tuple) and path else parse_dotted(path)[0] if path else OVERVIEW
    return next((s for s in steps() if top in s.sections), steps()[0])


def constants() -> dict[str, Any]:
    """Answers the wizard fills in itself (top-level `const` properties, e.g. schema_version)."""
    return {name: prop["const"] for name, prop in resources.proposal_schema()["properties"].items()
            if "const" in prop and "x-step" not in prop}


# --------------------------------------------------------------------------------------------------------- questions


@dataclass(frozen=True, eq=False)
class Field:
    """One question (or group of questions) at an answer path, as the schema describes it."""

    path: Path
    kind: Kind
    schema: Mapping[str, Any] = field(repr=False)
    children: tuple[Field, ...] = ()  # a group's questions
    required: bool = False  # a final proposal must answer it (when its group is answered)

    @property
    def dotted(self) -> str:
        return dotted(self.path)

    @property
    def name(self) -> str:
        return str(self.path[-1])

    @property
    def title(self) -> str:
        return self.schema.get("title") or self.name.replace("_", " ").capitalize()

    @property
    def description(self) -> str:
        return self.schema.get("description", "")

    @property
    def optional(self) -> bool:
        """A toolkit * item: CMS does not expect proposers to focus on it."""
        return bool(self.schema.get("x-optional"))

    @property
    def unit(self) -> str:
        return self.schema.get("x-unit", "")

    @property
    def placeholder(self) -> str:
        return self.schema.get("x-placeholder", "")

    @property
    def choices(self) -> tuple[tuple[Any, str], ...]:
        """(value, label) for a choice or several choices, labels from x-enum-labels."""
        source = self.schema.get("items", {}) if self.kind == "choices" else self.schema
        labels = self.schema.get("x-enum-labels") or source.get("x-enum-labels") or {}
        return tuple((v, labels.get(v, str(v).replace("_", " ").capitalize())) for v in source.get("enum", ()))

    @property
    def item_schema(self) -> Mapping[str, Any]:
        return resolve(self.schema.get("items", {}))

    @property
    def item_title(self) -> str:
        return self.item_schema.get("title") or "entry"

    @property
    def max_length(self) -> int | None:
        return self.schema.get("maxLength")

    def item_fields(self, index: int) -> tuple[Field, ...]:
        """The questions of entry `index` of a repeatable group."""
        return _fields_of(self.item_schema, (*self.path, index))

    def walk(self) -> Iterator[Field]:
        yield self
        for child in self.children:
            yield from child.walk()


def kind_of(schema: Mapping[str, Any]) -> Kind | None:
    """The kind of question a (resolved) schema asks; None for what is not a question (a const)."""
    if "const" in schema:
        return None
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return "group"
    if kind == "array":
        items = resolve(schema.get("items", {}))
        return "list" if items.get("type") == "object" or "properties" in items else "choices"
    if "enum" in schema:
        return "choice"
    if kind == "boolean":
        return "yesno"
    if kind in ("integer", "number"):
        return kind
    return "textarea" if schema.get("x-widget") == "textarea" else "text"


def step_fields(key: str) -> tuple[Field, ...]:
    """The questions of one step (top-level sections become groups)."""
    return _step_fields(key)


@cache
def _step_fields(key: str) -> tuple[Field, ...]:
    root = resources.proposal_schema()
    return tuple(f for name in step(key).sections if (f := _field(root["properties"][name], (name,))) is not None)


def field_at(path: Path | str) -> Field | None:
    """The question at an answer path (including entries of repeatable groups), or None."""
    parts = parse_dotted(path) if isinstance(path, str) else path
    found: Field | None = None
    candidates: Sequence[Field] = step_fields(step_of(parts).key)
    for depth in range(1, len(parts) + 1):
        prefix = parts[:depth]
        if isinstance(prefix[-1], int):
            if found is None or found.kind != "list":
                return None
            candidates = found.item_fields(prefix[-1])
            continue
        found = next((f for f in candidates if f.path == prefix), None)
        if found is None:
            return None
        candidates = found.children
    return found


def _field(schema: Mapping[str, Any], path: Path) -> Field | None:
    schema = resolve(schema)
    kind = kind_of(schema)
    if kind is None:
        return None
    children = _fields_of(schema, path) if kind == "group" else ()
    return Field(path, kind, schema, children, required_for_final(path))


def _fields_of(schema: Mapping[str, Any], path: Path) -> tuple[Field, ...]:
    return tuple(f for name, prop in schema.get("properties", {}).items() if (f := _field(prop, (*path, name))))


def resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    if "$ref" in schema:
        target = resources.proposal_schema()["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
        return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


YEAR_PATH: Path = ("metadata", "performance_year")
LINES_PATH: Path = ("payment", "lines_of_business")


def asked(f: Field, data: Mapping[str, Any]) -> bool:
    """Whether the wizard asks question (or group) `f`, given the other answers: only in the years it decides
    (`asked_for_year`), and a line of business's Other Payer questions only where they decide something
    (`asked_for_line`). An answer to a question not asked stays in the file."""
    return asked_for_year(f, data) and asked_for_line(f, data)


def asked_when(path: Path) -> bool:
    """Whether an answer at `path` can change which questions are asked (see `asked`)."""
    return path == YEAR_PATH or path[-1:] in (("line_of_business",), (SAME_AS_MEDICARE,)) or (
        dotted(path) in MEDICARE.values())


def asked_for_year(f: Field, data: Mapping[str, Any]) -> bool:
    """Whether question `f` is asked for the proposal's performance year: a question a year's row of the thresholds
    table `asks` is asked only in that row's years (with no year answered yet, every question is asked). E.g. the
    Medical Home Model size limit counts the parent organisation through 2022 and the APM Entity's Participation
    List from 2023 (42 CFR 414.1415(c)(7)), and another payer's medical home has no size limit before 2023
    (414.1420(d)(8))."""
    question = pattern(f.path)
    key = questions().get(question)
    year = whole_year(get(data, YEAR_PATH))
    if key is None or year is None:
        return True
    return threshold(key, year).asks == question


def asked_for_line(f: Field, data: Mapping[str, Any]) -> bool:
    """Whether a line of business's Other Payer question is asked: only for a line another payer pays through
    (Traditional Medicare is judged as the Medicare design), and, on a line the same as the Medicare design, not
    a question the Medicare design already answers for it, unless the line gives its own answer (which counts
    instead, so it stays in sight). Questions outside `other_payer` are always asked."""
    path = f.path
    if len(path) < 4 or path[:2] != LINES_PATH or path[3] != "other_payer":
        return True
    line = get(data, path[:3])
    if not isinstance(line, Mapping) or line.get("line_of_business") not in PAYER_TYPES:
        return False
    name = path[4] if len(path) == 5 else None
    if name in MEDICARE and get(data, (*path[:4], SAME_AS_MEDICARE)) is True:
        return not is_blank(get(data, path)) or is_blank(get(data, parse_dotted(MEDICARE[name])))
    return True


def pattern(path: Path) -> str:
    """The dotted path with every entry's index left out, as the thresholds table names a question of every
    entry: `payment.lines_of_business[].other_payer.apm_entity_clinicians`."""
    return re.sub(r"\[\d+\]", "[]", dotted(path))


def required_for_final(path: Path) -> bool:
    """Whether a final proposal must answer `path`: it and every group above it are required.

    Follows the schema's own `required` lists and the final-status requirements side by side; entries of a
    repeatable group count as required when the group is.
    """
    root = resources.proposal_schema()
    base: Mapping[str, Any] = root
    final: Mapping[str, Any] = root.get("$defs", {}).get("final_requirements", {})
    for part in path:
        if isinstance(part, int):
            base, final = resolve(base.get("items", {})), final.get("items", {})
            continue
        if part not in base.get("required", ()) and part not in final.get("required", ()):
            return False
        base = resolve(base.get("properties", {}).get(part, {}))
        final = final.get("properties", {}).get(part, {})
    return True


def parse_dotted(path: str) -> Path:
    """("element_6", "measures", 2, "type") for `element_6.measures[2].type`."""
    out: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        out.append(int(index) if index else name)
    return tuple(out)


# ----------------------------------------------------------------------------------------------------------- answers


def get(data: Mapping[str, Any], path: Path) -> Any:
    """The answer at `path`, or None when it is not given."""
    node: Any = data
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or not 0 <= part < len(node):
                return None
        elif not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def set_answer(data: dict[str, Any], path: Path, value: Any) -> None:
    """Give the answer at `path` (creating the groups above it), or clear it when `value` is blank.

    Clearing removes the key and every mapping it leaves empty on the way up; entries of a repeatable group stay
    until they are removed on purpose.
    """
    if is_blank(value):
        _clear(data, path)
        return
    node = _holder(data, path)
    last = path[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append({})
    node[last] = value


def _holder(data: dict[str, Any], path: Path) -> Any:
    """The mapping or list that holds the answer at `path`, created (with everything above it) when missing."""
    node: Any = data
    for part, following in itertools.pairwise(path):
        node = _child(node, part, following)
    return node


def _child(node: Any, part: str | int, following: str | int) -> Any:
    fresh: Any = [] if isinstance(following, int) else {}
    if isinstance(part, int):
        while len(node) <= part:
            node.append({})
        if not isinstance(node[part], type(fresh)):
            node[part] = fresh
        return node[part]
    if not isinstance(node.get(part), type(fresh)):
        node[part] = fresh
    return node[part]


def _clear(data: dict[str, Any], path: Path) -> None:
    parents: list[Any] = [data]
    for part in path[:-1]:
        child = get(parents[-1], (part,))
        if not isinstance(child, (dict, list)):
            return
        parents.append(child)
    last = path[-1]
    if isinstance(last, int) or last not in parents[-1]:
        return
    del parents[-1][last]
    for depth in range(len(path) - 2, -1, -1):  # prune mappings left empty, stopping at list entries
        parent, key = parents[depth], path[depth]
        if isinstance(key, int) or parent[key]:
            break
        del parent[key]


def add_item(data: dict[str, Any], path: Path) -> int:
    """Append an empty entry to the repeatable group at `path`; its index."""
    items = get(data, path)
    if not isinstance(items, list):
        items = []
        _holder(data, path)[path[-1]] = items
    items.append({})
    return len(items) - 1


def remove_item(data: dict[str, Any], path: Path, index: int) -> None:
    """Remove entry `index` of the repeatable group at `path` (and the group, when it was the last one)."""
    items = get(data, path)
    if isinstance(items, list) and 0 <= index < len(items):
        del items[index]
        if not items:
            _clear(data, path)


def equal(a: Any, b: Any) -> bool:
    """Deep equality that tells `true` from `1` and `1` from `1.0` the way YAML does."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return list(a) == list(b) and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    return _scalar_type(a) is _scalar_type(b) and a == b


def _scalar_type(value: Any) -> type:
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind
    return type(value)


# ----------------------------------------------------------------------------------------------------- typed answers


@dataclass(frozen=True)
class Parsed:
    """A typed answer: the value to store (kept as typed text when it cannot be read) and what is wrong with it."""

    value: Any
    errors: tuple[str, ...] = ()


_NUMBER_NOISE = re.compile(r"[\s,_$%]")


def parse(f: Field, text: str) -> Parsed:
    """Read what was typed into a text box for question `f`, forgivingly ("$1,200,000" is 1200000).

    Text that cannot be a number is stored as typed, so nothing is lost, and the error says what to type.
    """
    if f.kind in ("number", "integer"):
        cleaned = _NUMBER_NOISE.sub("", text)
        if not cleaned:
            return Parsed(None)
        try:
            number = float(cleaned)
        except ValueError:
            return Parsed(text, (f"type {'a whole number' if f.kind == 'integer' else 'a number'}, e.g. "
                                 f"{f.schema.get('minimum', 0) or 12}",))
        if number != number or number in (float("inf"), float("-inf")):
            return Parsed(text, ("type a finite number",))
        if number.is_integer() and "." not in cleaned and "e" not in cleaned.lower():
            value: int | float = int(cleaned)
        elif f.kind == "integer":
            if not number.is_integer():
                return Parsed(text, ("type a whole number, without decimals",))
            value = int(number)
        else:
            value = number
        return Parsed(value, check(f, value))
    value = text if f.kind == "textarea" else text.strip()
    value = value.rstrip() if f.kind == "textarea" else value
    if not value:
        return Parsed(None)
    return Parsed(value, check(f, value))


def check(f: Field, value: Any) -> tuple[str, ...]:
    """What the schema says is wrong with `value` as an answer to `f` alone (limits, patterns, formats)."""
    if is_blank(value):
        return ()
    passes = _checks()(f.schema)
    if passes is not None and passes(value):  # most answers: jsonschema is asked only to explain a mistake
        return ()
    return tuple(message for error in _leaves(_leaf_validator(id(f.schema), f.schema).iter_errors(value))
                 for _path, _key, message in _explain(error, people=True))


_VALIDATORS: dict[int, Draft202012Validator] = {}


def _leaf_validator(key: int, schema: Mapping[str, Any]) -> Draft202012Validator:
    from jsonschema import FormatChecker  # here: `evaluate` imports this module too

    if key not in _VALIDATORS:
        _VALIDATORS[key] = validator_class()(schema, format_checker=FormatChecker(formats=("date", "email")))
    return _VALIDATORS[key]


def as_text(f: Field, value: Any) -> str:
    """An answer as the text box shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer() and f.kind in ("number", "integer"):
        return str(int(value))  # 2018.0 means 2018 (JSON Schema's integer accepts it)
    return str(value)


# ------------------------------------------------------------------------------------------------------------ checks


@dataclass(frozen=True)
class Check:
    """The schema's view of the answers: problems by dotted path, what a final proposal still lacks, step states."""

    problems: Mapping[str, tuple[str, ...]]
    missing: tuple[tuple[Path, str], ...]
    states: Mapping[str, StepState]

    def problems_under(self, prefix: str) -> list[tuple[str, str]]:
        return [(path, m) for path, messages in self.problems.items() if _under(path, prefix) for m in messages]

    def missing_under(self, prefix: str) -> list[tuple[Path, str]]:
        return [(path, title) for path, title in self.missing if _under(dotted(path), prefix)]

    @property
    def problem_count(self) -> int:
        return sum(len(m) for m in self.problems.values())


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


def check_answers(data: Mapping[str, Any]) -> Check:
    """Check every answer: what `validate` would report (problems) and what a final proposal still needs."""
    problems: dict[str, list[str]] = {}
    # The compiled check passes most answers at once; jsonschema (slow to import and build) only explains problems.
    if not quick_check()(data):
        for error in _leaves(validator().iter_errors(data)):
            if error.validator == "required":  # a missing answer, not a wrong one: reported in `missing`
                continue
            for path, _key, message in _explain(error, people=True):
                problems.setdefault(dotted(path), []).append(message)
    missing = tuple(missing_for_final(data))
    frozen = {path: tuple(dict.fromkeys(messages)) for path, messages in problems.items()}
    states = {s.key: _state(s, data, frozen, missing) for s in steps()}
    return Check(frozen, missing, states)


def _state(s: Step, data: Mapping[str, Any], problems: Mapping[str, tuple[str, ...]],
           missing: tuple[tuple[Path, str], ...]) -> StepState:
    if s.key == REVIEW:
        if problems:
            return "problems"
        return "partial" if missing else "complete"
    if any(_under(p, name) for p in problems for name in s.sections):
        return "problems"
    answered = any(not is_blank(data.get(name)) for name in s.sections)
    if not answered:
        return "empty"
    return "partial" if any(path[0] in s.sections for path, _ in missing) else "complete"


def without_problems(data: dict[str, Any], check: Check) -> dict[str, Any]:
    """The answers with every answer the schema rejects left out, as the evaluator may read them: a half-typed
    number ("12a", kept so nothing is lost) counts as not answered yet, and is flagged at its question."""
    if not check.problems:
        return data
    clean = copy.deepcopy(data)
    for path in check.problems:
        parts = parse_dotted(path)
        f = field_at(parts) if parts else None
        if f is not None and f.kind not in ("group", "list"):
            _clear(clean, parts)
    return clean


def answered_count(s: Step, data: Mapping[str, Any]) -> int:
    """How many questions of a step have an answer (for progress shown beside the step)."""
    return sum(answers_in(get(data, (name,))) for name in s.sections)


def answers_in(value: Any) -> int:
    """How many questions an answer (a group's or an entry's, with everything under it) answers."""
    return sum(1 for _ in _leaves_answered(value))


def _leaves_answered(value: Any) -> Iterator[Any]:
    if isinstance(value, Mapping):
        for v in value.values():
            yield from _leaves_answered(v)
    elif isinstance(value, list) and value and isinstance(value[0], Mapping):
        for v in value:
            yield from _leaves_answered(v)
    elif not is_blank(value):
        yield value


# ------------------------------------------------------------------------------------------------------- the session


class Questionnaire:
    """The answers being given, with the changes since they were last saved.

    `baseline` is the answers as they are on disk (empty for a new proposal); `dirty` says whether the answers
    differ from it.
    """

    def __init__(self, data: Mapping[str, Any] | None = None, baseline: Mapping[str, Any] | None = None) -> None:
        self.data: dict[str, Any] = copy.deepcopy(dict(data)) if data is not None else {**constants()}
        self.baseline: dict[str, Any] = copy.deepcopy(dict(baseline) if baseline is not None else self.data)
        self.revision = 0  # bumped on every change, so watchers can tell fresh work from stale

    @property
    def dirty(self) -> bool:
        return not equal(self.data, self.baseline)

    def answer(self, path: Path) -> Any:
        return get(self.data, path)

    def set(self, path: Path, value: Any) -> bool:
        """Give (or clear) an answer; whether anything changed."""
        if equal(get(self.data, path), None if is_blank(value) else value):
            return False
        set_answer(self.data, path, value)
        self.revision += 1
        return True

    def add_item(self, path: Path) -> int:
        self.revision += 1
        return add_item(self.data, path)

    def remove_item(self, path: Path, index: int) -> None:
        self.revision += 1
        remove_item(self.data, path, index)

    def mark_saved(self) -> None:
        self.baseline = copy.deepcopy(self.data)

    def check(self) -> Check:
        return check_answers(self.data)

    @property
    def title(self) -> str:
        title = get(self.data, ("metadata", "title"))
        return title if isinstance(title, str) and title else "Untitled proposal"


# -------------------------------------------------------------------------------------------------------------- help


@dataclass(frozen=True)
class HelpBlock:
    """One block of a step's help. `kind` is title, question, text, heading, item (of a list) or entry (a term in
    bold, `lead`, and what it means)."""

    kind: Literal["title", "question", "text", "heading", "item", "entry"]
    text: str
    lead: str = ""


def help_blocks(key: str) -> list[HelpBlock]:
    """The toolkit's help for a step: guidance and real model examples, or the payment glossary."""
    from apm_designer import toolkit

    if key.startswith("element_"):
        e = toolkit.element(key)
        return [HelpBlock("title", e.title), HelpBlock("question", e.question), *_paragraphs(e.guidance),
                HelpBlock("heading", "The toolkit asks for"), *(HelpBlock("item", a) for a in e.asks),
                HelpBlock("heading", "From real models"),
                *(HelpBlock("entry", x.text, lead=x.model) for x in e.examples)]
    if key == "design_factors":
        return [HelpBlock("title", "Model design factors"),
                HelpBlock("text", "CMS weighs these twenty factors when it selects models to test. Rate your model "
                                  "High, Medium or Low on each and say why. CMS does not expect proposers to focus on "
                                  "the factors marked *: they are optional."),
                *(HelpBlock("item", f"{f.title}{' *' if f.optional else ''}", lead=f"{f.number}.")
                  for f in toolkit.design_factors())]
    if key == "payment":
        glossary = toolkit.glossary()
        terms = [f"Category {n}" for n in range(1, 5)] + [a.term for a in toolkit.arrangements().values()]
        return [HelpBlock("title", "Payment arrangements"),
                HelpBlock("text", "Describe how the model pays, by line of business, in the terms of the LAN APM "
                                  "Framework, with the dollars you project for each arrangement. The LAN workbook's "
                                  "metrics appear below the form as you type."),
                HelpBlock("heading", "Glossary"),
                *(HelpBlock("entry", glossary[t], lead=t) for t in dict.fromkeys(terms) if t in glossary)]
    if key == REVIEW:
        return [HelpBlock("title", "Review"),
                HelpBlock("text", "The proposal as a reviewer will read it, with everything still missing or wrong "
                                  "listed first: select a line to go to its answer. Save with ctrl+s; export (ctrl+r) "
                                  "writes the Markdown beside the proposal file.")]
    return [HelpBlock("title", "Welcome"),
            HelpBlock("text", "This wizard walks you through CMS's APM Design Toolkit: an overview, the seven "
                              "elements, the twenty model design factors and the payment arrangements, then a "
                              "review."),
            HelpBlock("item", "Answer in any order; jump to any step from the list on the left."),
            HelpBlock("item", "Every answer is kept in a draft as you type, so nothing is lost."),
            HelpBlock("item", "The evaluation (F2) tells you, as you go, whether the model is an APM, an Advanced "
                              "APM and a PFPM, and what it still needs.")]


def _paragraphs(text: str) -> list[HelpBlock]:
    """Text blocks from prose whose lines are wrapped by hand and whose paragraphs are parted by blank lines."""
    return [HelpBlock("text", " ".join(part.split())) for part in re.split(r"\n\s*\n", text) if part.strip()]
