"""The rendered proposal, read back as a reviewer's Markdown parser reads it: outline, tables, chart, glossary, lint.

Every assertion is about the parsed document (markdown-it-py's token stream), not about strings in the source.
"""

from __future__ import annotations

import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from apm_designer.document import load
from apm_designer.metrics import compute
from apm_designer.render import MD, environment, inline, paragraphs, render_markdown
from apm_designer.rules import evaluate
from apm_designer.toolkit import design_factors, glossary
from apm_designer.validation import dotted, field_schema, missing_for_final

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "proposals" / "examples").glob("*.yaml"))
REGENERATE = "make render-examples (apm-designer render proposals/examples -o proposals/examples)"
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
    other_payers = bool(evaluate(data).other_payers)  # lines of business but Traditional Medicare
    return ["Classification summary", *(["Other Payer Advanced APMs"] if other_payers else []),
            *(["Still missing"] if draft else []), *ELEMENT_TITLES, "Model design factors", "Payment arrangements",
            "Findings", "Warnings", *(["Other Payer Advanced APM findings"] if other_payers else []),
            *(["PTAC criteria"] if pfpm else []), "Appendix: glossary"]


def test_outline_title_then_sections_in_order(example) -> None:
    _, data, _, tokens = example
    outline = headings(tokens)
    assert outline[0] == (1, data["metadata"]["title"])
    assert [level for level, _ in outline].count(1) == 1
    assert [text for level, text in outline if level == 2] == expected_h2(data)


def test_each_element_has_its_questions_as_h3_and_answered_parts_as_h4(example) -> None:
    _, data, _, tokens = example
    for n, title in enumerate(ELEMENT_TITLES, start=1):
        key = f"element_{n}"
        schema = field_schema((key,))["properties"]
        under = headings(section(tokens, title))
        assert [text for level, text in under if level == 3] == [q["title"] for q in schema.values()]
        answers = data.get(key, {})
        for name, question in schema.items():
            parts = question.get("properties")
            if question.get("type") != "object" or not isinstance(answers.get(name), dict):
                continue
            h4 = [text for level, text in headings(section(tokens, question["title"], 3)) if level == 4]
            assert h4 == [parts[p]["title"] for p in parts if answers[name].get(p) not in (None, "", [])]


def answer_below(tokens: list[Token], question: str, level: int = 3) -> list[Token]:
    """The tokens of the answer to a question: after its heading and the quoted question."""
    below = section(tokens, question, level)
    assert below[0].type == "blockquote_open"
    end = next(i for i, t in enumerate(below) if t.type == "blockquote_close")
    return below[end + 1:]


def test_enum_answers_show_their_labels_not_codes(example) -> None:
    _, data, _, tokens = example
    element_1 = data["element_1"]
    authority = field_schema(("element_1", "authority"))
    answer = answer_below(tokens, "Testing authority")
    assert text_of(answer[1]) == authority["x-enum-labels"][element_1["authority"]]
    intended = field_schema(("element_1", "intended_types"))["x-enum-labels"]
    assert list_items(answer_below(tokens, "Intended model types")) == [intended[t] for t in
                                                                          element_1["intended_types"]]


def test_multi_line_answers_are_paragraphs_under_their_question(example) -> None:
    _, data, _, tokens = example
    text = data["element_2"]["care_delivery_changes"]
    answer = answer_below(tokens, "Changes in how care is delivered")
    paragraphs_seen = [text_of(answer[i + 1]) for i, t in enumerate(answer) if t.type == "paragraph_open"]
    expected = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    assert [" ".join(p.split()) for p in paragraphs_seen] == expected


# ------------------------------------------------------------------------------------------------ tables


def test_summary_table_gives_each_verdict_with_its_reason(example) -> None:
    _, data, _, tokens = example
    ev = evaluate(data)
    [table] = tables(section(tokens, "Classification summary"))
    assert table[0] == ["Classification", "Verdict", "Deciding reason"]
    assert [row[0] for row in table[1:]] == ["APM", "Advanced APM", "PFPM", "MIPS APM", "LAN APM Framework category"]
    for row, label in zip(table[1:], ("apm", "advanced_apm", "pfpm", "mips_apm", "lan"), strict=True):
        verdict = ev.verdicts[label]
        assert row[1].startswith(verdict.value.capitalize())
        assert row[2].startswith(verdict.reason)
    if ev.verdicts["lan"].category:
        assert table[5][1] == f"Yes: Category {ev.verdicts['lan'].category}"


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


