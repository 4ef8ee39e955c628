"""The rendered proposal, read back as a reviewer's Markdown parser reads it: outline, tables, chart, glossary, lint.

Every assertion is about the parsed document (markdown-it-py's token stream), not about strings in the source.
"""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from test_render_hostile import lint, reader_text

from apm_designer.document import load
from apm_designer.metrics import compute
from apm_designer.render import LAYOUTS, MD, STATUSES, environment, inline, paragraphs, render_markdown
from apm_designer.rules import evaluate
from apm_designer.rules.engine import CHECKS, CLASSIFICATIONS, LABEL_NAMES
from apm_designer.toolkit import design_factors, glossary
from apm_designer.validation import dotted, field_schema, missing_for_final
from apm_designer.wording import for_people, place

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "proposals" / "examples").glob("*.yaml"))
REGENERATE = "make render-examples"
ELEMENT_TITLES = [field_schema((f"element_{n}",))["title"] for n in range(1, 8)]


def parse(markdown: str) -> list[Token]:
    return MarkdownIt("gfm-like").parse(markdown)


def text_of(inline_token: Token) -> str:
    """The text a reader sees in an inline token: escapes and entities resolved, line breaks as newlines."""
    parts = []
    for child in inline_token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


def headings(tokens: list[Token]) -> list[tuple[int, str]]:
    return [(int(t.tag[1]), text_of(tokens[i + 1])) for i, t in enumerate(tokens) if t.type == "heading_open"]


def section(tokens: list[Token], title: str, level: int = 2) -> list[Token]:
    """The tokens under a heading, up to the next heading of the same or a higher level."""
    start = next(i for i, t in enumerate(tokens)
                 if t.type == "heading_open" and t.tag == f"h{level}" and text_of(tokens[i + 1]) == title)
    end = next((i for i in range(start + 3, len(tokens))
                if tokens[i].type == "heading_open" and int(tokens[i].tag[1]) <= level), len(tokens))
    return tokens[start + 3:end]


def tables(tokens: list[Token]) -> list[list[list[str]]]:
    """Every table as rows of cell texts, the header row first."""
    out: list[list[list[str]]] = []
    for i, t in enumerate(tokens):
        if t.type == "table_open":
            out.append([])
        elif t.type == "tr_open":
            out[-1].append([])
        elif t.type in ("th_open", "td_open"):
            out[-1][-1].append(text_of(tokens[i + 1]))
    return out


def list_items(tokens: list[Token]) -> list[str]:
    return [text_of(tokens[i + 2]) for i, t in enumerate(tokens) if t.type == "list_item_open"]


def rendered(path: Path) -> tuple[dict, str]:
    data = load(path).data
    return data, render_markdown(data)


@pytest.fixture(scope="module", params=EXAMPLES, ids=[p.stem for p in EXAMPLES])
def example(request: pytest.FixtureRequest) -> tuple[Path, dict, str, list[Token]]:
    data, markdown = rendered(request.param)
    return request.param, data, markdown, parse(markdown)


def test_there_are_examples_to_check() -> None:
    assert len(EXAMPLES) >= 4
    assert any(load(p).data["metadata"]["status"] == "draft" for p in EXAMPLES)


# ------------------------------------------------------------------------------------------------ outline


def expected_h2(data: dict) -> list[str]:
    draft = data["metadata"]["status"] != "final"
    pfpm = "pfpm" in data.get("element_1", {}).get("intended_types", []) or \
        evaluate(data).verdicts["pfpm"].value == "yes"
    return ["Summary", *(["Still missing"] if draft else []), *ELEMENT_TITLES, "Model design factors",
            "Payment arrangements", "Findings", *(["PTAC criteria"] if pfpm else []), "Appendix: glossary"]


def test_outline_title_then_summary_elements_and_appendices(example) -> None:
    _, data, _, tokens = example
    outline = headings(tokens)
    assert outline[0] == (1, data["metadata"]["title"])
    assert [level for level, _ in outline].count(1) == 1
    assert [text for level, text in outline if level == 2] == expected_h2(data)
    assert {text for level, text in outline if level > 2} <= {"Workbook metrics", "Payment mix by LAN category",
                                                              "Other Payer Advanced APMs",  # other_payers.md.j2
                                                              "Other Payer Advanced APM findings"}


