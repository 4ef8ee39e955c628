"""Hypothesis strategies for hostile answers, built from the schema: every question the wizard asks, at its path.

    FUZZ                         # the settings of a fuzzing test: APM_FUZZ_EXAMPLES examples (`make fuzz` sets more)
    QUESTIONS                    # every question the wizard can ask (entries of repeatable groups at index 0)
    hostile_text()               # text with YAML's and terminals' troublemakers: control characters, breaks, tabs
    typed_answer(field)          # an answer the question's widget could give (text, a choice, a number, ...)
    any_answer()                 # any value at all, numbers beyond what a file may hold too
    answers(typed=True)          # a (question path, answer) pair, for any question or those given
    proposals()                  # a complete proposal with a few answers replaced by hostile ones

`make test` runs each fuzzing test on a few examples; `make fuzz` on many more (APM_FUZZ_EXAMPLES).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from apm_designer.wizard import Field, set_answer, step_fields, steps
from proposals import complete

FUZZ = settings(max_examples=int(os.environ.get("APM_FUZZ_EXAMPLES", "25")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])


def _questions() -> tuple[Field, ...]:
    out: list[Field] = []

    def walk(fields: tuple[Field, ...]) -> None:
        for f in fields:
            if f.kind == "group":
                walk(f.children)
            elif f.kind == "list":
                walk(f.item_fields(0))
            else:
                out.append(f)

    for s in steps():
        walk(step_fields(s.key))
    return tuple(out)


QUESTIONS = _questions()

# What has broken YAML writers, loaders and terminals: C0 and C1 controls, DEL, the breaks YAML knows (CR, NEL, LS,
# PS), tabs, a byte order mark, bidi overrides, quotes and indicators, and GitHub's workflow command markers.
TROUBLE = ["\t", "\n", "\r", "\r\n", "\x00", "\x1b", "\x1b[2J", "\x7f", "\x85", "\x9b", "\u2028", "\u2029", "\ufeff",
           "\u202e", " ", "  ", "#", ":", ": ", "- ", "'", '"', "|", ">", "&a", "*a", "!", "%", "@", "`", "{", "}",
           "[", "]", ",", "?", "\\", "::", "::error file=x.yaml::forged", "##[error]", "---", "...", "\xa0", "é",
           "\U0001f600"]


def hostile_text(max_size: int = 30) -> st.SearchStrategy[str]:
    pieces = st.one_of(st.sampled_from(TROUBLE), st.characters(blacklist_categories=("Cs",)))
    return st.lists(pieces, max_size=max_size).map("".join)


LARGEST = int(sys.float_info.max)  # the largest whole number a proposal (and the wizard) takes


def _numbers(integer: bool, beyond: bool = False) -> st.SearchStrategy[int | float]:
    """Numbers a proposal can hold; `beyond`: also what the loader refuses (10**309), for code given data directly."""
    ints = st.one_of(st.integers(-10**6, 10**6), st.integers(-LARGEST, LARGEST),
                     st.sampled_from([10**309, -10**309, 10**400]) if beyond else st.nothing())
    if integer:
        return ints
    return st.one_of(ints, st.floats(allow_nan=False, allow_infinity=False),
                     st.sampled_from([1e-20, 5e-324, 1.7976931348623157e308, 74.9999999, 75.0000001]))


def typed_answer(f: Field) -> st.SearchStrategy[Any]:
    """An answer the question's own widget could give."""
    if f.kind == "choice":
        return st.sampled_from([value for value, _ in f.choices])
    if f.kind == "choices":
        return st.lists(st.sampled_from([value for value, _ in f.choices]), min_size=1, unique=True)
    if f.kind == "yesno":
        return st.booleans()
    if f.kind in ("integer", "number"):
        return _numbers(f.kind == "integer")
    return hostile_text().filter(lambda t: t.strip() != "")  # a blank text answer is no answer


def any_answer() -> st.SearchStrategy[Any]:
    """Any value a YAML file can hold, wherever it is given."""
    scalars = st.one_of(st.none(), st.booleans(), _numbers(False, beyond=True), hostile_text())
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(hostile_text(10), inner, max_size=3)), max_leaves=6)


def answers(typed: bool = True, questions: Sequence[Field] = QUESTIONS
            ) -> st.SearchStrategy[tuple[tuple[str | int, ...], Any]]:
    """(answer path, answer) for any of `questions`."""
    return st.sampled_from(list(questions)).flatmap(
        lambda f: st.tuples(st.just(f.path), typed_answer(f) if typed else any_answer()))


def proposals(typed: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """A complete proposal with up to four answers replaced, by typed answers or by anything at all."""
    return st.lists(answers(typed), max_size=4).map(_apply)


def _apply(changes: list[tuple[tuple[str | int, ...], Any]]) -> dict[str, Any]:
    data = complete()
    for path, value in changes:
        set_answer(data, path, value)
    return data
