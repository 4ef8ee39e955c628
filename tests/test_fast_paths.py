"""Each fast path gives what the slow reference it replaces gives.

* schema_check's compiled check never passes what jsonschema rejects, and does pass the real examples;
* validation's pruning validator reports jsonschema's errors, in jsonschema's order;
* schema_check's date and email formats are jsonschema's;
* document's pre-scans never miss an anchor or deep nesting that the parser sees, and no alias is ever loaded;
* evaluate's line wrapping is textwrap's.
"""

from __future__ import annotations

import copy
import random
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from apm_designer.commands.evaluate import WIDTH, wrap
from apm_designer.document import LoadError, _may_hold_anchors, _may_nest_deeper_than, load, loads
from apm_designer.resources import proposal_schema
from apm_designer.schema_check import compile_check, conforms
from apm_designer.validation import FORMATS, quick_check, validator

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "proposals" / "examples").glob("*.yaml"))
REFERENCE = Draft202012Validator(proposal_schema(), format_checker=FormatChecker(formats=FORMATS))
ODD_VALUES = [None, True, False, 0, 1, 1.0, 2.5, -1, 10**20, 1e13, "", "x", "final", "draft", "2024-02-30",
              "2024-01-01", "2024-1-01", "a@b.c", "ab", "medicare", "apm", [], {}, ["medicare", "medicare"],
              [1, True], "x" * 7000, "+1 555", 2017, 2031, 100.5]


def examples() -> list[dict[str, Any]]:
    return [load(p).data for p in EXAMPLES]


def mutations(data: dict[str, Any], rng: random.Random, count: int) -> Iterator[dict[str, Any]]:
    """`data` with one to three answers replaced by odd values, keys added or dropped, at random depths."""
    for _ in range(count):
        d = copy.deepcopy(data)
        for _ in range(rng.randint(1, 3)):
            node: Any = d
            while isinstance(node, (dict, list)) and node and rng.random() < 0.8:
                key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
                if not isinstance(node[key], (dict, list)) or rng.random() < 0.3:
                    node[key] = rng.choice(ODD_VALUES)
                    break
                node = node[key]
            if isinstance(node, dict) and rng.random() < 0.3:
                node[rng.choice(["extra", "status", "title", "rating", "type"])] = "x"
            if isinstance(node, dict) and node and rng.random() < 0.3:
                node.pop(rng.choice(list(node)))
        yield d


def as_final(data: dict[str, Any]) -> dict[str, Any]:
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    return {**data, "metadata": {**meta, "status": "final"}}


def test_there_are_examples_to_check_against() -> None:
    assert len(EXAMPLES) >= 3


def test_the_compiled_check_passes_every_valid_example() -> None:
    for data in examples():
        assert REFERENCE.is_valid(data)
        assert quick_check()(data)  # otherwise every valid file would take the slow path


def test_the_compiled_check_never_passes_what_jsonschema_rejects() -> None:
    rng = random.Random(1)
    judged = rejected = 0
    for data in examples():
        for d in mutations(data, rng, 80):
            for trial in (d, as_final(d)):
                judged += 1
                if not REFERENCE.is_valid(trial):
                    rejected += 1
                    assert not quick_check()(trial), list(REFERENCE.iter_errors(trial))[:1]
                else:
                    assert quick_check()(trial)
    assert rejected > judged // 4  # the mutations do break things


def test_the_pruning_validator_reports_jsonschemas_errors_in_order() -> None:
    rng = random.Random(2)

    def signature(errors: Any) -> list[tuple[Any, ...]]:
        return [(tuple(e.absolute_path), tuple(e.schema_path), e.message, e.validator) for e in errors]

    for data in examples():
        for d in mutations(data, rng, 30):
            for trial in (d, as_final(d)):
                assert signature(validator().iter_errors(trial)) == signature(REFERENCE.iter_errors(trial))


def test_a_keyword_the_compiler_does_not_know_sends_everything_to_jsonschema() -> None:
    assert compile_check({"type": "object", "dependentRequired": {"a": ["b"]}}, conforms) is None
    assert compile_check({"properties": {"a": {"$ref": "https://example.org/x.json"}}}, conforms) is None
    check = compile_check({"type": "array", "uniqueItems": True}, conforms)
    assert check is not None and check(["a", "b"]) and not check(["a", "a"])
    assert not check([1, True])  # unsure (jsonschema says these differ): left to jsonschema, never passed wrongly


