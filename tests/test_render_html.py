"""`render --format html`: one self-contained page (nothing fetched), the same document as the Markdown, the payment
chart drawn as inline SVG at render time, and print styles that start each element on a new page."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from test_serve_e2e import chromium  # noqa: F401  (a fixture)

from apm_designer.document import load
from apm_designer.metrics import compute
from apm_designer.render import render_markdown
from apm_designer.render_html import render_html

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "proposals" / "examples").glob("*.yaml"))


class Page(HTMLParser):
    """An HTML page read back: its elements (tag, attributes) in order, its text, and the text of each tag kind."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.open: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not {"style", "title"} & set(self.open):
            self.text.append(data)

    def headings(self, tag: str) -> list[str]:
        return [a.get("id") or "" for t, a in self.elements if t == tag]


@pytest.fixture(scope="module", params=EXAMPLES, ids=[p.stem for p in EXAMPLES])
def example(request):
    data = load(request.param).data
    return request.param, data, render_html(data)


def test_the_page_fetches_nothing_and_runs_nothing(example) -> None:
    _, _, page = example
    parsed = Page(page)
    tags = {tag for tag, _ in parsed.elements}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "a", "base", "form", "input"}
    assert not re.search(r"(?i)https?:|//[a-z]|url\(|@import|javascript:", page)
    assert all(not name.startswith("on") for _, attrs in parsed.elements for name in attrs)
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page


def test_the_page_is_the_markdown_document(example) -> None:
    """Same headings and the same text a reader sees, as markdown-it renders the Markdown itself."""
    _, data, page = example
    markdown = render_markdown(data)
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    h2 = ["".join(c.content for c in tokens[i + 1].children or []) for i, t in enumerate(tokens)
          if t.type == "heading_open" and t.tag == "h2"]
    parsed = Page(page)
    assert [re.sub(r"[^a-z0-9]+", "-", h.lower()).strip("-") for h in h2] == parsed.headings("h2")
    seen = " ".join("".join(parsed.text).split())
    for t in tokens:
        if t.type == "inline" and t.content:
            text = "".join(" " if c.type in ("softbreak", "hardbreak") else c.content for c in t.children or [])
            assert " ".join(text.split()) in seen


def test_each_element_starts_a_new_printed_page(example) -> None:
    _, _, page = example
    parsed = Page(page)
    classes = {a.get("id"): a.get("class") for t, a in parsed.elements if t == "h2"}
    assert all(classes[f"element-{n}-{rest}"] == "page" for key in classes
               if (m := re.match(r"element-(\d)-(.*)", key or "")) for n, rest in [m.groups()])
    assert classes["summary"] is None  # the summary follows the title on the first page
    assert re.search(r"@media print \{[^@]*h2\.page \{ break-before: page; \}", page)


def test_the_payment_chart_is_inline_svg_with_each_category_and_its_dollars(example) -> None:
    _, data, page = example
    mix = compute(data)
    svgs = re.findall(r"<figure class=\"chart\">.*?</figure>", page, re.S)
    if mix.empty or not (mix.all if len(mix.lines) > 1 else mix.lines[0]).pie():
        assert svgs == []
        return
    [figure] = svgs
    shown = mix.all if len(mix.lines) > 1 else mix.lines[0]
    slices = shown.pie()
    assert figure.count("<path ") + figure.count("<circle ") == len(slices)
    legend = re.findall(r"</span>(.*?): \$([\d,]+) \(([\d.]+)%\)</li>", figure)
    assert [(label, Decimal(dollars.replace(",", ""))) for label, dollars, _ in legend] == \
        [(label, amount.quantize(Decimal(1))) for label, amount in slices]
    assert abs(sum(float(share) for _, _, share in legend) - 100) < 0.2
    assert "```" not in page and "pie showData" not in page


def test_the_ptac_layout_renders_as_html_with_its_contents_linked_within_the_page() -> None:
    data = load(EXAMPLES[0]).data
    page = render_html(data, layout="ptac")
    parsed = Page(page)
    assert parsed.headings("h2")[:3] == ["cover-page", "abstract", "table-of-contents"]
    links = [attrs["href"] for tag, attrs in parsed.elements if tag == "a"]
    assert links[0] == "#criterion-1-scope-high-priority" and len(links) == 15  # ten criteria, five appendices
    assert [link[1:] for link in links] == [h for h in parsed.headings("h2") if h.startswith(("criterion", "appendix"))]
    assert not re.search(r"(?i)https?:|//[a-z]|url\(|@import|javascript:", page)


def test_a_warning_banner_is_a_warning_box_without_its_marker(tmp_path: Path) -> None:
    page = render_html(load(EXAMPLES[0]).data, banner="Does not validate (1 problem)\nx.yaml:1:1: error: bad")
    parsed = Page(page)
    assert ("blockquote", {"class": "warning"}) in parsed.elements
    assert "[!WARNING]" not in page and "Does not validate (1 problem)" in "".join(parsed.text)


def test_chromium_prints_the_page_with_a_page_per_element(chromium: str, tmp_path: Path) -> None:  # noqa: F811
    """A real browser (the machine's own, as for serve's browser tests) opens the page offline and prints it:
    every element starts a page of its own."""
    data = load(ROOT / "proposals" / "examples" / "small-practice-medical-home.yaml").data
    page = tmp_path / "p.html"
    page.write_text(render_html(data), encoding="utf-8")
    pdf = tmp_path / "p.pdf"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.as_uri()], capture_output=True, timeout=120, check=True,
                   env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert pages >= len(Page(page.read_text(encoding="utf-8")).headings("h2"))


def test_render_cli_writes_html_and_ptac_files(tmp_path: Path) -> None:
    run = [sys.executable, "-m", "apm_designer", "render", str(ROOT / "proposals" / "examples")]
    for options, suffix in ((["--format", "html"], ".html"), (["--layout", "ptac"], ".ptac.md"),
                            (["--layout", "ptac", "--format", "html"], ".ptac.html")):
        out = tmp_path / suffix.strip(".")
        result = subprocess.run([*run, *options, "-o", f"{out}/"], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert sorted(p.name for p in out.iterdir()) == sorted(p.stem + suffix for p in EXAMPLES)
