"""Schema checks on a loaded proposal, each problem located at its answer's line and column.

One validator is compiled per process and reused for every file. Locations come from the document's node tree,
walked only for files that have problems. A valid file is passed by the compiled check (schema_check) alone, and
jsonschema is imported only to explain a failure: `validate` on one valid file starts as fast as Python can.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from apm_designer.document import Document
from apm_designer.problems import Problem
from apm_designer.resources import proposal_schema
from apm_designer.schema_check import Checks, conforms
from apm_designer.schema_check import pattern as schema_pattern

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, ValidationError

FORMATS = ("date", "email")  # the formats checked; jsonschema leaves others unchecked unless asked

_TYPE_NAMES = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "object": "a mapping of answers", "array": "a list", "null": "empty"}


@cache
def validator() -> Draft202012Validator:
    """The proposal schema's validator, built once (checking formats such as dates and emails).

    It reports exactly the errors, in the order, that jsonschema's Draft 2020-12 validator does, but does not walk
    into answers that the compiled check (schema_check) passes, since they have none: explaining what is wrong
    with an invalid file costs about the size of its mistakes, not of the whole file.
    """
    from jsonschema import Draft202012Validator, FormatChecker, validators

    def properties(v: Draft202012Validator, properties: Mapping[str, Any], instance: Any, schema: Any) -> Iterator:
        if not v.is_type(instance, "object"):
            return
        for name, subschema in properties.items():  # as jsonschema's `properties`, less the answers that pass
            if name in instance and not _passes(subschema, instance[name]):
                yield from v.descend(instance[name], subschema, path=name, schema_path=name)

    def items(v: Draft202012Validator, items: Any, instance: Any, schema: Any) -> Iterator:
        if items is False or "prefixItems" in schema or not v.is_type(instance, "array"):
            yield from Draft202012Validator.VALIDATORS["items"](v, items, instance, schema)
            return
        for index, item in enumerate(instance):  # as jsonschema's `items`, less the entries that pass
            if not _passes(items, item):
                yield from v.descend(instance=item, schema=items, path=index)

    pruning = validators.extend(validator_class(), {"properties": properties, "items": items})
    return pruning(proposal_schema(), format_checker=FormatChecker(formats=FORMATS))


@cache
def validator_class() -> type[Draft202012Validator]:
    """Draft 2020-12 with `pattern` as JSON Schema means it (schema_check.pattern: `$` is the very end)."""
    from jsonschema import Draft202012Validator, ValidationError, validators

    def pattern(v: Draft202012Validator, source: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
        if v.is_type(instance, "string") and not schema_pattern(source).search(instance):
            yield ValidationError(f"{instance!r} does not match {source!r}")

    return validators.extend(Draft202012Validator, {"pattern": pattern})


@cache
def _checks() -> Checks:
    return Checks(proposal_schema(), lambda value, fmt: fmt not in FORMATS or conforms(value, fmt))


def _passes(schema: Any, value: Any) -> bool:
    check = _checks()(schema)
    return check is not None and check(value)


def dotted(path: Iterable[str | int]) -> str:
    """`element_6.measures[2].type` for ("element_6", "measures", 2, "type"); "(top level)" for ()."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def field_schema(path: Iterable[str | int]) -> dict[str, Any]:
    """The proposal schema's subschema for an answer path ({} where the schema has none), with $refs followed."""
    root = proposal_schema()
    node: dict[str, Any] = root
    for part in path:
        node = node.get("items", {}) if isinstance(part, int) else node.get("properties", {}).get(part, {})
        if "$ref" in node:
            node = {**root["$defs"][node["$ref"].rsplit("/", 1)[-1]], **node}
    return node


@cache
def quick_check() -> Callable[[Any], bool]:
    """A compiled yes/no check: True only for data the validator finds no error in (see schema_check)."""
    return _checks()(proposal_schema()) or (lambda data: False)


def validate(doc: Document) -> list[Problem]:
    """Every schema problem in the document, in file order."""
    if quick_check()(doc.data):  # most files: no need to ask jsonschema for errors that are not there
        return []
    return problems_for(doc, validator().iter_errors(doc.data))