@given(st.one_of(st.text(max_size=14), st.integers(), st.none(), st.booleans(),
                 st.dates().map(str), st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")))
def test_formats_mean_what_they_mean_to_jsonschema(value: Any) -> None:
    checker = FormatChecker(formats=FORMATS)
    for fmt in FORMATS:
        assert conforms(value, fmt) == checker.conforms(value, fmt)


# ------------------------------------------------------------------------------------------------ document scans


def event_depth(text: str) -> int:
    depth = deepest = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.NodeEvent):
            deepest = max(deepest, depth)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return deepest


nested = st.recursive(st.sampled_from(["x", 1, None, "a b"]),
                      lambda inner: st.lists(inner, min_size=1, max_size=2)
                      | st.dictionaries(st.sampled_from(["k", "j"]), inner, min_size=1, max_size=2),
                      max_leaves=40)


@settings(max_examples=300)
@given(nested, st.sampled_from([False, None, True]), st.sampled_from([2, 3, 4]), st.booleans())
def test_the_nesting_bound_is_never_below_the_real_depth(data: Any, flow: bool | None, indent: int,
                                                         compact: bool) -> None:
    text = yaml.dump(data, default_flow_style=flow, indent=indent)
    if compact:  # `- - x` puts nested lists on one line
        text = text.replace("-\n", "- ").replace("- \n", "- ")
    try:
        depth = event_depth(text)
    except yaml.YAMLError:
        return
    for limit in range(depth):
        assert _may_nest_deeper_than(text, limit), (limit, depth, text)


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n", "a: [&x 1, *x]\n", "{a: &b c}\n", "- &a x\n", "a: !!str &x 1\n", "{? &a x: y}\n",
    '{"a":&b c}\n', "--- &a\nb: 1\n", "a:\n  ? &k x\n  : *k\n", "a:\r\n  - &x 1\r\n", "a:\x85&b c\n",
    "&a b: c\n", "a: {b: [c, &d e]}\n", "a: !x &y\n"])
def test_every_anchor_or_tag_position_sends_the_text_to_the_event_scan(text: str) -> None:
    assert _may_hold_anchors(text)


@pytest.mark.parametrize(("text", "line", "col"), [("a:\t*b\n", 1, 4), ("a: [x, *y]\n", 1, 8),
                                                   ("a:\r\n  - *zz\r\n", 2, 5)])
def test_an_alias_with_no_anchor_is_refused_by_name_without_the_event_scan(text: str, line: int, col: int) -> None:
    assert not _may_hold_anchors(text)
    with pytest.raises(LoadError) as caught:
        loads(text)
    alias = text[text.index("*"):].split()[0].rstrip("]")
    assert (caught.value.line, caught.value.col, caught.value.code) == (line, col, "alias")
    assert caught.value.message.startswith(f"alias {alias}:")


@pytest.mark.parametrize("text", ["a: R&D and P&L\n", "a: 2*3 = 6\n", "a: cost *and* quality\n",
                                  "a: Great!\n", "a: |\n  * a bullet\n", "a: |\n  **Key point**: savings\n",
                                  "a: >\n  Cost\n  *and* quality.\n"])
def test_prose_does_not_send_the_text_to_the_event_scan(text: str) -> None:
    assert not _may_hold_anchors(text)
    loads(text)  # and it loads


@settings(max_examples=300)
@given(st.lists(st.sampled_from(["a", "b: ", "- ", "&x ", "*x ", "!t ", "[", "]", "{", "}", ", ", "\n", "  ", "'",
                                 '"', "? ", ": ", "R&D ", "*y*"]), max_size=24).map("".join))
def test_no_anchor_or_alias_the_parser_sees_escapes_loading(text: str) -> None:
    """An anchor always sends the text to the event scan; an alias with no anchor fails to compose. Either way the
    text is refused as an alias."""
    try:
        events = list(yaml.parse(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        return
    if any(getattr(e, "anchor", None) and not isinstance(e, yaml.AliasEvent) for e in events):
        assert _may_hold_anchors(text)
    if any(isinstance(e, yaml.AliasEvent) or getattr(e, "anchor", None) for e in events):
        with pytest.raises(LoadError) as caught:
            loads(text)
        assert caught.value.code == "alias", caught.value


# ------------------------------------------------------------------------------------------------ report wrapping


@settings(max_examples=200)
@given(st.lists(st.text(alphabet="ab-c.\xa0\u2003é", min_size=1, max_size=12)
                | st.text(alphabet="ab", min_size=95, max_size=130), max_size=30).map(" ".join),
       st.sampled_from(["", "  ", "    ", "      ", " " * 99, " " * 120]), st.sampled_from([None, "", "        "]))
def test_report_lines_wrap_as_textwrap_wraps_them(text: str, indent: str, more: str | None) -> None:
    expected = textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent if more is None else more,
                             break_on_hyphens=False, break_long_words=False)
    assert wrap(text, indent, more) == expected
