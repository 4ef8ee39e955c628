"""A yes/no check of data against the proposal schema, compiled once into plain Python closures.

jsonschema walks the schema anew for every document and builds a validator object at every step down; most files
a CI run checks are valid, and for those a yes is all `validate` needs. `compile_check` turns the schema into
nested closures over the few keywords it uses, so checking a valid document costs a walk over its data only.

The check is one-sided: True means jsonschema finds no error; False means "maybe an error", and the caller asks
jsonschema, which also explains each problem. Keywords that are cheaper to doubt than to mirror (uniqueItems on
anything but text) answer False when unsure. A schema using a keyword this module does not handle compiles to
None, and every document goes to jsonschema.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping
from datetime import date
from functools import cache
from typing import Any

Check = Callable[[Any], bool]

# Draft 2020-12 keywords that assert something; any other key is an annotation (title, x-help, ...) or a
# container ($defs, then, else) that jsonschema ignores on its own, as we do.
_ASSERTING = {
    "$dynamicRef", "$ref", "additionalProperties", "allOf", "anyOf", "const", "contains", "dependentRequired",
    "dependentSchemas", "enum", "exclusiveMaximum", "exclusiveMinimum", "format", "if", "items", "maxItems",
    "maxLength", "maxProperties", "maximum", "minItems", "minLength", "minProperties", "minimum", "multipleOf", "not",
    "oneOf", "pattern", "patternProperties", "prefixItems", "properties", "propertyNames", "required", "type",
    "unevaluatedItems", "unevaluatedProperties", "uniqueItems",
}
_HANDLED = {
    "$ref", "additionalProperties", "allOf", "anyOf", "const", "enum", "exclusiveMaximum", "exclusiveMinimum",
    "format", "if", "items", "maxItems", "maxLength", "maximum", "minItems", "minLength", "minimum", "not", "oneOf",
    "pattern", "properties", "required", "type", "uniqueItems",
}


class _Unsupported(Exception):
    pass


# jsonschema's own date and email checks (jsonschema/_format.py), so a format means the same without importing it.
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def _is_date(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return bool(_DATE.fullmatch(value) and date.fromisoformat(value))
    except ValueError:
        return False


def _is_email(value: Any) -> bool:
    return not isinstance(value, str) or "@" in value


_FORMATS: dict[str, Callable[[Any], bool]] = {"date": _is_date, "email": _is_email}


def conforms(value: Any, fmt: str) -> bool:
    """Whether `value` has format `fmt`, for the formats this module knows (as jsonschema's FormatChecker has it)."""
    if fmt not in _FORMATS:
        raise ValueError(f"format {fmt!r} is not one this module checks")
    return _FORMATS[fmt](value)


@cache
def pattern(source: str) -> re.Pattern[str]:
    """A schema's `pattern` as JSON Schema means it (ECMA-262 without flags): `$` matches at the very end of the
    text only. Python's `$` also matches before a final newline, so "a@b.org\\n" would pass `^...$`; here every
    `$` outside a character class is `\\Z`."""
    out, in_class, escaped = [], False, False
    for char in source:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        elif char == "$" and not in_class:
            char = r"\Z"
        out.append(char)
    return re.compile("".join(out))


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Number) and not isinstance(v, bool)


# Type tests exactly as jsonschema's Draft 2020-12 type checker makes them (1.0 is an integer, True is not).
_TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


class Checks:
    """Compiled checks for a schema and for any of its subschemas, each compiled the first time it is asked for.

    `conforms(value, format)` is the format check (jsonschema's `FormatChecker.conforms`), so formats mean the same.
    """

    def __init__(self, root: Mapping[str, Any], conforms: Callable[[Any, str], bool]) -> None:
        self.root = root
        self._compiler = _Compiler(root, conforms)
        self._by_id: dict[int, tuple[Any, Check | None]] = {}

    def __call__(self, subschema: Any) -> Check | None:
        """The check for `subschema` (a part of the root schema, or the root), or None if it is beyond this module."""
        key = id(subschema)
        if key not in self._by_id:
            try:
                check: Check | None = self._compiler.node(subschema, exact=False)
            except _Unsupported:
                check = None
            self._by_id[key] = (subschema, check)  # holding the subschema keeps its id from being reused
        return self._by_id[key][1]


def compile_check(schema: Mapping[str, Any], conforms: Callable[[Any, str], bool]) -> Check | None:
    """A function telling whether data is valid against `schema`, or None when the schema is beyond this module."""
    return Checks(schema, conforms)(schema)