def test_the_largest_example_is_well_under_half_its_former_length() -> None:
    """The issue measured the largest example at 674 lines when every question's help text was repeated. The other
    payers' verdicts and findings (issue 19, added since) are not counted."""
    def length(path: Path) -> int:
        data = load(path).data
        return len(render_markdown(data, evaluation=replace(evaluate(data), other_payers=())).splitlines())

    assert max(map(length, EXAMPLES)) < 674 * 0.45


def items_under(tokens: list[Token], title: str) -> dict[str, str]:
    """Each answered question of an element as a reader sees it: "Testing authority" -> its answer's text (a
    group's parts under "Group / Part")."""
    out: dict[str, str] = {}
    below = section(tokens, title)
    stack: list[str] = []
    for i, t in enumerate(below):
        if t.type == "list_item_open":
            strong = below[i + 2].children or []
            label = next((c.content for j, c in enumerate(strong) if j and strong[j - 1].type == "strong_open"), "")
            label = label.removesuffix(":")
            stack = stack[: t.level // 2]
            stack.append(label)
            end = next(k for k in range(i + 1, len(below)) if below[k].type in ("list_item_open", "list_item_close"))
            text = "\n".join(text_of(below[k]) for k in range(i + 1, end) if below[k].type == "inline")
            out[" / ".join(stack)] = text.split(":", 1)[1].strip() if ":" in text else ""
        elif t.type == "paragraph_open" and t.level == 0 and below[i + 1].content.startswith("**"):
            out[text_of(below[i + 1]).removesuffix(":")] = ""  # a table's title: its rows are checked below
    return out


def test_each_element_lists_its_answered_questions_once_with_no_help_text(example) -> None:
    _, data, markdown, tokens = example
    for n, title in enumerate(ELEMENT_TITLES, start=1):
        key = f"element_{n}"
        schema = field_schema((key,))["properties"]
        answers = data.get(key, {})
        shown = items_under(tokens, title)
        for name, question in schema.items():
            if answers.get(name) in (None, "", [], {}):
                continue
            assert question["title"] in shown, question["title"]
            assert question.get("description", "@") not in markdown.replace("\\", "")  # no help text
    assert len(rendered(EXAMPLES[0])[1]) > 0


def leaves(value, path=()):
    """Every answer (path, value) in a proposal: scalars, and list items of scalars."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, (*path, k))
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, v in enumerate(value):
            yield from leaves(v, (*path, i))
    elif value not in (None, "", [], {}):
        yield path, value


@pytest.mark.parametrize("layout", ["proposal", "ptac"])
def test_every_answer_appears(example, layout) -> None:
    """No answer is dropped, in either layout: every text as typed, every option as its label, every number with
    its unit."""
    _, data, _, tokens = example
    if layout != "proposal":
        tokens = parse(render_markdown(data, layout=layout))
    seen = " ".join(reader_text(tokens).split())
    for path, value in leaves(data):
        if path[0] == "schema_version" or (path[0] == "metadata" and path[-1] == "performance_year"):
            continue  # the format's version; the year is said in the summary ("performance year 2025")
        dotted_path = dotted(path)
        if isinstance(value, str) and not field_schema(path).get("enum"):
            for line in value.split("\n"):
                assert " ".join(line.split()) in seen, dotted_path
        else:  # an option as its label, a number with its unit; each item of a list of options
            for said in value_of(dotted_path, value).split("; "):
                assert said in seen, dotted_path


def value_of(path: str, value) -> str:
    from apm_designer.wording import value as worded

    return worded(path, value)


def test_enum_answers_show_their_labels_not_codes(example) -> None:
    _, data, _, tokens = example
    element_1 = data["element_1"]
    authority = field_schema(("element_1", "authority"))
    shown = items_under(tokens, ELEMENT_TITLES[0])
    assert shown["Testing authority"] == authority["x-enum-labels"][element_1["authority"]]
    intended = field_schema(("element_1", "intended_types"))["x-enum-labels"]
    assert shown["Intended model types"] == "; ".join(intended[t] for t in element_1["intended_types"])


def test_multi_line_answers_keep_their_paragraphs(example) -> None:
    _, data, _, tokens = example
    text = data["element_2"]["care_delivery_changes"]
    below = section(tokens, ELEMENT_TITLES[1])
    start = next(i for i, t in enumerate(below) if t.type == "inline" and "Changes in how care" in t.content)
    end = next(i for i in range(start, len(below)) if below[i].type == "list_item_close")
    paragraphs_seen = [text_of(t) for t in below[start:end] if t.type == "inline"]
    paragraphs_seen[0] = paragraphs_seen[0].split(":", 1)[1]
    expected = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    assert [" ".join(p.split()) for p in paragraphs_seen] == expected


# ------------------------------------------------------------------------------------------------ summary


def test_summary_says_who_what_scale_and_mix_first(example) -> None:
    _, data, _, tokens = example
    items = list_items(section(tokens, "Summary"))
    names = [item.split(":", 1)[0] for item in items[:6]]
    assert names == ["Proposed by", "Status", "Tested under", "Targets", "Payers and scale", "Payment mix"]
    assert items[0].startswith(f"Proposed by: {data['metadata']['organisation']}")
    mix = compute(data)
    if not mix.empty and (mix.all or mix.lines[0]).total:
        shown = mix.all if len(mix.lines) > 1 else mix.lines[0]
        for label, _ in shown.pie():
            assert label in items[5]


def test_summary_table_gives_each_verdict_with_its_reason_in_words(example) -> None:
    _, data, _, tokens = example
    ev = evaluate(data)
    table = tables(section(tokens, "Summary"))[0]  # the other payers' table follows it (other_payers.md.j2)
    assert table[0] == ["Classification", "Verdict", "Why"]
    assert [row[0] for row in table[1:]] == ["APM", "Advanced APM", "PFPM", "MIPS APM", "LAN APM Framework category"]
    for row, label in zip(table[1:], ("apm", "advanced_apm", "pfpm", "mips_apm", "lan"), strict=True):
        verdict = ev.verdicts[label]
        assert row[1].startswith(verdict.value.capitalize())
        assert row[2].startswith(for_people(verdict.reason))
        for path in verdict.needs:
            assert place(path) in row[2]
    if ev.verdicts["lan"].category:
        assert table[5][1] == f"Yes: Category {ev.verdicts['lan'].category}"


def test_summary_says_what_is_still_to_do(example) -> None:
    _, data, _, tokens = example
    ev = evaluate(data)
    summary = reader_text_of(section(tokens, "Summary"))
    for w in ev.warnings:
        assert f"Check not passed (see Findings): {w.title}" in summary
    missing = missing_for_final(data) if data["metadata"]["status"] != "final" else []
    if missing:
        assert f"{len(missing)} answer" in summary and place(dotted(missing[0][0])) in summary
    if not missing and not ev.warnings and "PTAC criteria not fully" not in summary:
        assert "Still to do: nothing" in summary


def reader_text_of(tokens: list[Token]) -> str:
    return "\n".join(text_of(t) for t in tokens if t.type == "inline")


# ------------------------------------------------------------------------------------------------ tables


def test_design_factors_table_marks_the_starred_factors(example) -> None:
    _, data, _, tokens = example
    [table] = tables(section(tokens, "Model design factors"))
    assert table[0] == ["#", "Factor", "Rating", "Rationale"]
    factors = design_factors()
    assert [row[0] for row in table[1:]] == [str(f.number) for f in factors]
    for row, factor in zip(table[1:], factors, strict=True):
        assert row[1] == factor.title + (" *" if factor.optional else "")
        answer = data.get("design_factors", {}).get(factor.key)
        assert row[2] == (answer["rating"].capitalize() if answer else "Not rated")


def test_findings_give_each_classification_rule_in_words_with_its_source(example) -> None:
    _, data, _, tokens = example
    findings = section(tokens, "Findings")
    ev = evaluate(data)
    table = tables(findings)[0]  # the other payers' findings follow it (other_payers.md.j2)
    assert table[0] == ["Classification", "Result", "Finding", "Source"]
    classified = sorted((f for f in ev.findings if f.label in CLASSIFICATIONS),
                        key=lambda f: CLASSIFICATIONS.index(f.label))
    assert len(table) - 1 == len(classified)
    group = ""
    for row, f in zip(table[1:], classified, strict=True):
        group = row[0] or group
        assert group == LABEL_NAMES[f.label]
        assert row[2].startswith(f"{f.title}: {for_people(f.explanation)}")
        assert row[3] == f"{f.rule_id}; {f.citation}"


def test_checks_list_each_warning_and_name_the_others(example) -> None:
    _, data, _, tokens = example
    ev = evaluate(data)
    findings = section(tokens, "Findings")
    items = list_items(findings)
    checks = [f for f in ev.findings if f.label in CHECKS]
    warned = [f for f in checks if f.status == "not_met"]
    assert [i for i in items if i.startswith("Warning:")] == \
        [f"Warning: {w.title}. {_worded(w)} ({w.rule_id}; {w.citation})" for w in warned]
    passed = reader_text_of(findings)
    for f in checks:
        if f.status == "met":
            assert f.title in passed


def _worded(f) -> str:
    from apm_designer.render import _finding

    return _finding(f).explanation


def test_ptac_checklist_for_pfpm_proposals(example) -> None:
    _, data, _, tokens = example
    if "PTAC criteria" not in expected_h2(data):
        return
    [table] = tables(section(tokens, "PTAC criteria"))
    ev = evaluate(data)
    assert [row[0] for row in table[1:]] == [str(c.number) for c in ev.ptac] == [str(n) for n in range(1, 11)]
    for row, criterion in zip(table[1:], ev.ptac, strict=True):
        assert row[1].startswith(criterion.title + (" (HP)" if criterion.high_priority else "") + ":")
        assert row[3] == "; ".join(place(p) for p in criterion.addressed_by)
        assert row[4] == "; ".join(place(p) for p in criterion.missing)


def test_drafts_list_what_is_still_missing_by_place(example) -> None:
    _, data, _, tokens = example
    if data["metadata"]["status"] == "final":
        return
    items = list_items(section(tokens, "Still missing"))
    places = [place(dotted(path)) for path, _ in missing_for_final(data)]
    factors = [p.rsplit(" ", 1)[1] for p in places if p.startswith("Design factors · Factor ")]
    assert [i for i in items if not i.startswith("Design factors")] == \
        [p for p in places if not p.startswith("Design factors")]
    if len(factors) > 1:  # the factors in one line: "Design factors 2, 3 and 12"
        assert f"Design factors {', '.join(factors[:-1])} and {factors[-1]}" in items
    assert items, "the draft example should still lack something"


# ------------------------------------------------------------------------------------------------ payment


def money_value(text: str) -> Decimal:
    return Decimal(text.split(" (")[0].replace("$", "").replace(",", ""))


def test_payment_mix_shows_workbook_metrics_per_line_and_overall(example) -> None:
    _, data, _, tokens = example
    mix = compute(data)
    payment = section(tokens, "Payment arrangements")
    h3 = [text for level, text in headings(payment) if level == 3]
    if mix.empty:
        assert h3 == []
        return
    assert h3 == ["Workbook metrics", "Payment mix by LAN category"]
    several = len(mix.lines) > 1
    [arrangements_table] = tables(payment[:next(i for i, t in enumerate(payment) if t.type == "heading_open")])
    assert len(arrangements_table) - 1 == sum(max(1, len(line.arrangements)) for line in mix.lines)
    [metrics] = tables(section(payment, "Workbook metrics", 3))
    assert metrics[0][:2] == ["Metric", "Measure"]
    assert len(metrics[0]) == 2 + len(mix.lines) + several
    rows = {row[0]: row for row in metrics[1:]}
    for n, line in enumerate(mix.lines):
        for metric in ("1", "2", "5", "10", "14", "15", "16", "17"):
            row = line.row(int(metric))
            cell = rows[metric][2 + n]
            assert cell.startswith(row.dollars_text) and row.share_text in cell
    if several:
        assert metrics[0][-1] == "All lines of business"
        assert money_value(rows["1"][-1]) == mix.all.total


def test_payment_chart_is_a_mermaid_pie_of_dollars_by_category(example) -> None:
    _, data, _, tokens = example
    mix = compute(data)
    if mix.empty:
        return
    fences = [t for t in section(section(tokens, "Payment arrangements"), "Payment mix by LAN category", 3)
              if t.type == "fence"]
    [fence] = fences
    assert fence.info == "mermaid"
    lines = fence.content.strip().split("\n")
    assert lines[:2] == ["pie showData", "    title Dollars by LAN APM Framework category"]
    slices = {label.strip().strip('"'): Decimal(value) for label, value in (ln.rsplit(":", 1) for ln in lines[2:])}
    shown = mix.all if len(mix.lines) > 1 else mix.lines[0]
    assert slices == {label: dollars for label, dollars in shown.pie()}
    assert sum(slices.values()) == shown.total


def test_every_example_with_multi_payer_alignment_shows_its_metrics(example) -> None:
    _, data, _, tokens = example
    payers = data.get("element_5", {}).get("payers", [])
    if len(payers) > 1 and data["metadata"]["status"] == "final":
        assert not compute(data).empty
        assert any(t.type == "fence" and t.info == "mermaid" for t in tokens)


# ------------------------------------------------------------------------------------------------ PTAC layout


def test_ptac_layout_is_cover_abstract_contents_criteria_then_appendices(example) -> None:
    _, data, _, _ = example
    tokens = parse(render_markdown(data, layout="ptac"))
    ev = evaluate(data)
    h2 = [text for level, text in headings(tokens) if level == 2]
    criteria = [f"Criterion {c.number}. {c.title}" + (" (high priority)" if c.high_priority else "") for c in ev.ptac]
    appendices = ["Appendix A. Model design factors", "Appendix B. Payment mix", "Appendix C. Classification findings",
                  "Appendix D. Other answers", "Appendix E. Glossary"]
    draft = data["metadata"]["status"] != "final"
    assert h2 == ["Cover page", "Abstract", "Table of contents", *(["Still missing"] if draft else []), *criteria,
                  *appendices]
    assert [c.high_priority for c in ev.ptac] == [True, True, True] + [False] * 7
    assert list_items(section(tokens, "Table of contents")) == criteria + appendices
    cover = list_items(section(tokens, "Cover page"))
    assert cover[0] == f"Proposal: {data['metadata']['title']}"
    assert any(item.startswith(f"Proposing organisation: {data['metadata']['organisation']}") for item in cover)


def test_each_criterion_holds_the_answers_that_address_it_and_says_what_is_missing(example) -> None:
    _, data, _, _ = example
    tokens = parse(render_markdown(data, layout="ptac"))
    for c in evaluate(data).ptac:
        title = f"Criterion {c.number}. {c.title}" + (" (high priority)" if c.high_priority else "")
        below = reader_text_of(section(tokens, title))
        assert f"Status: {STATUSES[c.status]}." in below
        for path in c.addressed_by:
            if path.startswith("element_"):
                assert place(path) + ":" in below, (c.number, path)
        if c.missing:
            assert ("Missing: this criterion is not fully addressed until the proposal answers "
                    + "; ".join(place(p) for p in c.missing) + ".") in below
        else:
            assert "Missing:" not in below


# ------------------------------------------------------------------------------------------------ glossary


def glossary_terms(tokens: list[Token]) -> list[str]:
    return [item.split(":", 1)[0] for item in list_items(section(tokens, "Appendix: glossary"))]


def test_glossary_holds_only_terms_the_proposal_uses() -> None:
    bare = {"metadata": {"title": "Bare", "status": "draft"}}
    tokens = parse(render_markdown(bare))
    terms = glossary_terms(tokens)
    assert "Advanced APM" in terms  # the classification summary always speaks of it
    assert "Full or percent of premium population-based payments" not in terms
    assert "Condition-specific bundled/episode payments" not in terms

    bare["element_3"] = {"model_design": "Full or percent of premium population-based payments, later on."}
    terms = glossary_terms(parse(render_markdown(bare)))
    assert "Full or percent of premium population-based payments" in terms
    assert "Condition-specific bundled/episode payments" not in terms
    assert terms == [t for t in glossary() if t in terms]  # in the glossary's order


def test_glossary_definitions_come_from_the_toolkit_data(example) -> None:
    _, _, _, tokens = example
    items = list_items(section(tokens, "Appendix: glossary"))
    definitions = glossary()
    assert items
    for item in items:
        term = next(t for t in definitions if item.startswith(t + ":"))
        assert item == f"{term}: {' '.join(definitions[term].split())}"


# ------------------------------------------------------------------------------------------------ lint, bytes


def test_rendered_examples_pass_the_markdown_linter(tmp_path: Path) -> None:
    files = []
    for path in EXAMPLES:
        for layout in LAYOUTS:
            out = tmp_path / f"{path.stem}.{layout}.md"
            out.write_text(render_markdown(load(path).data, layout=layout), encoding="utf-8")
            files.append(out)
    lint(*files)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
@pytest.mark.parametrize(("suffix", "layout", "html"), [(".md", "proposal", False), (".ptac.md", "ptac", False),
                                                         (".html", "proposal", True)])
def test_committed_rendered_example_is_up_to_date(path: Path, suffix: str, layout: str, html: bool) -> None:
    from apm_designer.render_html import render_html

    committed = path.parent / (path.stem + suffix)
    assert committed.exists(), f"{committed.name} is missing; regenerate with: {REGENERATE}"
    now = (render_html if html else render_markdown)(load(path).data, layout=layout)
    assert committed.read_bytes() == now.encode("utf-8"), \
        f"{committed.name} is out of date; regenerate with: {REGENERATE}"


def test_same_answers_same_bytes_whatever_their_order() -> None:
    data = load(EXAMPLES[0]).data

    def shuffled(value, rng: random.Random):
        if isinstance(value, dict):
            items = list(value.items())
            rng.shuffle(items)
            return {k: shuffled(v, rng) for k, v in items}
        return [shuffled(v, rng) for v in value] if isinstance(value, list) else value

    first = render_markdown(data)
    assert render_markdown(data) == first
    assert render_markdown(shuffled(data, random.Random(7))) == first


def test_banner_is_a_warning_right_under_the_title() -> None:
    data = load(EXAMPLES[0]).data
    tokens = parse(render_markdown(data, banner="Not valid: 2 problems\nx.yaml:3:4: error: bad # [type]\n<b>y</b>"))
    assert [t.type for t in tokens[:4]] == ["heading_open", "inline", "heading_close", "blockquote_open"]
    quote = tokens[3:next(i for i, t in enumerate(tokens) if t.type == "blockquote_close")]
    assert text_of(quote[2]) == "[!WARNING]\nNot valid: 2 problems"
    assert list_items(quote) == ["x.yaml:3:4: error: bad # [type]", "<b>y</b>"]


def test_partial_and_oddly_typed_answers_still_render() -> None:
    """The wizard renders whatever the proposer has typed so far, valid or not."""
    odd = {"metadata": {"title": "Odd", "status": "draft", "performance_year": "soon"},
           "element_1": {"intended_types": ["apm", "unknown"], "cehrt": {"share_of_clinicians": "most"},
                         "financial_risk": "some"},
           "element_6": {"measures": [{"name": "M", "type": "outcome"}, "stray"]},
           "design_factors": {"scalability": {"rating": "huge"}},
           "payment": {"lines_of_business": [{"line_of_business": "commercial", "arrangements": [{}, "x"]}]}}
    tokens = parse(render_markdown(odd))
    assert headings(tokens)[0] == (1, "Odd")
    shown = items_under(tokens, ELEMENT_TITLES[0])
    assert shown["Intended model types"] == "APM; unknown"
    assert shown["Financial risk"] == "some"
    [measures] = tables(section(tokens, ELEMENT_TITLES[5]))
    assert measures == [["Measure", "Measure type"], ["M", "Outcome"]]


# ------------------------------------------------------------------------------------------------ the environment


def test_escaping_helpers() -> None:
    assert inline("# Approved") == "\\# Approved"
    assert inline("1. first\n- second") == "1\\. first \\- second"
    assert inline("version 1.0 costs -5%") == "version 1.0 costs -5%"
    assert inline("<b> & </b>") == "&lt;b&gt; &amp; &lt;/b&gt;"
    assert paragraphs("one\ntwo\n\n\n- a\n- b") == "one\ntwo\n\n\\- a\\\n\\- b"
    assert paragraphs("a\n\nb", indent=2) == "a\n\n  b"
    assert paragraphs("- a\n- b", indent=2) == "\\\n  \\- a\\\n  \\- b"  # a typed list starts on a line of its own
    assert isinstance(inline("x"), MD)


def test_templates_cannot_reach_python_internals_or_unknown_names() -> None:
    from jinja2.exceptions import SecurityError, UndefinedError

    env = environment()
    with pytest.raises(UndefinedError):
        env.from_string("{{ nothing }}").render()
    with pytest.raises((SecurityError, UndefinedError)):
        env.from_string("{{ x.__class__.__mro__ }}").render(x="a")
    with pytest.raises(SecurityError):
        env.from_string("{{ f.__globals__ }}{{ f.__code__ }}").render(f=lambda: 1)
    assert env.from_string("{{ x }}").render(x="{{ 7*7 }}") == "\\{\\{ 7\\*7 \\}\\}"
    assert env.from_string("{{ x }}").render(x=MD("**bold**")) == "**bold**"
