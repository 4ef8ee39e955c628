"""The rendered proposal as one self-contained HTML page, to open in any browser or print to PDF.

The page is the Markdown `render_markdown` writes, turned into HTML by markdown-it-py with raw HTML switched off:
the Markdown already escapes every answer (`render.inline`), and with HTML off even a slip there would show as
text, never as markup. Nothing is fetched: the styles are inline, and the payment chart (a Mermaid pie in the
Markdown, which GitHub draws) is drawn here as an inline SVG from the fence's own numbers. Print styles start each
element (or each PTAC criterion) and each appendix on a new page.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from apm_designer.render import render_markdown

if TYPE_CHECKING:
    from apm_designer.rules import Evaluation

# A slice's colour by its LAN category: legacy grey, then deepening blues as payment moves away from FFS.
SLICE_COLOURS = {"Category 1": "#9e9e9e", "Category 2": "#90caf9", "Category 3": "#1e88e5", "Category 4": "#0d47a1"}
OTHER_COLOUR = "#ffb74d"
_SLICE = re.compile(r'^\s*"(?P<label>[^"]*)"\s*:\s*(?P<value>[0-9.]+)\s*$')
# Headings a printed page starts with: an element, a criterion, the appendices, the abstract after the PTAC
# layout's cover page, and the other top sections.
_PAGE_BREAK = re.compile(r"^(Element \d|Criterion \d|Appendix|Abstract|Model design factors|Payment arrangements|"
                         r"Findings|PTAC criteria)")

CSS = """
:root { color-scheme: light; }
body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: #1a1a1a; max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.9rem; margin-bottom: .3rem; }
h2 { font-size: 1.4rem; border-bottom: 2px solid #1e88e5; padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; }
blockquote { margin: .8rem 0; padding: .4rem 1rem; border-left: 4px solid #90caf9; background: #f3f8fd;
             color: #333; }
blockquote.warning { border-left-color: #e65100; background: #fff3e0; }
blockquote.warning > p:first-child { font-weight: 600; }
li > a { color: inherit; }
table { border-collapse: collapse; width: 100%; margin: .8rem 0; font-size: .92em; }
th, td { border: 1px solid #c9d1d9; padding: .3rem .5rem; vertical-align: top; text-align: left; }
th { background: #eef3f8; }
td[style*="right"], th[style*="right"] { font-variant-numeric: tabular-nums; }
ul { padding-left: 1.4rem; }
li { margin: .2rem 0; }
code { font-size: .95em; }
figure.chart { display: flex; gap: 2rem; align-items: center; margin: 1rem 0; break-inside: avoid; }
figure.chart svg { flex: none; }
figure.chart ul { list-style: none; padding: 0; }
figure.chart .swatch { display: inline-block; width: .9em; height: .9em; margin-right: .4em;
                       vertical-align: -.1em; border-radius: 2px; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2.page { break-before: page; }
  h2, h3 { break-after: avoid; }
  tr, li, blockquote { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
@page { margin: 18mm 16mm; }
"""


def render_html(data: Mapping[str, Any], *, evaluation: Evaluation | None = None, banner: str | None = None,
                layout: str = "proposal") -> str:
    """The proposal as one HTML page, with the same content (and the same escaping) as `render_markdown`."""
    markdown = render_markdown(data, evaluation=evaluation, banner=banner, layout=layout)
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    md.add_render_rule("fence", _fence)
    tokens = md.parse(markdown)
    ids = _mark_headings(tokens)
    _link_contents(tokens, ids)
    _mark_alerts(tokens)
    body = md.renderer.render(tokens, md.options, {})
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(_title(tokens))}</title>\n<style>{CSS}</style>\n</head>\n"
            f"<body>\n<main>\n{body}</main>\n</body>\n</html>\n")


def _title(tokens: list[Token]) -> str:
    """The page's title: the h1's text as its reader sees it (escapes resolved)."""
    return next((_text_of(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h1"),
                "Proposal")


def _text_of(inline: Token) -> str:
    return "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))


def _mark_headings(tokens: list[Token]) -> dict[str, str]:
    """Give every heading an id (for a reader's bookmarks) and each top section a page break when printed; the ids
    of the h2 headings by their text."""
    seen: dict[str, int] = {}
    ids: dict[str, str] = {}
    for i, t in enumerate(tokens):
        if t.type != "heading_open":
            continue
        text = _text_of(tokens[i + 1])
        slug = re.sub(r"[^a-z0-9]+", "-", text.lower())[:60].strip("-") or "section"
        seen[slug] = seen.get(slug, 0) + 1
        t.attrSet("id", slug if seen[slug] == 1 else f"{slug}-{seen[slug]}")
        if t.tag == "h2":
            ids.setdefault(text, str(t.attrGet("id")))
            if _PAGE_BREAK.match(text):
                t.attrSet("class", "page")
    return ids


def _link_contents(tokens: list[Token], ids: dict[str, str]) -> None:
    """In the PTAC layout's table of contents, each entry links to its section (a link within the page)."""
    start = next((i for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"
                  and _text_of(tokens[i + 1]) == "Table of contents"), None)
    if start is None:
        return
    for t in tokens[start + 3:]:
        if t.type == "heading_open":
            break
        if t.type == "inline" and (target := ids.get(_text_of(t))) and t.children:
            link = Token("link_open", "a", 1, attrs={"href": f"#{target}"})
            t.children = [link, *t.children, Token("link_close", "a", -1)]


def _mark_alerts(tokens: list[Token]) -> None:
    """A GitHub alert (a quote that starts "[!WARNING]", e.g. the banner of a proposal that does not validate) as a
    styled box, without the marker."""
    for i, t in enumerate(tokens[:-2]):
        inline = tokens[i + 2]
        if t.type == "blockquote_open" and inline.type == "inline" and inline.children and \
                inline.children[0].type == "text" and inline.children[0].content == "[!WARNING]":
            t.attrSet("class", "warning")
            drop = 2 if len(inline.children) > 1 and inline.children[1].type in ("softbreak", "hardbreak") else 1
            inline.children = inline.children[drop:]


def _fence(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """The Mermaid pie as an inline SVG chart; any other fence as escaped code."""
    token = tokens[idx]
    if token.info.strip() == "mermaid":
        slices = [(m["label"], Decimal(m["value"])) for line in token.content.splitlines()
                  if (m := _SLICE.match(line))]
        title = next((line.strip().removeprefix("title ").strip() for line in token.content.splitlines()
                      if line.strip().startswith("title ")), "")
        if slices:
            return pie_figure(slices, title)
    return f"<pre><code>{html.escape(token.content)}</code></pre>\n"


def pie_figure(slices: Sequence[tuple[str, Decimal]], title: str, size: int = 220) -> str:
    """A pie chart of (label, amount) slices as inline SVG, with its legend (label, amount, share) beside it."""
    total = sum((amount for _, amount in slices), Decimal(0))
    r = c = size / 2
    shapes, legend, start = [], [], -math.pi / 2  # the first slice starts at twelve o'clock
    for label, amount in slices:
        colour = next((v for k, v in SLICE_COLOURS.items() if label.startswith(k)), OTHER_COLOUR)
        share = float(amount / total) if total else 0.0
        name = html.escape(label)
        if share >= 0.999999:
            shapes.append(f'<circle cx="{c:g}" cy="{c:g}" r="{r:g}" fill="{colour}"><title>{name}</title></circle>')
        elif share > 0:
            end = start + 2 * math.pi * share
            x1, y1 = c + r * math.cos(start), c + r * math.sin(start)
            x2, y2 = c + r * math.cos(end), c + r * math.sin(end)
            large = 1 if share > 0.5 else 0
            shapes.append(f'<path d="M{c:g},{c:g} L{x1:.2f},{y1:.2f} A{r:g},{r:g} 0 {large} 1 {x2:.2f},{y2:.2f} Z" '
                          f'fill="{colour}" stroke="#fff" stroke-width="1"><title>{name}</title></path>')
            start = end
        legend.append(f'<li><span class="swatch" style="background:{colour}"></span>{name}: '
                      f'${amount:,.0f} ({share * 100:.1f}%)</li>')
    return (f'<figure class="chart">\n<svg width="{size}" height="{size}" '
            f'viewBox="0 0 {size} {size}" role="img" aria-label="{html.escape(title)}">\n'
            + "\n".join(shapes) + "\n</svg>\n<ul>\n" + "\n".join(legend) + "\n</ul>\n</figure>\n")