def test_findings_are_grouped_by_label_with_rule_ids_citations_and_answers(example) -> None:
    _, data, _, tokens = example
    findings = section(tokens, "Findings")
    ev = evaluate(data)
    rows = {}
    for _, name in headings(findings):
        [table] = tables(section(findings, name, 3))
        assert table[0] == ["Rule", "Result", "Finding", "Answers", "Citation"]
        rows.update({row[0]: (name, row) for row in table[1:]})
    assert set(rows) == {f.rule_id for f in ev.findings}
    from apm_designer.rules.engine import LABEL_NAMES

    for f in ev.findings:
        group, row = rows[f.rule_id]
        assert group == LABEL_NAMES[f.label]
        assert row[2] == f"{f.title}: {f.explanation}"
        assert row[3] == ", ".join(f.fields)
        assert row[4] == f.citation


def test_warnings_list_each_warning(example) -> None:
    _, data, _, tokens = example
    warnings = evaluate(data).warnings
    items = list_items(section(tokens, "Warnings"))
    assert [item.split(" ", 1)[0] for item in items] == [w.rule_id for w in warnings]


def test_ptac_checklist_for_pfpm_proposals(example) -> None:
    _, data, _, tokens = example
    if "PTAC criteria" not in expected_h2(data):
        return
    [table] = tables(section(tokens, "PTAC criteria"))
    ev = evaluate(data)
    assert [row[0] for row in table[1:]] == [str(c.number) for c in ev.ptac] == [str(n) for n in range(1, 11)]
    for row, criterion in zip(table[1:], ev.ptac, strict=True):
        assert row[1].startswith(criterion.title + (" (HP)" if criterion.high_priority else "") + ":")
        assert row[3] == ", ".join(criterion.addressed_by)
        assert row[4] == ", ".join(criterion.missing)


def test_drafts_list_what_is_still_missing(example) -> None:
    _, data, _, tokens = example
    if data["metadata"]["status"] == "final":
        return
    items = list_items(section(tokens, "Still missing"))
    assert items == [f"{title} ({dotted(path)})" for path, title in missing_for_final(data)]
    assert items, "the draft example should still lack something"


# ------------------------------------------------------------------------------------------------ payment


def metric_rows(tokens: list[Token]) -> dict[str, list[str]]:
    [table] = tables(tokens)
    assert table[0] == ["Metric", "Measure", "Dollars", "Share of total"]
    return {row[0]: row for row in table[1:]}


def money_value(text: str) -> Decimal:
    return Decimal(text.replace("$", "").replace(",", ""))


def test_payment_mix_shows_workbook_metrics_per_line_and_overall(example) -> None:
    _, data, _, tokens = example
    mix = compute(data)
    payment = section(tokens, "Payment arrangements")
    h3 = [text for level, text in headings(payment) if level == 3]
    if mix.empty:
        assert h3 == []
        return
    several = len(mix.lines) > 1
    assert h3 == [line.label for line in mix.lines] + (["All lines of business"] if several else []) + \
        ["Payment mix by LAN category"]
    for line in mix.lines:
        rows = metric_rows(section(section(payment, line.label, 3), "Workbook metrics", 4))
        for metric in ("1", "2", "5", "10", "14", "15", "16", "17"):
            row = line.row(int(metric))
            assert rows[metric][2] == row.dollars_text and rows[metric][3] == row.share_text
    if several:
        rows = metric_rows(section(payment, "All lines of business", 3))
        assert money_value(rows["1"][2]) == mix.all.total


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
        out = tmp_path / f"{path.stem}.md"
        out.write_text(rendered(path)[1], encoding="utf-8")
        files.append(str(out))
    result = subprocess.run([sys.executable, "-m", "pymarkdown", "--config", str(ROOT / ".pymarkdown"), "scan",
                             *files], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_committed_rendered_example_is_up_to_date(path: Path) -> None:
    committed = path.with_suffix(".md")
    assert committed.exists(), f"{committed.name} is missing; regenerate with: {REGENERATE}"
    assert committed.read_bytes() == rendered(path)[1].encode("utf-8"), \
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
    assert list_items(answer_below(tokens, "Intended model types")) == ["APM", "unknown"]
    assert text_of(answer_below(tokens, "Financial risk")[1]) == "some"
    [measures] = tables(answer_below(tokens, "Quality measures"))
    assert measures == [["Measure", "Measure type"], ["M", "Outcome"]]


# ------------------------------------------------------------------------------------------------ the environment


def test_escaping_helpers() -> None:
    assert inline("# Approved") == "\\# Approved"
    assert inline("1. first\n- second") == "1\\. first \\- second"
    assert inline("version 1.0 costs -5%") == "version 1.0 costs -5%"
    assert inline("<b> & </b>") == "&lt;b&gt; &amp; &lt;/b&gt;"
    assert paragraphs("one\ntwo\n\n\n- a\n- b") == "one\ntwo\n\n\\- a\\\n\\- b"
    assert paragraphs("a\n\nb", indent=2) == "a\n\n  b"
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
