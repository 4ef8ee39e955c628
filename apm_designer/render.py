"""The proposal as Markdown a reviewer reads on its own: one Jinja2 environment over `templates/`.

Answers are data, never templates or Markdown. The environment's `finalize` escapes every value a template
writes with `{{ ... }}` for Markdown and HTML, so no answer can start a heading, list, quote, table row, link,
image, code span or raw HTML, and `{{ 7*7 }}` typed into an answer stays literal. Only `MD` values (Markdown this
module builds itself) pass through as they are; templates have no way to mark a string as safe. By default a value
comes out on one line, which is safe anywhere (a table cell, a heading, a list item); the `paragraphs` filter keeps
a multi-line answer's paragraphs instead, escaped line by line.

`render_markdown` turns the answers and their evaluation into a view (plain objects the templates walk, so
`StrictUndefined` never meets a missing answer) and renders it. Same answers, same bytes: nothing depends on the
date or the machine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from apm_designer.metrics import LineMix, PaymentMix, compute, money
from apm_designer.resources import TEMPLATES_DIR
from apm_designer.rules.engine import CHECKS, CLASSIFICATIONS, LABEL_NAMES, Finding, Verdict
from apm_designer.toolkit import arrangements, design_factors, element, glossary
from apm_designer.validation import dotted, field_schema, missing_for_final
from apm_designer.wording import for_people, place
from apm_designer.wording import said as _scalar

if TYPE_CHECKING:
    from apm_designer.rules import Evaluation, LineVerdict

ELEMENTS = tuple(f"element_{n}" for n in range(1, 8))
VALUES = {"yes": "Yes", "no": "No", "undetermined": "Undetermined"}
STATUSES = {"met": "Met", "not_met": "Not met", "unknown": "Unknown", "addressed": "Addressed",
            "partly": "Partly addressed", "missing": "Not addressed"}


# ------------------------------------------------------------------------------------------------ escaping


class MD(str):
    """Markdown built by this module (never from an answer alone): `finalize` writes it out unescaped."""

    __slots__ = ()


# Escaped anywhere in a line. \ ` * _ [ ] ~ | are Markdown's inline syntax (and GFM tables); # is a heading;
# $ is GitHub's math; { } keep Liquid (GitHub Pages) from reading {{ }}; @ stops GFM's email autolinks.
# & < > become entities, which also makes the text safe as HTML.
_ANYWHERE = re.compile(r"[\\`*_\[\]~|#${}@&<>]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# Only at the start of a line: list markers ("- ", "+ ", "1. ", "1) "), setext underlines (a run of = or -) and
# thematic breaks ("---", "- - -"). "1.0" or "-5%" start no block, so they stay as typed.
_LINE_START = re.compile(r"^(?:[-+](?=[\s-]|$)|=|\d{1,9}[.)](?=\s|$))")
# GFM turns http://..., https://..., ftp://... and www.... into links even without <>; break the pattern.
_AUTOLINK = re.compile(r":(?=//)|(?<=\bwww)\.", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")
_LIST_LIKE = re.compile(r"^(?:[-+*•]|\d+[.)])\s")


def _text(value: Any) -> str:
    """Any answer as plain text: newlines normalised, tabs as spaces, control characters dropped."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    return _CONTROL.sub("", text)


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return _ENTITIES.get(char) or "\\" + char


def escape_line(line: str) -> str:
    """One line of text as Markdown that shows exactly that text (trimmed), wherever the line is placed."""
    escaped = _AUTOLINK.sub(lambda m: "\\" + m.group(), _ANYWHERE.sub(_escape_char, line.strip()))
    start = _LINE_START.match(escaped)
    if start:  # "1." -> "1\.", "-" -> "\-": no list item, no setext underline, no thematic break
        marker = start.group()
        escaped = marker[:-1] + "\\" + marker[-1] + escaped[len(marker):]
    return escaped


def inline(value: Any) -> MD:
    """An answer on one line, escaped: safe in a paragraph, a heading, a list item or a table cell."""
    return MD(" ".join(escape_line(line) for line in _text(value).split("\n") if line.strip()))


def paragraphs(value: Any, indent: int = 0) -> MD:
    """A multi-line answer as escaped paragraphs (a blank line separates two), every line after the first indented
    by `indent` so the paragraphs stay inside a list item. A line that starts like a list item keeps its own line,
    so a list the proposer typed still reads as one."""
    pad = " " * indent
    blocks = []
    for block in re.split(r"\n[ \t]*\n", _text(value).strip()):
        out: list[str] = []
        for line in (line.strip() for line in block.split("\n")):
            if not line:
                continue
            if out and _LIST_LIKE.match(line):
                out[-1] += "\\"  # a hard line break
            out.append(escape_line(line))
        if out:
            blocks.append(f"\n{pad}".join(out))
    return MD(f"\n\n{pad}".join(blocks))


