"""The document layer: strict YAML loading with locations, and atomic, schema-ordered saving (in process).

The same bad inputs through the real CLI are in test_validate_cli.py.
"""

from __future__ import annotations

import os
import re
import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apm_designer import document
from apm_designer.document import LoadError, UnreadableFile, dumps, load, loads, save, write_atomic
from apm_designer.resources import SCHEMA_PATH, proposal_schema
from apm_designer.validation import validator

SCHEMA = proposal_schema()


def load_error(text: str, **kwargs: Any) -> LoadError:
    with pytest.raises(LoadError) as caught:
        loads(text, "p.yaml", **kwargs)
    return caught.value


# --- loading ------------------------------------------------------------------------------------------------------


def test_uses_libyaml_when_pyyaml_has_it() -> None:
    if yaml.__with_libyaml__:
        assert document._BaseLoader is yaml.CSafeLoader
    else:
        assert document._BaseLoader is yaml.SafeLoader


def test_yaml_1_2_core_scalars_only() -> None:
    doc = loads("a: NO\nb: off\nc: yes\nd: 2024-01-01\ne: true\nf: False\ng: ~\nh: 0x1F\ni: 0o17\nj: .5\n"
                "k: 1e3\nl: 012\nm: 1_000\nn: '7'\no: null\np:\n")
    assert doc.data == {"a": "NO", "b": "off", "c": "yes", "d": "2024-01-01", "e": True, "f": False, "g": None,
                        "h": 31, "i": 15, "j": 0.5, "k": 1000.0, "l": 12, "m": "1_000", "n": "7", "o": None,
                        "p": None}
    assert type(doc.data["l"]) is int and type(doc.data["k"]) is float


def test_a_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    f = tmp_path / "bom.yaml"
    f.write_bytes(b"\xef\xbb\xbfmetadata:\n  title: T\n")
    assert load(f).data == {"metadata": {"title": "T"}}


@pytest.mark.parametrize(("text", "line", "col", "code", "words"), [
    ("metadata:\n  title: [unclosed\n", 3, 1, "yaml-syntax", "invalid YAML"),
    ("metadata:\n  title: a\n status: b\n", 3, 2, "yaml-syntax", "invalid YAML"),
    ("a: 1\n---\nb: 2\n", 2, 1, "yaml-syntax", "single document"),
    ("metadata:\n  title: A\n  status: draft\n  title: B\n", 4, 3, "duplicate-key",
     "duplicate key 'title' (first given on line 2)"),
    ("metadata: &m\n  title: A\nelement_1: *m\n", 1, 11, "alias", "anchor &m"),
    ("metadata:\n  title: *nowhere\n", 2, 10, "alias", "alias *nowhere"),
    ("metadata:\n  title: !!python/object:os.system x\n", 2, 10, "tag", "!!python/object:os.system"),
    ("metadata:\n  title: !custom x\n", 2, 10, "tag", "!custom"),
    ("metadata:\n  title: !!binary aGVsbG8=\n", 2, 10, "tag", "!!binary"),
    ("metadata: !!set {a, b}\n", 1, 11, "tag", "!!set"),
    ("metadata:\n  date: !!timestamp 2024-01-01\n", 2, 9, "tag", "!!timestamp"),
    ("metadata:\n  title: !!int abc\n", 2, 10, "tag", "'abc' is not a valid !!int"),
    ("- metadata\n- element_1\n", 1, 1, "not-mapping", "not a list"),
    ("just some text\n", 1, 1, "not-mapping", "not a single value"),
    ("", 1, 1, "empty", "empty"),
    ("   \n\n", 1, 1, "empty", "empty"),
    ("# a comment\n  # another\n", 1, 1, "empty", "empty"),
    ("---\n...\n", 1, 1, "empty", "no YAML document"),
    ("metadata:\n  1: x\n", 2, 3, "key-type", "must be text"),
    ("metadata:\n  [a, b]: x\n", 2, 3, "key-type", "must be text"),
    ("element_4:\n  beneficiaries: .inf\n", 2, 18, "number", "not a usable number"),
    ("element_4:\n  beneficiaries: .nan\n", 2, 18, "number", "not a usable number"),
])
def test_bad_text_is_one_located_error(text: str, line: int, col: int, code: str, words: str) -> None:
    error = load_error(text)
    assert (error.line, error.col, error.code) == (line, col, code)
    assert words in error.message
    assert str(error) == f"p.yaml:{line}:{col}: error: {error.message} [{code}]"
    assert "\n" not in str(error)


def test_duplicate_keys_are_refused_at_any_depth() -> None:
    error = load_error("metadata:\n  contact:\n    name: A\n    email: a@b.org\n    name: B\n")
    assert (error.line, error.col, error.code) == (5, 5, "duplicate-key")
    assert "'name' (first given on line 3)" in error.message