def missing_for_final(data: Mapping[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """The answers a final proposal must give that `data` leaves out, as (answer path, question title).

    Drafts use this for their "still missing" list: the data is checked as if its status were final, and only
    the missing answers are kept (other problems are validate's business).
    """
    metadata = data.get("metadata") if isinstance(data.get("metadata"), Mapping) else {}
    trial = {**data, "metadata": {**metadata, "status": "final"}}
    if quick_check()(trial):
        return []
    missing = []
    for error in validator().iter_errors(trial):
        if error.validator == "required" and isinstance(error.instance, Mapping):
            for name in error.validator_value:
                if name not in error.instance:
                    path = (*error.absolute_path, name)
                    missing.append((path, field_schema(path).get("title", name)))
    return list(dict.fromkeys(missing))


def is_valid(data: Mapping[str, Any]) -> bool:
    return quick_check()(data) or validator().is_valid(data)


def problems_for(doc: Document, errors: Iterable[ValidationError]) -> list[Problem]:
    found: list[Problem] = []
    for error in _leaves(errors):
        for path, key, message in _explain(error):
            line, col = doc.locate(path, key=key)
            found.append(Problem(doc.path, line, col, f"{dotted(path)}: {message}", str(error.validator)))
    # A date or email that fails its format also fails the pattern that spells the format out: one mistake, one
    # problem.
    formats = {(p.line, p.col) for p in found if p.code == "format"}
    found = [p for p in found if not (p.code == "pattern" and (p.line, p.col) in formats)]
    found.sort(key=lambda p: (p.line, p.col, p.message))
    return list(dict.fromkeys(found))  # `then` and the base schema can report the same thing twice


def _leaves(errors: Iterable[ValidationError]) -> Iterable[ValidationError]:
    """The errors a person can act on: for anyOf/oneOf, the best match inside rather than the wrapper."""
    from jsonschema.exceptions import best_match

    for error in errors:
        if error.context:
            yield best_match(error.context)
        else:
            yield error


def _explain(error: ValidationError, people: bool = False) -> list[tuple[Sequence[str | int], bool, str]]:
    """(answer path, locate the key rather than the value, plain message) for one error. CI reads the codes a file
    holds (`section_1115a`); with `people` (the wizard) options and fields are named by their labels instead."""
    path = list(error.absolute_path)
    kind, schema, value, expected = error.validator, error.schema, error.instance, error.validator_value
    final = "final_requirements" in error.schema_path or "then" in error.schema_path
    if kind == "required":
        missing = [name for name in expected if isinstance(value, dict) and name not in value]
        when = " in a final proposal" if final else ""
        title = {name: field_schema([*path, name]).get("title", name) for name in missing}
        return [(path, bool(path), f"'{name}' ({title[name]}) must be answered{when}") for name in missing]
    if kind == "additionalProperties":
        known = list(schema.get("properties", {}))
        out = []
        for name in value:
            if name in known:
                continue
            hint = difflib.get_close_matches(name, known, n=1)
            if people:  # the file holds an answer this form does not ask: name the question it may be meant for
                title = schema["properties"][hint[0]].get("title", hint[0]) if hint else ""
                tip = f"; did you mean “{title}”?" if hint else ""
                out.append(([*path, name], True, f"'{name}' in the file is not a question of this form{tip}"))
                continue
            tip = f"; did you mean '{hint[0]}'?" if hint else f"; expected one of: {', '.join(known)}"
            out.append(([*path, name], True, f"unknown field '{name}'{tip}"))
        return out
    if kind == "enum" and people:
        return [(path, False, _not_an_option(value, expected, schema))]
    return [(path, False, _message(kind, value, expected, schema, error))]


def _not_an_option(value: Any, expected: Sequence[Any], schema: Mapping[str, Any]) -> str:
    """An answer that is none of the options, with the options as the proposer sees them in the list."""
    labels = schema.get("x-enum-labels", {})
    named = [f"“{labels.get(str(code), code)}”" for code in expected]
    hint = difflib.get_close_matches(str(value), [str(v) for v in expected], n=1)
    tip = f"; did you mean {named[[str(v) for v in expected].index(hint[0])]}?" if hint else ""
    return f"{_show(value)} is not one of the options ({', '.join(named)}){tip}"


def _message(kind: str, value: Any, expected: Any, schema: Mapping[str, Any], error: ValidationError) -> str:
    shown = _show(value)
    if kind == "type":
        names = [expected] if isinstance(expected, str) else expected
        return f"expected {' or '.join(_TYPE_NAMES.get(n, n) for n in names)}, got {_describe(value)}"
    if kind == "minimum":
        return f"{shown} is below the minimum {_num(expected)}"
    if kind == "maximum":
        return f"{shown} is above the maximum {_num(expected)}"
    if kind == "exclusiveMinimum":
        return f"{shown} must be above {_num(expected)}"
    if kind == "exclusiveMaximum":
        return f"{shown} must be below {_num(expected)}"
    if kind == "enum":
        hint = difflib.get_close_matches(str(value), [str(v) for v in expected], n=1)
        tip = f"; did you mean '{hint[0]}'?" if hint else ""
        return f"{shown} is not one of: {', '.join(map(str, expected))}{tip}"
    if kind == "const":
        return f"must be {_show(expected)}, not {shown}"
    if kind == "minLength":
        return "must not be empty" if expected == 1 else f"must be at least {expected} characters"
    if kind == "maxLength":
        return f"is {len(value):,} characters, over the limit of {expected:,}"
    if kind == "minItems":
        return "must list at least one entry" if expected == 1 else f"must list at least {expected} entries"
    if kind == "maxItems":
        return f"lists {len(value)} entries, over the limit of {expected}"
    if kind == "uniqueItems":
        return "lists the same entry more than once"
    if kind == "pattern":
        like = schema.get("x-placeholder")
        return f"{shown} is not in the expected form" + (f" ({like})" if like else "")
    if kind == "format":
        return f"{shown} is not a valid {expected}" + (" (YYYY-MM-DD)" if expected == "date" else "")
    return error.message


def _num(n: Any) -> str:
    return f"{n:g}" if isinstance(n, float) else str(n)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # as given, every digit: 100.0000001 is above the maximum 100, "100" would not be
    if isinstance(value, int):
        return _num(value)
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    return _describe(value)


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (an empty answer)"
    if isinstance(value, bool):
        return f"{_show(value)} (true/false)"
    if isinstance(value, (int, float)):
        return f"the number {_show(value)}"
    if isinstance(value, str):
        return f"text {_show(value)}"
    if isinstance(value, list):
        return "a list"
    return "a mapping"
