"""Hostile answers stay literal text inside their own section of the rendered proposal.

Every text answer the schema has (title, organisation, contact, multi-line answers, table cells, list items, dates)
is filled with Markdown and HTML meant to break out; a twin proposal has plain text of the same shape (same lines,
same blank lines) in the same places. Parsed by markdown-it-py with GitHub's extensions (tables, strikethrough,
autolinks), both must have exactly the same document structure, and every hostile answer must read back as the
text the proposer typed, in the section it belongs to.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from test_render_html import Page

from apm_designer.render import render_markdown
from apm_designer.render_html import render_html
from apm_designer.resources import proposal_schema
from apm_designer.validation import field_schema

ROOT = Path(__file__).resolve().parent.parent

HOSTILE = [
    "# Approved",
    "<script>alert(1)</script>",
    "| a | b |",
    "|---|---|",
    "[click](javascript:alert(1))",
    "![x](http://e/x.png)",
    "",
    "> quoted",
    "1. first",
    "- item",
    "+ plus",
    "`code` and ```fence```",
    "{{ 7*7 }}",
    "{% if true %}x{% endif %}",
    "",
    "***",
    "---",
    "===",
    "<!-- comment -->",
    "trailing two spaces  ",
    "http://example.com www.example.com a@b.co <http://e/auto>",
    "    indented code",
    "~~~",
    "$x^2$ and a back\\slash\\",
    "<div>html block</div>",
    "[ref]: http://e/ref",
    "&amp; &#35; entity",
    "_em_ *em* ~~strike~~ [^1]",
]

Filler = Callable[[tuple[Any, ...]], str]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {**proposal_schema()["$defs"][schema["$ref"].rsplit("/", 1)[-1]], **schema}
    return schema


def fill(schema: dict[str, Any], path: tuple[Any, ...], text: Filler, hostile_enums: bool) -> Any:
    """A value for every answer the schema defines: `text(path)` for each text answer (and for each enum answer
    when `hostile_enums`), valid values otherwise."""
    schema = _resolve(schema)
    kind = schema.get("type")
    if kind == "object":
        return {k: fill(sub, (*path, k), text, hostile_enums) for k, sub in schema["properties"].items()}
    if kind == "array":
        items = _resolve(schema["items"])
        if "enum" in items:
            return [text((*path, i)) if hostile_enums else items["enum"][i] for i in range(2)]
        return [fill(items, (*path, i), text, hostile_enums) for i in range(2)]
    if "enum" in schema:
        return text(path) if hostile_enums and path != ("metadata", "status") else schema["enum"][-1]
    if kind == "string":
        return text(path)
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return max(schema.get("minimum", 1), 1)
    raise AssertionError(f"no filler for {path}: {schema}")


def proposals(hostile_enums: bool) -> tuple[dict[str, Any], dict[str, Any], dict[tuple[Any, ...], str]]:
    """(hostile proposal, plain twin, the hostile text given at each path)."""
    numbers = itertools.count()
    given: dict[tuple[Any, ...], str] = {}

    def hostile(path: tuple[Any, ...]) -> str:
        given[path] = "\n".join([*HOSTILE, f"[end {next(numbers)}]"])
        return given[path]

    plain_numbers = itertools.count()

    def plain(path: tuple[Any, ...]) -> str:  # unique per answer too, as answers that differ may be noted
        n = next(plain_numbers)
        return "\n".join(f"plain words {n} {i}" if line else "" for i, line in enumerate([*HOSTILE, "end"]))

    return (fill(proposal_schema(), (), hostile, hostile_enums), fill(proposal_schema(), (), plain, hostile_enums),
            given)


def parse(markdown: str) -> list[Token]:
    return MarkdownIt("gfm-like").parse(markdown)


def shape(tokens: list[Token]) -> list[tuple[str, ...]]:
    """The document's structure: every block token, and the kinds of inline pieces (a line break is a line break)."""
    out = []
    for t in tokens:
        out.append((t.type, t.tag, str(t.level), t.info))
        for child in t.children or []:
            out.append(("inline", "break" if child.type in ("softbreak", "hardbreak") else child.type, child.tag))
    return out


def reader_text(tokens: list[Token]) -> str:
    """What a reader sees, block by block (a line break or a new block is a newline)."""
    lines = []
    for t in tokens:
        if t.type == "inline":
            lines.append("".join("\n" if c.type in ("softbreak", "hardbreak") else c.content
                                 for c in t.children or []))
        elif t.type == "fence":
            lines.append(t.content)
    return "\n".join(lines)


def sections(tokens: list[Token]) -> dict[str, str]:
    """Reader text by `##` section ("" for the title block)."""
    starts = [(0, "")] + [(i, tokens[i + 1].content) for i, t in enumerate(tokens)
                          if t.type == "heading_open" and t.tag == "h2"]
    ends = [i for i, _ in starts[1:]] + [len(tokens)]
    return {name: reader_text(tokens[i:end]) for (i, name), end in zip(starts, ends, strict=True)}


def home(path: tuple[Any, ...]) -> str:
    """The section an answer belongs in."""
    top = path[0]
    if top == "metadata":
        return "" if path == ("metadata", "title") else "Summary"
    if top == "design_factors":
        return "Model design factors"
    if top == "payment":
        return "Payment arrangements"
    return field_schema((top,))["title"]


def as_typed(value: str, *, one_line: bool) -> str:
    """The text a reader should see: each line trimmed, on one line where the answer is shown on one."""
    lines = [line.strip() for line in value.split("\n") if line.strip()]
    return " ".join(lines) if one_line else "\n".join(lines)