_PATH = re.compile(r"^[A-Za-z0-9_.\[\]]+$")


def code_path(value: Any) -> MD:
    """A dotted answer path as a code span; anything that does not look like one is escaped text instead."""
    text = _text(value)
    return MD(f"`{text}`") if _PATH.match(text) else inline(text)


def _finalize(value: Any) -> Any:
    return value if isinstance(value, MD) else inline(value)


@cache
def environment() -> SandboxedEnvironment:
    """The one Jinja2 environment: sandboxed, strict about undefined names, escaping every value it writes."""
    env = SandboxedEnvironment(loader=FileSystemLoader(str(TEMPLATES_DIR)), undefined=StrictUndefined,
                               finalize=_finalize, autoescape=False, keep_trailing_newline=True, trim_blocks=True,
                               lstrip_blocks=True)
    env.filters["paragraphs"] = paragraphs
    env.filters["path"] = code_path
    return env


def render_markdown(data: Mapping[str, Any], *, evaluation: Evaluation | None = None, banner: str | None = None) -> str:
    """The proposal as Markdown. Evaluates the answers unless given their evaluation; `banner` (e.g. the problems of
    an invalid proposal) is shown as a warning right under the title."""
    if not isinstance(data, Mapping):
        data = {}
    if evaluation is None:
        from apm_designer.rules import evaluate

        evaluation = evaluate(data)
    env = environment()
    body = env.get_template("proposal.md.j2").render(view=build_view(data, evaluation, banner))
    appendix = env.get_template("partials/glossary.md.j2").render(terms=used_terms(body))
    return _tidy(body + "\n\n" + appendix)


def _tidy(markdown: str) -> str:
    """One blank line between blocks and one newline at the end, whatever the templates' whitespace.

    Safe because no rendered block holds a meaningful run of blank lines: answers' paragraphs are joined by single
    blank lines and the only code block (the Mermaid chart) has none."""
    return re.sub(r"\n{3,}", "\n\n", markdown).strip("\n") + "\n"


# ------------------------------------------------------------------------------------------------ the view


@dataclass(frozen=True)
class Answer:
    """A question and the proposer's answer as the template shows it. A group is a question with parts: its parts
    follow it in the element's list, one heading level deeper."""

    level: int  # heading level: 3 for an element's questions, 4 for the parts of one
    title: str
    ask: str  # the question as the schema asks it
    kind: str  # missing | text | paragraphs | list | table | group
    text: str = ""
    items: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class ElementView:
    title: str
    question: str  # the toolkit's question for the element
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class FactorView:
    number: int
    title: str
    optional: bool
    rating: str
    rationale: str


@dataclass(frozen=True)
class VerdictView:
    name: str
    value: str
    reason: str


@dataclass(frozen=True)
class FindingView:
    rule_id: str
    label: str
    status: str
    title: str
    explanation: str
    fields: tuple[str, ...]
    citation: str


@dataclass(frozen=True)
class FindingGroup:
    name: str
    findings: tuple[FindingView, ...]


@dataclass(frozen=True)
class OtherPayerFindingView:
    rule_id: str
    status: str
    title: str
    explanation: str  # worded for a reviewer: questions and answers' labels, no dotted paths
    citation: str


@dataclass(frozen=True)
class OtherPayerView:
    """One line of business judged as an Other Payer Advanced APM (42 CFR 414.1420)."""

    name: str  # "Medicaid (Payment · Line of business 2)"
    payer_type: str
    value: str
    reason: str
    findings: tuple[OtherPayerFindingView, ...]


@dataclass(frozen=True)
class PtacView:
    number: int
    title: str
    high_priority: bool
    summary: str
    status: str
    addressed_by: tuple[str, ...]
    missing: tuple[str, ...]
    citation: str


@dataclass(frozen=True)
class MetricView:
    number: str
    label: str
    dollars: str
    share: str


@dataclass(frozen=True)
class ArrangementView:
    label: str
    dollars: str
    share: str
    basis: str
    stage: str
    launch_date: str
    description: str


@dataclass(frozen=True)
class LineView:
    label: str
    period: str
    total: str
    arrangements: tuple[ArrangementView, ...]
    metrics: tuple[MetricView, ...]
    notes: tuple[str, ...]
    other_payer: tuple[tuple[str, str], ...] = ()  # its Other Payer Advanced APM answers: (question, answer)