def test_nesting_deeper_than_the_limit_is_refused_where_it_gets_too_deep() -> None:
    text = "".join("  " * i + f"k{i}:\n" for i in range(30)) + "  " * 30 + "leaf\n"
    error = load_error(text)
    assert (error.line, error.col, error.code) == (25, 49, "too-deep")
    assert "deeper than 24 levels" in error.message
    assert loads(text, max_depth=40).data["k0"]["k1"]["k2"]
    assert load_error(text, max_depth=5).line == 6


@pytest.mark.parametrize("text", [
    "a: " + "[" * 100_000 + "]" * 100_000 + "\n",  # made libyaml's recursive composer crash the process
    "- " * 100_000 + "x\n",
    "a: " + "{b: " * 50_000 + "c" + "}" * 50_000 + "\n",
])
def test_pathologically_deep_text_under_the_size_limit_is_refused_not_crashed(text: str) -> None:
    assert len(text.encode()) < document.MAX_BYTES
    error = load_error(text)
    assert error.code == "too-deep" and error.line == 1


def test_an_alias_bomb_is_refused_at_its_first_anchor() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        name, prev = chr(ord("a") + i), chr(ord("a") + i - 1)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    error = load_error("\n".join(lines) + "\n")
    assert (error.line, error.col, error.code) == (1, 4, "alias")


def test_non_utf8_bytes_are_located(tmp_path: Path) -> None:
    f = tmp_path / "latin1.yaml"
    f.write_bytes("metadata:\n  title: Café\n".encode("latin-1"))
    with pytest.raises(LoadError) as caught:
        load(f)
    assert (caught.value.line, caught.value.col, caught.value.code) == (2, 13, "encoding")
    assert "0xe9" in caught.value.message


def test_an_oversize_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    f = tmp_path / "huge.yaml"
    with f.open("wb") as out:  # sparse: 50 MB by its size, nothing written
        out.truncate(50 * 1024 * 1024)
    with pytest.raises(LoadError) as caught:
        load(f)
    assert (caught.value.line, caught.value.col, caught.value.code) == (1, 1, "too-large")
    assert "52,428,800 bytes, over the 1,048,576-byte limit" in caught.value.message
    small = tmp_path / "small.yaml"
    small.write_text("metadata:\n  title: " + "x" * 200 + "\n")
    with pytest.raises(LoadError, match="over the 100-byte limit"):
        load(small, max_bytes=100)


def test_missing_files_and_folders_are_unreadable_not_load_errors(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="no such file"):
        load(tmp_path / "nope.yaml")
    with pytest.raises(UnreadableFile, match="is a folder"):
        load(tmp_path)


def test_what_is_not_a_regular_file_is_refused_without_waiting_for_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # nothing ever writes to it: reading it would block forever
    with pytest.raises(UnreadableFile, match="is not a regular file"):
        load(fifo)


def test_a_symlink_loop_is_called_a_loop_not_a_missing_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    with pytest.raises(UnreadableFile, match="symlink loop"):
        load(tmp_path / "a.yaml")


@pytest.mark.parametrize(("text", "line", "col", "words"), [
    ("metadata:\n\ttitle: T\n", 2, 1, "tabs cannot indent YAML; use spaces"),
    ("metadata:\n  title: T\n\tstatus: draft\n", 3, 1, "tabs cannot indent YAML; use spaces"),
    ("metadata:\n  title: |\n\tT\n", 3, 1, "tabs cannot indent YAML; use spaces"),
    ("metadata:\n  title: é\n  status: dr\x1baft\n", 3, 13, "character U+001B is not allowed"),
    ("metadata:\n  title: \x7f\n", 2, 10, "character U+007F is not allowed"),
])
def test_tabs_and_raw_control_characters_are_named_at_their_line_and_column(text: str, line: int, col: int,
                                                                            words: str) -> None:
    e = load_error(text)
    assert (e.line, e.col, e.code) == (line, col, "yaml-syntax")
    assert words in e.message and "position" not in e.message


