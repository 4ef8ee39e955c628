"""The proposal as Markdown a reviewer reads on its own: one Jinja2 environment over `templates/`, two layouts
(`proposal.md.j2`: the summary first, then the toolkit's elements; `ptac.md.j2`: as PTAC's submission instructions
arrange a proposal). Everything is said in a reviewer's words: answers by their place and question, values by
their labels, the evaluator's explanations through `wording.for_people`. `render_html` makes a page of it.

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
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from apm_designer.metrics import LINES, LineMix, PaymentMix, compute, money, percent
from apm_designer.resources import TEMPLATES_DIR
from apm_designer.rules.engine import CHECKS, CLASSIFICATIONS, LABEL_NAMES, Finding, Verdict
from apm_designer.toolkit import arrangements, design_factors, element, glossary
from apm_designer.validation import dotted, field_schema, missing_for_final
from apm_designer.wording import VERDICTS as VALUES
from apm_designer.wording import for_people, note, parts, place, value
from apm_designer.wording import said as _scalar

if TYPE_CHECKING:
    from apm_designer.rules import Evaluation, LineVerdict, PtacCriterion

ELEMENTS = tuple(f"element_{n}" for n in range(1, 8))
SUMMARY_MISSING = 6  # the missing answers the summary names before "and N more"
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
# GFM turns http://..., https://..., ftp://... and www.... into links even without <>; break the pattern. And "::"
# (a GitHub workflow command when a CI log shows the Markdown) is written ":\:", which Markdown shows as "::".
_AUTOLINK = re.compile(r":(?=//)|(?<=\bwww)\.|(?<=:):", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # C0, DEL and C1 (CSI \x9b is an escape too)
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
    so a list the proposer typed still reads as one, even its first line: the answer then starts on a line of its
    own, under the question's title it follows."""
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
    text = f"\n\n{pad}".join(blocks)
    return MD(f"\\\n{pad}{text}" if _LIST_LIKE.match(_text(value).strip()) else text)


def _finalize(value: Any) -> Any:
    return value if isinstance(value, MD) else inline(value)


@cache
def environment() -> SandboxedEnvironment:
    """The one Jinja2 environment: sandboxed, strict about undefined names, escaping every value it writes."""
    env = SandboxedEnvironment(loader=FileSystemLoader(str(TEMPLATES_DIR)), undefined=StrictUndefined,
                               finalize=_finalize, autoescape=False, keep_trailing_newline=True, trim_blocks=True,
                               lstrip_blocks=True)
    env.filters["paragraphs"] = paragraphs
    return env


# Each layout's template, and the heading of its glossary (rendered last, from the terms the rest uses).
LAYOUTS = {"proposal": ("proposal.md.j2", "Appendix: glossary"), "ptac": ("ptac.md.j2", "Appendix E. Glossary")}


def render_markdown(data: Mapping[str, Any], *, evaluation: Evaluation | None = None, banner: str | None = None,
                    layout: str = "proposal") -> str:
    """The proposal as Markdown. Evaluates the answers unless given their evaluation; `banner` (e.g. the problems of
    an invalid proposal) is shown as a warning right under the title. `layout` "ptac" arranges the same answers
    as PTAC's proposal submission instructions ask (templates/ptac.md.j2)."""
    if not isinstance(data, Mapping):
        data = {}
    if evaluation is None:
        from apm_designer.rules import evaluate

        evaluation = evaluate(data)
    env = environment()
    template, glossary_heading = LAYOUTS[layout]
    body = env.get_template(template).render(view=build_view(data, evaluation, banner))
    appendix = env.get_template("partials/glossary.md.j2").render(terms=used_terms(body), heading=glossary_heading)
    return _tidy(body + "\n\n" + appendix)


def _tidy(markdown: str) -> str:
    """One blank line between blocks and one newline at the end, whatever the templates' whitespace.

    Safe because no rendered block holds a meaningful run of blank lines: answers' paragraphs are joined by single
    blank lines and the only code block (the Mermaid chart) has none."""
    return re.sub(r"\n{3,}", "\n\n", markdown).strip("\n") + "\n"


# ------------------------------------------------------------------------------------------------ the view


