"""Answers in a person's words: the place and question an answer path stands for, and a value as its label.

CI reads `element_1.authority = section_1115a`; a proposer or reviewer reads "Element 1 · Testing authority is
“CMS Innovation Center model (SSA section 1115A)”". Both come from the same parts: the dotted path of an answer and
its value, worded here from the schema's own titles, `x-enum-labels` and `x-unit`. Every reviewer-facing output
(rendered proposal, the wizard's review and evaluation pane) words explanations with `for_people`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from apm_designer.metrics import dollars_value, money
from apm_designer.rules.engine import MISSING, Answer, Text
from apm_designer.validation import field_schema

_INDEX = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_TOP_PLACES = {"metadata": "Overview", "design_factors": "Design factors", "payment": "Payment"}


def parts(path: str) -> tuple[str | int, ...]:
    """("element_6", "measures", 2, "type") for `element_6.measures[2].type`."""
    return tuple(int(index) if index else name for name, index in _INDEX.findall(path))


@cache
def place(path: str) -> str:
    """Where an answer is asked, in the wizard's words: "Element 1 · Testing authority", "Element 6 · Quality
    measure 1 · Measure type", "Payment · Line of business 2 · Payment arrangement 1 · Arrangement"; a path the
    schema does not know keeps its last name, made readable."""
    steps = parts(path)
    if not steps:
        return "the proposal"
    top = str(steps[0])
    if len(steps) == 1:  # a whole step: "Element 3. Rationale", "Payment arrangements"
        return field_schema(steps).get("title") or _readable(top)
    number = re.fullmatch(r"element_(\d+)", top)
    said = [f"Element {number[1]}" if number else _TOP_PLACES.get(top, _readable(top))]
    for depth in range(1, len(steps)):
        step = steps[depth]
        if isinstance(step, int):  # an entry of a list: "Line of business 2", "Quality measure 1"
            item = field_schema(steps[:depth]).get("items", {})
            said.append(f"{item.get('title') or 'Entry'} {step + 1}")
        elif "x-factor-number" in (group := field_schema(steps[: depth + 1])):  # a design factor, by its number
            said.append(f"Factor {group['x-factor-number']}")
        elif depth == len(steps) - 1:  # the question itself; the groups between only add length
            said.append(field_schema(steps).get("title") or _readable(step))
    return " · ".join(said)


def value(path: str, given: Any) -> str:
    """An answer's value as a person reads it: an option's label, Yes/No, a number with its unit."""
    return said(given, field_schema(parts(path)))


def said(given: Any, schema: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> str:
    """One answer as text: options as their labels, booleans as Yes/No, numbers with their unit."""
    if given is None or given is MISSING or given == "" or given == []:
        return ""
    if labels is None:
        labels = schema.get("x-enum-labels") or schema.get("items", {}).get("x-enum-labels", {})
    if isinstance(given, bool):
        return "Yes" if given else "No"
    if isinstance(given, str):
        return labels.get(given, given)
    if isinstance(given, int | float):
        unit = schema.get("x-unit")
        if unit == "$":
            return money(dollars_value(given))
        number = f"{given:,}" if isinstance(given, int) and schema.get("maximum", 0) > 9999 else _number(given)
        return f"{number}%" if unit == "%" else number
    if isinstance(given, Mapping):  # only in an invalid draft: a mapping where one value belongs
        return "; ".join(f"{k}: {said(v, {})}" for k, v in given.items())
    if isinstance(given, list | tuple):
        items = schema.get("items", {})
        return "; ".join(said(v, items, labels) for v in given)
    return str(given)


VERDICTS = {"yes": "Yes", "no": "No", "undetermined": "Undetermined"}


def verdict(label: str, given: str | None) -> str:
    """A verdict's value as a person reads it: Yes, No, Undetermined, a LAN category ("Category 3B"), or, for a
    line of business that one version of a proposal does not have, "no such line of business"."""
    if given is None:
        return "no such line of business"
    if label == "lan" and given not in VERDICTS:
        return f"Category {given}"
    return VERDICTS.get(given, given)


def answer(named: Answer) -> str:
    """An answer named in an explanation: its place, and its value when the sentence states it."""
    where = place(named.path)
    if named.value is MISSING:
        return where
    shown = value(named.path, named.value)
    quoted = shown if isinstance(named.value, int | float) and not isinstance(named.value, bool) else f"“{shown}”"
    return f"{where} is {quoted}"


def for_people(text: str) -> str:
    """An explanation worded for a proposer or reviewer: every answer it names as its place and label."""
    return text.worded(answer) if isinstance(text, Text) else text


_NOTE = re.compile(r"^([A-Za-z0-9_.\[\]]+): ")


def note(text: str) -> str:
    """A payment-mix note as a person reads it: the answer it starts with (metrics writes `path: what`) as its
    place: "Payment · Line of business 1 · Total dollars: no total dollars yet, so no shares"."""
    match = _NOTE.match(text)
    return place(match[1]) + text[match.end() - 2:] if match and "." in match[1] else text


def _number(given: float) -> str:
    """A number as given: 75 for 75.0, 74.9999999 kept whole (never rounded to reach a threshold); a whole number
    with all its digits (float() of one past a float's range fails)."""
    if isinstance(given, int):
        return str(given)
    return str(int(given)) if given.is_integer() and abs(given) < 1e16 else repr(given)


def _readable(name: str) -> str:
    return name.replace("_", " ").capitalize()