@pytest.mark.parametrize(("value", "words"), [
    ("!!float nan", "'nan' is not a valid !!float"), ("!!float inf", "'inf' is not a valid !!float"),
    ("!!float -Infinity", "not a valid !!float"), ("!!float .NaN", "not a usable number"),
    ("!!int 8_0", "'8_0' is not a valid !!int"), ("!!int ' 80'", "' 80' is not a valid !!int"),
    ("!!int \u0668\u0660", "not a valid !!int"), ("!!int \"80\\n\"", "not a valid !!int"),
    ("!!bool yes", "not a valid !!bool"), ("!!null none", "not a valid !!null"),
    ("1e400", "1e400 is too large"), ("-1e309", "too large"), ("!!float 1e999", "too large"),
    ("1" + "0" * 309, "a number of 310 characters is too large"),
    ("!!int " + "9" * 5000, "a number of 5,000 characters is too large"),
], ids=lambda v: v if len(v) < 30 else f"{v[:10]}...")
def test_numbers_are_yaml_1_2_core_and_finite_or_a_located_error(value: str, words: str) -> None:
    e = load_error(f"element_4:\n  beneficiaries: {value}\n")
    assert (e.line, e.col) == (2, 18)
    assert words in e.message


def test_tagged_numbers_written_as_yaml_writes_them_load() -> None:
    doc = loads("a: !!int 80\nb: !!float 80\nc: !!int 0x1F\nd: !!float -1.5e3\ne: !!bool false\nf: !!null ~\n"
                "g: " + "9" * 300 + "\n")
    assert doc.data == {"a": 80, "b": 80.0, "c": 31, "d": -1500.0, "e": False, "f": None, "g": int("9" * 300)}
    assert type(doc.data["b"]) is float


def test_a_loaded_document_locates_every_answer() -> None:
    doc = loads("metadata:\n  title: T\nelement_6:\n  measures:\n    - name: A\n    - name: B\n      type: x\n")
    assert doc.locate(["metadata", "title"]) == (2, 10)
    assert doc.locate(["metadata", "title"], key=True) == (2, 3)
    assert doc.locate(["element_6", "measures", 1, "type"]) == (7, 13)
    assert doc.locate(["element_6", "measures", 1, "nothing"]) == (6, 7)  # the deepest ancestor that exists
    assert doc.locate(["element_6", "measures", 9]) == (5, 5)


# --- saving -------------------------------------------------------------------------------------------------------

PROPOSAL = {
    "payment": {"lines_of_business": [{"total_dollars": 10, "line_of_business": "commercial"}]},
    "element_2": {"value_over_volume": "First line.\nSecond line.\n\nA new paragraph.",
                  "care_delivery_changes": "one line"},
    "metadata": {"status": "draft", "title": "Ordering test", "contact": {"email": "a@b.org", "name": "N"}},
    "schema_version": 1,
}