@dataclass(frozen=True)
class Answer:
    """A question and the proposer's answer as the template shows it: "**Testing authority:** CMS Innovation
    Center model". A group (a question with parts) holds its answered parts."""

    path: str  # the dotted answer path (for a layout that places answers by path; never shown)
    title: str
    kind: str  # text | paragraphs | list | table | group
    text: str = ""
    items: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    parts: tuple[Answer, ...] = ()


@dataclass(frozen=True)
class ElementView:
    key: str
    title: str
    question: str  # the toolkit's question for the element
    answers: tuple[Answer, ...]  # the answered questions, in the schema's order
    unanswered: tuple[str, ...]  # the questions (and parts of answered groups) left unanswered


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
    reason: str  # in a person's words: answers by their questions and labels


@dataclass(frozen=True)
class FindingView:
    status: str
    title: str
    explanation: str  # in a person's words
    source: str  # the rule's id and citation


@dataclass(frozen=True)
class FindingGroup:
    name: str
    findings: tuple[FindingView, ...]


@dataclass(frozen=True)
class ChecksView:
    warnings: tuple[FindingView, ...]  # checks that found a problem
    open: tuple[FindingView, ...]  # checks that cannot tell yet
    passed: tuple[str, ...]  # the titles of the checks that found nothing


@dataclass(frozen=True)
class OtherPayerView:
    """One line of business judged as an Other Payer Advanced APM (42 CFR 414.1420), in a reviewer's words."""

    name: str  # "Medicaid (Payment · Line of business 2)"
    payer_type: str
    value: str
    reason: str
    findings: tuple[FindingView, ...]


@dataclass(frozen=True)
class PtacView:
    number: int
    title: str
    high_priority: bool
    summary: str
    status: str
    addressed_by: tuple[str, ...]  # the answers' places ("Element 3 · Model design")
    missing: tuple[str, ...]
    answers: tuple[Answer, ...]  # the answers that address it, in full (for the PTAC layout)
    payment: bool  # the payment mix addresses it


@dataclass(frozen=True)
class ArrangementView:
    label: str  # the arrangement as the proposer chose it
    short: str  # the workbook's term for it, "Legacy payments (1)"
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
    notes: tuple[str, ...]
    other_payer: str = ""  # its Other Payer Advanced APM answers in one line: "Question: answer; ..."


@dataclass(frozen=True)
class MetricsView:
    """The workbook's metrics for every line of business (and all of them together), one column each."""

    columns: tuple[str, ...]
    periods: tuple[str, ...]  # each column's reporting period
    rows: tuple[tuple[str, str, tuple[str, ...]], ...]  # (metric number, measure, one cell per column)


@dataclass(frozen=True)
class PaymentView:
    lines: tuple[LineView, ...]
    metrics: MetricsView | None
    chart: MD | None  # a Mermaid pie of the dollars by LAN category
    chart_of: str
    mix: str  # the payment mix in one line: each category's share of the dollars
    total: str  # the dollars paid to providers, all lines together
    notes: tuple[str, ...]


@dataclass(frozen=True)
class SummaryView:
    """The executive summary: what the model is and who proposes it, payers and scale, the payment mix, the
    verdicts with their reasons, and what is still to do."""

    facts: tuple[tuple[str, str], ...]
    verdicts: tuple[VerdictView, ...]
    to_do: tuple[str, ...]


@dataclass(frozen=True)
class View:
    title: str
    facts: tuple[tuple[str, str], ...]  # the cover: organisation, year, status, version, contact
    banner: tuple[str, ...]
    performance_year: str
    year_note: str  # how the evaluator chose the year, when the proposal does not give one it covers
    summary: SummaryView
    draft: bool
    missing: tuple[str, ...]  # the places of the answers a final proposal still needs
    elements: tuple[ElementView, ...]
    factors: tuple[FactorView, ...]
    payment: PaymentView
    findings: tuple[FindingGroup, ...]
    checks: ChecksView
    show_ptac: bool
    ptac: tuple[PtacView, ...]
    others: tuple[ElementView, ...]  # for the PTAC layout: each element's answers no criterion shows
    abstract: str  # for the PTAC layout: the model in a few sentences, from the answers
    other_payers: tuple[OtherPayerView, ...] = ()  # each line of business but Traditional Medicare (42 CFR 414.1420)