Rendered = tuple[str, str, dict[tuple[Any, ...], str]]  # (the hostile document, its plain twin, what was typed)


@pytest.fixture(scope="module", params=[False, True], ids=["text-answers", "text-and-enum-answers"])
def answers(request: pytest.FixtureRequest) -> tuple[dict[str, Any], dict[str, Any], dict[tuple[Any, ...], str]]:
    return proposals(hostile_enums=request.param)


@pytest.fixture(scope="module")
def rendered(answers) -> Rendered:
    hostile, plain, given = answers
    return render_markdown(hostile), render_markdown(plain), given


def test_hostile_answers_add_no_structure(rendered) -> None:
    hostile, plain, _ = rendered
    assert shape(parse(hostile)) == shape(parse(plain))


def test_no_heading_link_image_html_or_extra_table_row(rendered) -> None:
    hostile, plain, _ = rendered
    tokens, twin = parse(hostile), parse(plain)
    kinds = [c.type for t in tokens for c in [t, *(t.children or [])]]
    for kind in ("link_open", "image", "html_inline", "html_block", "code_block", "hr", "s_open", "footnote_ref"):
        assert kind not in kinds, kind
    for kind in ("heading_open", "tr_open", "blockquote_open", "list_item_open", "fence", "code_inline",
                 "strong_open", "em_open"):
        assert kinds.count(kind) == [c.type for t in twin for c in [t, *(t.children or [])]].count(kind), kind
    html = MarkdownIt("gfm-like").render(hostile)
    for tag in ("<script", "<div", "<!--", "<img", "<a ", "<h1>Approved", "<blockquote>\n<p>quoted"):
        assert tag not in html, tag


def test_each_hostile_answer_reads_back_literally_in_its_own_section(rendered) -> None:
    hostile, _, given = rendered
    by_section = sections(parse(hostile))
    assert len(given) > 60  # every text answer in the schema
    for path, value in given.items():
        text = by_section[home(path)]
        one_line, paragraphs = as_typed(value, one_line=True), as_typed(value, one_line=False)
        assert one_line in text or paragraphs in text, f"{path} does not read back in its section"
        marker = value.split("\n")[-1]
        for other, other_text in by_section.items():  # the evaluator's sections may quote an answer
            if other not in (home(path), "Summary", "Findings", "PTAC criteria"):
                assert marker not in other_text, f"{path} leaked into {other or 'the title block'}"
    assert "{{ 7*7 }}" in by_section[""]


def test_title_and_organisation_stay_on_their_line(rendered) -> None:
    hostile, _, given = rendered
    tokens = parse(hostile)
    assert tokens[0].type == "heading_open" and tokens[0].tag == "h1"
    assert tokens[1].content and tokens[2].type == "heading_close"
    title = as_typed(given[("metadata", "title")], one_line=True)
    assert reader_text(tokens[1:2]) == title
    organisation = as_typed(given[("metadata", "organisation")], one_line=True)
    items = [reader_text([tokens[i + 2]]) for i, t in enumerate(tokens[:60]) if t.type == "list_item_open"]
    assert any(item.startswith(f"Proposed by: {organisation}; contact: ") for item in items)


def lint(*files: Path) -> None:
    """pymarkdownlnt with the project's configuration finds nothing in the files."""
    result = subprocess.run([sys.executable, "-m", "pymarkdown", "--config", str(ROOT / ".pymarkdown"), "scan",
                             *map(str, files)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hostile_render_passes_the_markdown_linter(rendered, tmp_path: Path) -> None:
    hostile, _, _ = rendered
    out = tmp_path / "hostile.md"
    out.write_text(hostile, encoding="utf-8")
    lint(out)


def test_the_ptac_layout_keeps_hostile_answers_literal_too(tmp_path: Path) -> None:
    """The PTAC layout shows the same answers in other places: no structure from them there either."""
    hostile, plain, given = proposals(hostile_enums=True)
    tokens, twin = parse(render_markdown(hostile, layout="ptac")), parse(render_markdown(plain, layout="ptac"))
    assert shape(tokens) == shape(twin)
    kinds = {c.type for t in tokens for c in [t, *(t.children or [])]}
    assert not kinds & {"link_open", "image", "html_inline", "html_block", "code_block", "hr"}
    seen = " ".join(reader_text(tokens).split())
    assert all(as_typed(value, one_line=True) in seen for value in given.values())
    out = tmp_path / "hostile.ptac.md"
    out.write_text(render_markdown(hostile, layout="ptac"), encoding="utf-8")
    lint(out)


# ------------------------------------------------------------------------------------------------ the HTML page


@pytest.fixture(scope="module")
def pages(answers) -> Rendered:
    hostile, plain, given = answers
    return render_html(hostile), render_html(plain), given


def test_hostile_answers_add_no_element_to_the_html_page(pages) -> None:
    hostile, plain, _ = pages
    tags, twin = Page(hostile), Page(plain)
    # the same elements in the same order (a line break is a line break, soft in one, <br> in the other)
    assert [tag for tag, _ in tags.elements if tag != "br"] == [tag for tag, _ in twin.elements if tag != "br"]
    assert not {tag for tag, _ in tags.elements} & {"script", "a", "img", "div", "iframe", "link", "hr", "pre"}
    assert all(not name.startswith("on") and "javascript:" not in (value or "")
               for _, attrs in tags.elements for name, value in attrs.items())


def test_each_hostile_answer_reads_back_literally_in_the_html_page(pages) -> None:
    hostile, _, given = pages
    seen = " ".join("".join(Page(hostile).text).split())
    for path, value in given.items():
        assert as_typed(value, one_line=True) in seen, f"{path} does not read back in the page"