@dataclass(frozen=True)
class PaymentView:
    lines: tuple[LineView, ...]
    all: LineView | None  # only with more than one line
    chart: MD | None  # a Mermaid pie of the dollars by LAN category
    chart_of: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class View:
    title: str
    facts: tuple[tuple[str, str], ...]
    banner: tuple[str, ...]
    performance_year: str
    year_note: str  # how the evaluator chose the year, when the proposal does not give one it covers
    verdicts: tuple[VerdictView, ...]
    draft: bool
    missing: tuple[tuple[str, str], ...]
    elements: tuple[ElementView, ...]
    factors: tuple[FactorView, ...]
    payment: PaymentView
    findings: tuple[FindingGroup, ...]
    warnings: tuple[FindingView, ...]
    show_ptac: bool
    ptac: tuple[PtacView, ...]
    other_payers: tuple[OtherPayerView, ...] = ()


def build_view(data: Mapping[str, Any], evaluation: Evaluation, banner: str | None) -> View:
    meta = _mapping(data.get("metadata"))
    draft = meta.get("status") != "final"
    return View(
        title=_text(meta.get("title")).strip() or "Untitled proposal",
        facts=_facts(meta),
        banner=tuple(line for line in _text(banner).split("\n") if line.strip()),
        performance_year=str(evaluation.performance_year),
        year_note=evaluation.year_note,
        verdicts=tuple(_verdict(label, evaluation.verdicts[label]) for label in CLASSIFICATIONS),
        draft=draft,
        missing=tuple((title, dotted(path)) for path, title in missing_for_final(data)) if draft else (),
        elements=tuple(_element(key, _mapping(data.get(key))) for key in ELEMENTS),
        factors=_factors(_mapping(data.get("design_factors"))),
        payment=_payment(data),
        findings=_findings(evaluation.findings),
        warnings=tuple(_finding(w) for w in evaluation.warnings),
        show_ptac=_is_pfpm_proposal(data, evaluation),
        ptac=tuple(PtacView(c.number, c.title, c.high_priority, c.summary, _status(c.status), tuple(c.addressed_by),
                            tuple(c.missing), c.citation) for c in evaluation.ptac),
        other_payers=tuple(_other_payer(line) for line in evaluation.other_payers),
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _answered(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _status(status: str) -> str:
    return STATUSES.get(status, str(status).replace("_", " ").capitalize())


def _facts(meta: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    schema = field_schema(("metadata",))["properties"]
    contact = _mapping(meta.get("contact"))
    who = ", ".join(_text(contact[k]).strip() for k in ("name", "email", "phone") if _answered(contact.get(k)))
    version = ", ".join(_text(meta[k]).strip() for k in ("version", "date") if _answered(meta.get(k)))
    facts = (
        ("Proposing organisation", _scalar(meta.get("organisation"), schema["organisation"])),
        ("Performance year", _scalar(meta.get("performance_year"), {})),
        ("Status", _scalar(meta.get("status"), schema["status"])),
        ("Version", version),
        ("Contact", who),
    )
    return tuple((name, value or "Not answered") for name, value in facts)


def _verdict(label: str, verdict: Verdict) -> VerdictView:
    value = VALUES.get(verdict.value, str(verdict.value))
    if label == "lan" and verdict.category:
        value = f"{value}: Category {verdict.category}"
    reason = verdict.reason
    needs = [path for path in verdict.needs if path not in reason]
    if needs:
        reason += f" Needs: {', '.join(needs)}."
    return VerdictView(LABEL_NAMES[label], value, reason)


def _finding(f: Finding) -> FindingView:
    return FindingView(f.rule_id, LABEL_NAMES.get(f.label, f.label), _status(f.status), f.title, f.explanation,
                       tuple(f.fields), f.citation)


def _findings(findings: Sequence[Finding]) -> tuple[FindingGroup, ...]:
    groups = []
    for label in (*CLASSIFICATIONS, *CHECKS):
        mine = tuple(_finding(f) for f in findings if f.label == label)
        if mine:
            groups.append(FindingGroup(LABEL_NAMES[label], mine))
    return tuple(groups)


def _other_payer(line: LineVerdict) -> OtherPayerView:
    """A line's Other Payer Advanced APM verdict and findings in a reviewer's words."""
    kind = _scalar(line.line_of_business, field_schema(("payment", "lines_of_business", 0, "line_of_business")))
    reason = for_people(line.verdict.reason)
    needs = [place(path) for path in line.verdict.needs]
    if needs and line.verdict.value == "undetermined" and not reason.startswith("needs "):
        reason += f" Needs: {', '.join(needs)}."
    return OtherPayerView(f"{kind} ({place(line.path)})", line.payer_type, VALUES.get(line.verdict.value, ""), reason,
                          tuple(OtherPayerFindingView(f.rule_id, _status(f.status), f.title, for_people(f.explanation),
                                                      f.citation) for f in line.findings))


def _is_pfpm_proposal(data: Mapping[str, Any], evaluation: Evaluation) -> bool:
    """PTAC's criteria matter when the proposer aims for a PFPM or the model turns out to be one."""
    intended = _mapping(data.get("element_1")).get("intended_types")
    verdict = evaluation.verdicts.get("pfpm")
    return (isinstance(intended, list) and "pfpm" in intended) or (verdict is not None and verdict.value == "yes")


# --- answers ------------------------------------------------------------------------------------------------------


def _element(key: str, answers: Mapping[str, Any]) -> ElementView:
    schema = field_schema((key,))
    flat: list[Answer] = []
    for name, sub in schema["properties"].items():
        _answer(answers.get(name), sub, 3, flat)
    return ElementView(schema["title"], element(key).question, tuple(flat))


def _answer(value: Any, schema: Mapping[str, Any], level: int, out: list[Answer]) -> None:
    """Append the answer to one question (and, for a question with parts, the answered parts after it)."""
    title, ask = schema.get("title", ""), schema.get("description", "")
    kind = schema.get("type")
    if not _answered(value):
        out.append(Answer(level, title, ask, "missing"))
    elif kind == "object" and isinstance(value, Mapping):
        out.append(Answer(level, title, ask, "group"))
        for name, sub in schema.get("properties", {}).items():
            if _answered(value.get(name)):
                _answer(value.get(name), sub, level + 1, out)
    elif kind == "array" and isinstance(value, list):
        items = schema.get("items", {})
        if items.get("type") == "object":
            out.append(_table(level, title, ask, value, items))
        else:
            labels = schema.get("x-enum-labels", {})
            out.append(Answer(level, title, ask, "list", items=tuple(_scalar(v, items, labels) for v in value)))
    elif isinstance(value, str) and schema.get("x-widget") == "textarea":
        out.append(Answer(level, title, ask, "paragraphs", text=value))
    else:
        out.append(Answer(level, title, ask, "text", text=_scalar(value, schema)))


def _table(level: int, title: str, ask: str, rows: list[Any], items: Mapping[str, Any]) -> Answer:
    props = items.get("properties", {})
    entries = [row for row in rows if isinstance(row, Mapping)]
    keys = [k for k in props if any(_answered(row.get(k)) for row in entries)]
    cells = tuple(tuple(_cell(row.get(k), props[k]) for k in keys) for row in entries)
    return Answer(level, title, ask, "table", columns=tuple(props[k].get("title", k) for k in keys), rows=cells)


def _cell(value: Any, schema: Mapping[str, Any]) -> str:
    if isinstance(value, list):
        labels = schema.get("x-enum-labels", {})
        return "; ".join(_scalar(v, schema.get("items", {}), labels) for v in value)
    return _scalar(value, schema)


def _factors(answers: Mapping[str, Any]) -> tuple[FactorView, ...]:
    rating = field_schema(("design_factors", "department_goals", "rating"))
    out = []
    for factor in design_factors():
        answer = _mapping(answers.get(factor.key))
        out.append(FactorView(factor.number, factor.title, factor.optional,
                              _scalar(answer.get("rating"), rating) or "Not rated", _text(answer.get("rationale"))))
    return tuple(out)


# --- payment ------------------------------------------------------------------------------------------------------


def _payment(data: Mapping[str, Any]) -> PaymentView:
    mix: PaymentMix = compute(data)
    raw_lines = _mapping(data.get("payment")).get("lines_of_business")
    raw_lines = [_mapping(raw) for raw in raw_lines] if isinstance(raw_lines, list) else []
    line_schema = field_schema(("payment", "lines_of_business", 0))["properties"]
    # The heading is the proposer's line of business as they gave it; two lines of the same business get numbers.
    labels = [_scalar(raw.get("line_of_business"), line_schema["line_of_business"]) or line.label
              for line, raw in zip(mix.lines, raw_lines, strict=False)]
    lines = tuple(_line(line, raw, f"{label} (line {n})" if labels.count(label) > 1 else label)
                  for n, (line, raw, label) in enumerate(zip(mix.lines, raw_lines, labels, strict=False), start=1))
    several = mix.all is not None and len(mix.lines) > 1
    shown = mix.all if several else (mix.lines[0] if mix.lines else None)
    chart = mermaid_pie(shown.pie(), "Dollars by LAN APM Framework category") if shown is not None else None
    chart_of = "all lines of business" if several else (labels[0] if labels else "")
    return PaymentView(lines, _line(mix.all, {}, mix.all.label) if several and mix.all else None, chart, chart_of,
                       mix.notes)


def _line(line: LineMix, raw: Mapping[str, Any], heading: str) -> LineView:
    schema = field_schema(("payment", "lines_of_business", 0))["properties"]
    item = schema["arrangements"]["items"]["properties"]
    entries = [_mapping(e) for e in raw.get("arrangements", [])] if isinstance(raw.get("arrangements"), list) else []
    shown = tuple(ArrangementView(_scalar(entry.get("type"), item["type"]) or share.label, share.dollars_text,
                                  share.share_text, _basis(share.basis, entry.get("combined_with"), item),
                                  _scalar(entry.get("stage"), item["stage"]), _text(entry.get("launch_date")),
                                  _text(entry.get("description")))
                  for share, entry in zip(line.arrangements, entries, strict=False))
    # An arrangement no dollars go through is left out (its metric is $0); totals and penetration always show.
    metrics = tuple(MetricView(r.number, r.label if r.counted_in is None else f"{r.label} (counted in {r.counted_in})",
                               r.dollars_text, r.share_text)
                    for r in line.rows if not (r.key in arrangements() and not r.dollars))
    period = _mapping(raw.get("reporting_period"))
    basis = _scalar(period.get("basis"), schema["reporting_period"]["properties"]["basis"])
    dates = " to ".join(_text(period[k]) for k in ("start", "end") if _answered(period.get(k)))
    other_payer = _mapping(raw.get("other_payer"))
    questions = schema["other_payer"]["properties"]
    return LineView(heading, ", ".join(p for p in (basis, dates) if p), money(line.total) or "Not answered", shown,
                    metrics, line.notes, tuple((questions[k]["title"], _cell(other_payer[k], questions[k]))
                                               for k in questions if _answered(other_payer.get(k))))


def _basis(basis: str, combined: Any, item: Mapping[str, Any]) -> str:
    """How an arrangement's dollars were counted, with the arrangements it is combined with."""
    if not isinstance(combined, list) or not combined:
        return basis
    return f"{basis}; also paid through {_cell(combined, item['combined_with'])}"


def mermaid_pie(slices: Sequence[tuple[str, Decimal]], title: str) -> MD | None:
    """A Mermaid pie chart, which GitHub draws without plug-ins. The labels are ours, but are still kept to
    characters that cannot end a Mermaid string or the code fence."""
    if not slices:
        return None
    unsafe = re.compile(r"[^A-Za-z0-9 ,.:()\u2013-]")
    lines = ["```mermaid", "pie showData", f"    title {unsafe.sub('', title)}"]
    lines += [f'    "{unsafe.sub("", label)}" : {dollars:f}' for label, dollars in slices]
    lines.append("```")
    return MD("\n".join(lines))


# --- glossary -----------------------------------------------------------------------------------------------------


_QUALIFIER = re.compile(r"\s*\((?:LAN|QPP)\)$")
_PARENS = re.compile(r"\s*\(([^)]*)\)")
_UNESCAPE = re.compile(r"\\(.)")


@cache
def _term_patterns() -> tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...]:
    """For each glossary term, a pattern for its name (or its abbreviation, e.g. PFPM) in running text, and the
    name and abbreviations in lower case: a text that has none of them as a plain substring cannot match."""
    out = []
    for term in glossary():
        base = _QUALIFIER.sub("", term)
        name = _PARENS.sub("", base).strip()
        abbreviations = [a for a in _PARENS.findall(base) if re.fullmatch(r"[A-Z]{2,}s?", a)]
        alternatives = [rf"(?i:{re.escape(name)}s?)", *(re.escape(a) for a in abbreviations)]
        words = tuple(word.lower() for word in (name, *abbreviations))
        out.append((term, words, re.compile(rf"(?<![\w-])(?:{'|'.join(alternatives)})(?![\w-])")))
    return tuple(out)


def used_terms(markdown: str) -> tuple[tuple[str, str], ...]:
    """The glossary entries (term, definition) whose term the rendered proposal uses, in the glossary's order."""
    text = _UNESCAPE.sub(r"\1", markdown).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    lowered, definitions = text.lower(), glossary()
    # The substring test first: the pattern scans the whole proposal for each term (about 1 ms each, measured).
    return tuple((term, definitions[term]) for term, words, pattern in _term_patterns()
                 if any(word in lowered for word in words) and pattern.search(text))