class _Compiler:
    def __init__(self, root: Mapping[str, Any], conforms: Callable[[Any, str], bool]) -> None:
        self.root = root
        self.conforms = conforms
        self.refs: dict[tuple[str, bool], Check] = {}

    def node(self, schema: Any, exact: bool) -> Check:
        """`exact`: the answer must be right both ways (under `if`, `not`, `anyOf`, `oneOf`), not just one-sided."""
        if schema is True or schema == {}:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, Mapping) or set(schema) & (_ASSERTING - _HANDLED):
            raise _Unsupported
        checks = [c for c in (self._ref(schema, exact), self._type(schema), self._object(schema, exact),
                              self._array(schema, exact), self._string(schema), self._number(schema),
                              self._value(schema), *self._logic(schema, exact)) if c is not None]
        return _all(checks)

    def _ref(self, schema: Mapping[str, Any], exact: bool) -> Check | None:
        ref = schema.get("$ref")
        if ref is None:
            return None
        if not ref.startswith("#/"):
            raise _Unsupported
        key = (ref, exact)
        if key not in self.refs:
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            slot: list[Check] = []
            self.refs[key] = lambda v: slot[0](v)  # recursive schemas resolve through the slot
            slot.append(self.node(target, exact))
        return self.refs[key]

    def _type(self, schema: Mapping[str, Any]) -> Check | None:
        kind = schema.get("type")
        if kind is None:
            return None
        kinds = [kind] if isinstance(kind, str) else list(kind)
        if any(k not in _TYPES for k in kinds):
            raise _Unsupported
        tests = [_TYPES[k] for k in kinds]
        return tests[0] if len(tests) == 1 else (lambda v: any(t(v) for t in tests))

    def _object(self, schema: Mapping[str, Any], exact: bool) -> Check | None:
        props = {k: self.node(s, exact) for k, s in schema.get("properties", {}).items()}
        required = tuple(schema.get("required", ()))
        extra = schema.get("additionalProperties", True)
        other = None if extra is True else self.node(extra, exact)
        if not props and not required and other is None:
            return None

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            for name in required:
                if name not in v:
                    return False
            for name, value in v.items():
                sub = props.get(name, other)
                if sub is not None and not sub(value):
                    return False
            return True

        return check

    def _array(self, schema: Mapping[str, Any], exact: bool) -> Check | None:
        items = self.node(schema["items"], exact) if "items" in schema else None
        low, high = schema.get("minItems", 0), schema.get("maxItems")
        unique = schema.get("uniqueItems", False)
        if unique and exact:
            raise _Unsupported
        if items is None and not low and high is None and not unique:
            return None

        def check(v: Any) -> bool:
            if not isinstance(v, list):
                return True
            if len(v) < low or (high is not None and len(v) > high):
                return False
            # jsonschema compares 1 and True as different items; for text a set says the same, otherwise doubt
            if unique and not (all(isinstance(x, str) for x in v) and len(set(v)) == len(v)):
                return False
            return items is None or all(items(x) for x in v)

        return check

    def _string(self, schema: Mapping[str, Any]) -> Check | None:
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        regex = pattern(schema["pattern"]) if "pattern" in schema else None
        if not low and high is None and regex is None:
            return None

        def check(v: Any) -> bool:
            if not isinstance(v, str):
                return True
            n = len(v)
            return n >= low and (high is None or n <= high) and (regex is None or regex.search(v) is not None)

        return check

    def _number(self, schema: Mapping[str, Any]) -> Check | None:
        bounds = [(schema[k], op) for k, op in (("minimum", _ge), ("maximum", _le), ("exclusiveMinimum", _gt),
                                                 ("exclusiveMaximum", _lt)) if k in schema]
        if not bounds:
            return None
        return lambda v: not _is_number(v) or all(op(v, bound) for bound, op in bounds)

    def _value(self, schema: Mapping[str, Any]) -> Check | None:
        checks: list[Check] = []
        if "enum" in schema:
            tests = [_equals(e) for e in schema["enum"]]
            texts = frozenset(e for e in schema["enum"] if isinstance(e, str))
            if len(texts) == len(tests):
                checks.append(lambda v: isinstance(v, str) and v in texts)
            else:
                checks.append(lambda v: any(t(v) for t in tests))
        if "const" in schema:
            checks.append(_equals(schema["const"]))
        if "format" in schema:
            fmt, conforms = schema["format"], self.conforms
            checks.append(lambda v: conforms(v, fmt))
        return _all(checks) if checks else None

    def _logic(self, schema: Mapping[str, Any], exact: bool) -> list[Check]:
        out: list[Check] = [self.node(s, exact) for s in schema.get("allOf", ())]
        if "anyOf" in schema:
            options = [self.node(s, True) for s in schema["anyOf"]]
            out.append(lambda v: any(o(v) for o in options))
        if "oneOf" in schema:
            choices = [self.node(s, True) for s in schema["oneOf"]]
            out.append(lambda v: sum(1 for c in choices if c(v)) == 1)
        if "not" in schema:
            negated = self.node(schema["not"], True)
            out.append(lambda v: not negated(v))
        if "if" in schema:
            condition = self.node(schema["if"], True)
            then = self.node(schema.get("then", True), exact)
            otherwise = self.node(schema.get("else", True), exact)
            out.append(lambda v: then(v) if condition(v) else otherwise(v))
        return out


def _equals(expected: Any) -> Check:
    """Equality as jsonschema's `equal` has it for a scalar: True is not 1, 1 is 1.0, text is only text."""
    if isinstance(expected, str):
        return lambda v: isinstance(v, str) and v == expected
    if isinstance(expected, bool) or expected is None:
        return lambda v: v is expected
    if _is_number(expected):
        return lambda v: _is_number(v) and v == expected
    raise _Unsupported  # lists and mappings as enum values: leave them to jsonschema


def _all(checks: list[Check]) -> Check:
    """One check for all of `checks` (the common one and two cases without a loop: this runs for every value)."""
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    return lambda v: all(check(v) for check in checks)


def _always(v: Any) -> bool:
    return True


def _never(v: Any) -> bool:
    return False


def _ge(a: Any, b: Any) -> bool:
    return a >= b


def _le(a: Any, b: Any) -> bool:
    return a <= b


def _gt(a: Any, b: Any) -> bool:
    return a > b


def _lt(a: Any, b: Any) -> bool:
    return a < b