def test_save_writes_the_modeline_then_keys_in_schema_order(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "p.yaml"
    target.parent.mkdir()
    save(target, PROPOSAL)
    text = target.read_text(encoding="utf-8")
    first, *_ = text.splitlines()
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, first
    assert (target.parent / match.group(1)).resolve() == SCHEMA_PATH.resolve()
    top = [line.split(":")[0] for line in text.splitlines()[1:] if re.match(r"[a-z]", line)]
    assert top == ["schema_version", "metadata", "element_2", "payment"]
    assert list(load(target).data["metadata"]) == ["title", "contact", "status"]
    assert list(load(target).data["metadata"]["contact"]) == ["name", "email"]
    assert list(load(target).data["element_2"]) == ["care_delivery_changes", "value_over_volume"]
    assert list(load(target).data["payment"]["lines_of_business"][0]) == ["line_of_business", "total_dollars"]


def test_save_writes_multi_line_text_as_a_literal_block(tmp_path: Path) -> None:
    target = tmp_path / "p.yaml"
    save(target, PROPOSAL)
    text = target.read_text(encoding="utf-8")
    assert "  value_over_volume: |-\n    First line.\n    Second line.\n\n    A new paragraph.\n" in text
    assert "  care_delivery_changes: one line\n" in text


def test_save_replaces_atomically_through_a_temporary_file_in_the_same_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "p.yaml"
    target.write_text("old content\n")
    target.chmod(0o640)
    replaced: list[tuple[Path, Path]] = []
    real_replace, real_fsync = os.replace, os.fsync
    synced: list[str] = []

    def watching_fsync(fd: int) -> None:
        synced.append("replaced" if replaced else "before replace")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", watching_fsync)

    def watching_replace(src: str, dst: os.PathLike[str]) -> None:
        replaced.append((Path(src), Path(dst)))
        assert Path(src).read_text(encoding="utf-8").startswith("# yaml-language-server")  # fully written first
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", watching_replace)
    save(target, PROPOSAL)
    (src, dst), = replaced
    assert synced == ["before replace", "replaced"]  # the data before the rename, then the folder entry
    assert src.parent == target.parent and src != target and dst == target
    assert not src.exists()
    assert load(target).data["metadata"]["title"] == "Ordering test"
    assert target.stat().st_mode & 0o777 == 0o640  # the user's permissions survive the replace
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "p.yaml"
    target.write_text("old content\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "metadata:\n  title: \ud800\n")  # a lone surrogate cannot be written as UTF-8
    assert target.read_text() == "old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]


def test_an_unrepresentable_value_fails_before_anything_is_written(tmp_path: Path) -> None:
    target = tmp_path / "p.yaml"
    with pytest.raises(yaml.representer.RepresenterError):
        save(target, {"metadata": {"title": object()}})
    assert list(tmp_path.iterdir()) == []


def test_a_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    target = tmp_path / "new.yaml"
    save(target, PROPOSAL)
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


# --- load(save(p)) == p -------------------------------------------------------------------------------------------

# Text a YAML 1.1 loader or a careless dumper would turn into something else.
TRICKY_TEXT = ["NO", "off", "yes", "y", "~", "null", "true", "False", "2024-01-01", "0o17", "0x1F", ".5", "1e3",
               "012", "-", "- item", "key: value", "# not a comment", "a #b", "'quoted'", '"double"', "&anchor",
               "*alias", "!tag", "%directive", "@at", "`tick", "{flow}", "[list]", "|", ">", "  leading",
               "trailing  ", "line\nbreak", "ends with newline\n", "\n\nleading newlines", "tab\there",
               "windows\r\nline", "unicode: café – ✓ 漢字", "emoji 🙂", "\u2028separator", "…", "\x85nel"]


@pytest.mark.parametrize("text", TRICKY_TEXT)
def test_tricky_text_comes_back_as_written(tmp_path: Path, text: str) -> None:
    proposal = {"metadata": {"title": text, "status": "draft"}, "element_2": {"care_delivery_changes": text}}
    save(tmp_path / "p.yaml", proposal)
    assert load(tmp_path / "p.yaml").data == proposal


def strict_equal(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (so 1 is not 1.0 and True is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def resolved(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {**SCHEMA["$defs"][schema["$ref"].rsplit("/", 1)[-1]], **schema}
    return schema


def text_for(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    low, high = schema.get("minLength", 0), min(schema.get("maxLength", 40), 40)
    if schema.get("format") == "date":
        return st.dates().map(lambda d: d.isoformat())
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True).filter(lambda s: low <= len(s) <= high)
    free = st.text(st.characters(blacklist_categories=("Cs",)), min_size=low, max_size=high)
    return st.one_of(st.sampled_from(TRICKY_TEXT), st.text(string.printable, min_size=low, max_size=high), free)


def answers(schema: dict[str, Any], complete: bool) -> st.SearchStrategy[Any]:
    """Values that fit `schema`: every property when `complete`, else any subset that keeps the required ones."""
    schema = resolved(schema)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        parts = {name: answers(sub, complete) for name, sub in props.items()}
        if complete:
            return st.fixed_dictionaries(parts)
        return st.fixed_dictionaries({k: v for k, v in parts.items() if k in required},
                                     optional={k: v for k, v in parts.items() if k not in required})
    if kind == "array":
        items = answers(schema["items"], complete)
        low = max(schema.get("minItems", 0), 1 if complete else 0)
        return st.lists(items, min_size=low, max_size=min(schema.get("maxItems", 2), 2),
                        unique=schema.get("uniqueItems", False))
    if kind == "string":
        return text_for(schema)
    if kind == "boolean":
        return st.booleans()
    low, high = schema["minimum"], schema["maximum"]
    if kind == "integer":
        return st.integers(low, high)
    return st.one_of(st.integers(int(low), int(high)), st.floats(low, high, allow_nan=False, allow_infinity=False))


def proposals() -> st.SearchStrategy[dict[str, Any]]:
    def with_status(p: dict[str, Any], complete: bool, final: bool) -> dict[str, Any]:
        p["metadata"]["status"] = "final" if complete and final else "draft"
        return p

    return st.booleans().flatmap(lambda complete: st.tuples(answers(SCHEMA, complete), st.just(complete),
                                                            st.booleans())).map(lambda t: with_status(*t))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(proposals())
def test_load_of_save_gives_back_every_valid_proposal(tmp_path_factory: pytest.TempPathFactory,
                                                     proposal: dict[str, Any]) -> None:
    assert validator().is_valid(proposal), list(validator().iter_errors(proposal))[:1]
    target = tmp_path_factory.mktemp("roundtrip") / "p.yaml"
    save(target, proposal)
    assert strict_equal(load(target).data, proposal)
    assert strict_equal(loads(dumps(proposal)).data, proposal)


def test_the_strategy_makes_final_proposals_too() -> None:
    seen: set[str] = set()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(proposals())
    def collect(p: dict[str, Any]) -> None:
        seen.add(p["metadata"]["status"])

    collect()
    assert seen == {"draft", "final"}