def build_view(data: Mapping[str, Any], evaluation: Evaluation, banner: str | None) -> View:
    meta = _mapping(data.get("metadata"))
    draft = meta.get("status") != "final"
    needed = [place(dotted(path)) for path, _ in missing_for_final(data)] if draft else []
    missing = _grouped(needed)
    payment = _payment(data)
    verdicts = tuple(_verdict(label, evaluation.verdicts[label]) for label in CLASSIFICATIONS)
    checks = _checks(evaluation.findings)
    show_ptac = _is_pfpm_proposal(data, evaluation)
    ptac = tuple(_criterion(c, data) for c in evaluation.ptac)
    elements = tuple(_element(key, _mapping(data.get(key))) for key in ELEMENTS)
    under_criteria = {path for c in evaluation.ptac for path in c.addressed_by}
    others = tuple(replace(el, answers=tuple(a for a in el.answers if a.path not in under_criteria))
                   for el in elements)
    return View(
        title=_text(meta.get("title")).strip() or "Untitled proposal",
        facts=_facts(meta),
        banner=tuple(line for line in _text(banner).split("\n") if line.strip()),
        performance_year=str(evaluation.performance_year),
        year_note=evaluation.year_note,
        summary=SummaryView(_summary_facts(data, payment, evaluation), verdicts,
                            _to_do(len(needed), missing, checks, ptac if show_ptac else ())),
        draft=draft,
        missing=missing,
        elements=elements,
        factors=_factors(_mapping(data.get("design_factors"))),
        payment=payment,
        findings=_findings(evaluation.findings),
        checks=checks,
        show_ptac=show_ptac,
        ptac=ptac,
        others=others,
        abstract=_abstract(data, payment, evaluation),
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


def _at(data: Mapping[str, Any], path: str) -> Any:
    """The answer at a dotted path of named steps (None when it is not there)."""
    node: Any = data
    for step in parts(path):
        node = node.get(step) if isinstance(step, str) and isinstance(node, Mapping) else None
    return node


def _said(data: Mapping[str, Any], path: str) -> str:
    """The answer at a dotted path as a person reads it ("" when unanswered)."""
    node = _at(data, path)
    return value(path, node) if _answered(node) else ""


_FACTOR = "Design factors · Factor "


def _grouped(places: Sequence[str]) -> tuple[str, ...]:
    """Places of missing answers, the design factors among them said once: "Design factors 2, 3 and 12"."""
    factors = [p.removeprefix(_FACTOR) for p in places if p.startswith(_FACTOR)]
    if len(factors) < 2:
        return tuple(places)
    said = f"Design factors {', '.join(factors[:-1])} and {factors[-1]}"
    first = next(i for i, p in enumerate(places) if p.startswith(_FACTOR))
    rest = [p for p in places if not p.startswith(_FACTOR)]
    return (*rest[:first], said, *rest[first:])


def _scale(data: Mapping[str, Any]) -> list[str]:
    """How many beneficiaries and eligible clinicians the model reaches, as far as the proposal says."""
    return [f"{n} {what}" for n, what in ((_said(data, "element_4.beneficiaries"), "beneficiaries"),
                                         (_said(data, "element_4.eligible_clinicians"), "eligible clinicians")) if n]


def _summary_facts(data: Mapping[str, Any], payment: PaymentView, ev: Evaluation) -> tuple[tuple[str, str], ...]:
    facts = dict(_facts(_mapping(data.get("metadata"))))
    who = facts["Proposing organisation"]
    if facts["Contact"] != "Not answered":
        who += f"; contact: {facts['Contact']}"
    status = facts["Status"] + (f", version {facts['Version']}" if facts["Version"] != "Not answered" else "")
    authority = _said(data, "element_1.authority")
    tested = f"{authority}, performance year {ev.performance_year}" if authority else "Not answered"
    payers = _said(data, "element_5.payers").replace("; ", ", ")
    scale = _scale(data)
    if payment.total:
        scale.append(f"{payment.total} paid to providers in the reporting period")
    return (("Proposed by", who), ("Status", status), ("Tested under", tested),
             ("Targets", _said(data, "element_1.targeted_services.description") or "Not answered"),
             ("Payers and scale", "; ".join(p for p in (payers, ", ".join(scale)) if p) or "Not answered"),
             ("Payment mix", payment.mix or "Not answered"))


def _abstract(data: Mapping[str, Any], payment: PaymentView, ev: Evaluation) -> str:
    """The model in a few sentences, each made of answers as they are worded elsewhere in the document."""
    title = _text(_mapping(data.get("metadata")).get("title")).strip() or "This model"
    who = _said(data, "metadata.organisation") or "The proposer"
    authority = _said(data, "element_1.authority")
    out = [f"{who} proposes {title}" + (f", to be tested as a {authority}." if authority else ".")]
    if targets := _said(data, "element_1.targeted_services.description"):
        out.append(f"It targets {targets[0].lower() + targets[1:]}" + ("" if targets.endswith(".") else "."))
    scale = _scale(data)
    payers = _said(data, "element_5.payers").replace("; ", ", ")
    if scale or payers:
        out.append(" ".join(p for p in (f"It would reach {' and '.join(scale)}" if scale else "",
                                        f"with {payers} paying" if payers and scale else
                                        f"Its payers are {payers}" if payers else "") if p) + ".")
    if payment.mix:
        out.append(f"Of the {payment.total} it would pay providers: {payment.mix}.")
    said = {"yes": "is", "no": "is not", "undetermined": "cannot yet be said to be"}
    verdicts = [f"{said[ev.verdicts[label].value]} {article} {LABEL_NAMES[label]}"
                for label, article in (("apm", "an"), ("advanced_apm", "an"), ("pfpm", "a"))]
    out.append(f"Under the Quality Payment Program rules for {ev.performance_year} it {', '.join(verdicts[:2])} "
               f"and {verdicts[2]}.")
    return " ".join(out)


def _to_do(count: int, missing: Sequence[str], checks: ChecksView, ptac: Sequence[PtacView]) -> tuple[str, ...]:
    """What is still to do, one line each: the `count` missing answers (the first of their places), warnings, and
    PTAC criteria not fully addressed."""
    out = []
    if missing:
        shown = "; ".join(missing[:SUMMARY_MISSING])
        more = "; and more (see Still missing)" if len(missing) > SUMMARY_MISSING else ""
        out.append(f"{count} answer{'s' * (count != 1)} a final proposal needs: {shown}{more}")
    out += [f"Check not passed (see Findings): {w.title}" for w in checks.warnings]
    open_ = [f"{c.number}. {c.title} ({c.status.lower()})" for c in ptac if c.missing]
    if open_:
        out.append("PTAC criteria not fully addressed: " + "; ".join(open_))
    return tuple(out)


def _verdict(label: str, verdict: Verdict) -> VerdictView:
    value = VALUES.get(verdict.value, str(verdict.value))
    if label == "lan" and verdict.category:
        value = f"{value}: Category {verdict.category}"
    reason = for_people(verdict.reason)
    needs = [place(path) for path in verdict.needs]
    needs = [where for where in needs if where not in reason]
    if needs:
        reason += f" Needs: {'; '.join(needs)}."
    return VerdictView(LABEL_NAMES[label], value, reason)


def _other_payer(line: LineVerdict) -> OtherPayerView:
    """A line's Other Payer Advanced APM verdict and findings in a reviewer's words."""
    kind = value(f"{line.path}.line_of_business", line.line_of_business)
    verdict = _verdict("other_payer_advanced_apm", line.verdict)
    return OtherPayerView(f"{kind} ({place(line.path)})", line.payer_type, verdict.value, verdict.reason,
                          tuple(_finding(f) for f in line.findings))


def _finding(f: Finding) -> FindingView:
    explanation = for_people(f.explanation)
    named = {a.path for a in getattr(f.explanation, "answers", ())}
    unnamed = [place(path) for path in f.fields if path not in named]
    if unnamed:  # the answers that decided it, where the sentence does not name them
        explanation += f" (from: {'; '.join(unnamed)})"
    return FindingView(_status(f.status), f.title, explanation, f"{f.rule_id}; {f.citation}")


def _findings(findings: Sequence[Finding]) -> tuple[FindingGroup, ...]:
    groups = []
    for label in CLASSIFICATIONS:
        mine = tuple(_finding(f) for f in findings if f.label == label)
        if mine:
            groups.append(FindingGroup(LABEL_NAMES[label], mine))
    return tuple(groups)


def _checks(findings: Sequence[Finding]) -> ChecksView:
    checks = [f for f in findings if f.label in CHECKS]
    return ChecksView(tuple(_finding(f) for f in checks if f.status == "not_met"),
                      tuple(_finding(f) for f in checks if f.status == "unknown"),
                      tuple(f.title for f in checks if f.status == "met"))


def _is_pfpm_proposal(data: Mapping[str, Any], evaluation: Evaluation) -> bool:
    """PTAC's criteria matter when the proposer aims for a PFPM or the model turns out to be one."""
    intended = _mapping(data.get("element_1")).get("intended_types")
    verdict = evaluation.verdicts.get("pfpm")
    return (isinstance(intended, list) and "pfpm" in intended) or (verdict is not None and verdict.value == "yes")


def _criterion(c: PtacCriterion, data: Mapping[str, Any]) -> PtacView:
    """A criterion with the answers that address it in full, each titled by its place (the payment mix, which
    the criterion reads as a whole, by its one line: the appendix has the rest)."""
    shown = []
    for path in c.addressed_by:
        answer = answer_at(data, path) if path != LINES else None
        if answer is not None:
            shown.append(replace(answer, title=_criterion_title(path, data)))
    return PtacView(c.number, c.title, c.high_priority, c.summary, _status(c.status),
                    tuple(place(p) for p in c.addressed_by), tuple(place(p) for p in c.missing), tuple(shown),
                    LINES in c.addressed_by)


def _criterion_title(path: str, data: Mapping[str, Any]) -> str:
    """An answer's place, and for a design factor's rationale the factor itself and its rating."""
    steps = path.split(".")
    factor = next((f for f in design_factors() if steps[0] == "design_factors" and f.key == steps[1]), None)
    if factor is None:
        return place(path)
    rating = _said(data, f"design_factors.{factor.key}.rating")
    return f"Design factor {factor.number}, {factor.title}" + (f" (rated {rating.lower()})" if rating else "")


# --- answers ------------------------------------------------------------------------------------------------------


def _element(key: str, answers: Mapping[str, Any]) -> ElementView:
    schema = field_schema((key,))
    shown: list[Answer] = []
    unanswered: list[str] = []
    for name, sub in schema["properties"].items():
        answer = _answer(f"{key}.{name}", answers.get(name), sub)
        if answer is None:
            unanswered.append(sub.get("title", name))
            continue
        shown.append(answer)
        if answer.kind == "group":  # the parts of a group the proposer left out
            unanswered += [f"{answer.title}: {p.get('title', n)}" for n, p in sub.get("properties", {}).items()
                           if not _answered(_mapping(answers.get(name)).get(n))]
    return ElementView(key, schema["title"], element(key).question, tuple(shown), tuple(unanswered))


def answer_at(data: Mapping[str, Any], path: str) -> Answer | None:
    """The answer at a dotted path (of named steps only), as the template shows it; None when unanswered."""
    return _answer(path, _at(data, path), field_schema(parts(path)))


def _answer(path: str, value: Any, schema: Mapping[str, Any]) -> Answer | None:
    """One question's answer (a group with its answered parts), or None when it is not answered."""
    title, kind = schema.get("title", ""), schema.get("type")
    if not _answered(value):
        return None
    if kind == "object" and isinstance(value, Mapping):
        parts_ = tuple(a for name, sub in schema.get("properties", {}).items()
                       if (a := _answer(f"{path}.{name}", value.get(name), sub)) is not None)
        return Answer(path, title, "group", parts=parts_) if parts_ else None
    if kind == "array" and isinstance(value, list):
        items = schema.get("items", {})
        if items.get("type") == "object":
            return _table(path, title, value, items)
        labels = schema.get("x-enum-labels", {})
        return Answer(path, title, "list", items=tuple(_scalar(v, items, labels) for v in value))
    if isinstance(value, str) and schema.get("x-widget") == "textarea":
        return Answer(path, title, "paragraphs", text=value)
    return Answer(path, title, "text", text=_scalar(value, schema))


def _table(path: str, title: str, rows: list[Any], items: Mapping[str, Any]) -> Answer:
    props = items.get("properties", {})
    entries = [row for row in rows if isinstance(row, Mapping)]
    keys = [k for k in props if any(_answered(row.get(k)) for row in entries)]
    cells = tuple(tuple(_cell(row.get(k), props[k]) for k in keys) for row in entries)
    return Answer(path, title, "table", columns=tuple(props[k].get("title", k) for k in keys), rows=cells)


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
    labels = [f"{label} (line {n})" if labels.count(label) > 1 else label for n, label in enumerate(labels, start=1)]
    lines = tuple(_line(line, raw, label) for line, raw, label in zip(mix.lines, raw_lines, labels, strict=False))
    several = mix.all is not None and len(mix.lines) > 1
    shown = mix.all if several else (mix.lines[0] if mix.lines else None)
    chart = mermaid_pie(shown.pie(), "Dollars by LAN APM Framework category") if shown is not None else None
    chart_of = "all lines of business" if several else (labels[0] if labels else "")
    columns = [(view.label, view.period, line) for view, line in zip(lines, mix.lines, strict=False)]
    if several and mix.all is not None:
        columns.append((mix.all.label, "", mix.all))
    return PaymentView(lines, _metrics(columns) if columns else None, chart, chart_of, _mix_line(shown),
                       money(shown.total) if shown is not None else "", tuple(map(note, mix.notes)))


def _mix_line(line: LineMix | None) -> str:
    """The payment mix in one line: "Category 3: APMs built on FFS architecture 90.0%; Category 1: ... 10.0%"."""
    if line is None or not line.total:
        return ""
    return "; ".join(f"{label} {percent(dollars * 100 / line.total)}" for label, dollars in line.pie())


def _metrics(columns: Sequence[tuple[str, str, LineMix]]) -> MetricsView:
    """One row per workbook metric, one column per line of business (label, reporting period, metrics). An
    arrangement no dollars go through in any line is left out (its metric is $0); totals and penetration always
    show."""
    rows = []
    for row in columns[-1][2].rows:
        cells = [next((r for r in line.rows if r.key == row.key), None) for _, _, line in columns]
        if row.key in arrangements() and not any(r is not None and r.dollars for r in cells):
            continue
        measure = row.label if row.counted_in is None else f"{row.label} (counted in {row.counted_in})"
        rows.append((row.number, measure, tuple(_metric_cell(r) for r in cells)))
    return MetricsView(tuple(label for label, _, _ in columns), tuple(period for _, period, _ in columns),
                       tuple(rows))


def _metric_cell(row: Any) -> str:
    if row is None:
        return ""
    return f"{row.dollars_text} ({row.share_text})" if row.share_text else row.dollars_text


def _line(line: LineMix, raw: Mapping[str, Any], heading: str) -> LineView:
    schema = field_schema(("payment", "lines_of_business", 0))["properties"]
    item = schema["arrangements"]["items"]["properties"]
    entries = [_mapping(e) for e in raw.get("arrangements", [])] if isinstance(raw.get("arrangements"), list) else []
    shown = tuple(ArrangementView(_scalar(entry.get("type"), item["type"]) or share.label, share.label,
                                  share.dollars_text,
                                  share.share_text, _basis(share.basis, entry.get("combined_with"), item),
                                  _scalar(entry.get("stage"), item["stage"]), _text(entry.get("launch_date")),
                                  _text(entry.get("description")))
                  for share, entry in zip(line.arrangements, entries, strict=False))
    period = _mapping(raw.get("reporting_period"))
    basis = _scalar(period.get("basis"), schema["reporting_period"]["properties"]["basis"])
    dates = " to ".join(_text(period[k]) for k in ("start", "end") if _answered(period.get(k)))
    other_payer = _mapping(raw.get("other_payer"))
    questions = schema["other_payer"]["properties"]
    said = "; ".join(f"{questions[k]['title']}: {_cell(other_payer[k], questions[k])}" for k in questions
                     if _answered(other_payer.get(k)))
    return LineView(heading, ", ".join(p for p in (basis, dates) if p), money(line.total) or "Not answered", shown,
                    tuple(map(note, line.notes)), said)


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
