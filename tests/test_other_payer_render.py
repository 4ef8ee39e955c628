"""The rendered proposal's Other Payer Advanced APM parts, read back from the real Markdown: each line's verdict
under the summary, its answers in the payment mix, its findings after the other findings, all in a reviewer's
words (no dotted path); in the PTAC layout both in Appendix C."""

from __future__ import annotations

import re
from pathlib import Path

from test_render import list_items, parse, section, tables

from apm_designer.document import load
from apm_designer.render import render_markdown

ROOT = Path(__file__).resolve().parent.parent
ACO = ROOT / "proposals" / "examples" / "two-sided-aco.yaml"
DOTTED = re.compile(r"\b[a-z_0-9]+(\[\d+\])?\.[a-z_]+")
RULES = ["OPAAPM-CEHRT", "OPAAPM-QUALITY-PAYMENT", "OPAAPM-QUALITY-EVIDENCE", "OPAAPM-QUALITY-OUTCOME",
         "OPAAPM-RISK-GENERAL", "OPAAPM-RISK-MEDICAL-HOME", "OPAAPM-RISK-MH-EXPANDED", "OPAAPM-RISK-CAPITATION"]


def test_summary_gives_each_other_payer_its_verdict_and_reason_in_words():
    tokens = parse(render_markdown(load(ACO).data))
    [table] = tables(section(section(tokens, "Summary"), "Other Payer Advanced APMs", level=3))
    assert table[0] == ["Line of business", "Payer type", "Other Payer Advanced APM", "Deciding reason"]
    (ma, _, ma_value, ma_reason), (commercial, _, value, reason) = table[1:]
    assert (ma, ma_value) == ("Medicare Advantage (Payment · Line of business 2)", "Yes")
    assert "via the generally applicable standard" in ma_reason
    assert (commercial, value) == ("Commercial (Payment · Line of business 3)", "No")
    assert "missed by 1 percentage point" in reason and "Payment · Line of business 3 · Percent at risk is 2%" in reason
    assert not DOTTED.search(ma_reason + reason)


def test_findings_give_each_line_s_rules_with_their_paragraphs():
    tokens = parse(render_markdown(load(ACO).data))
    [table] = tables(section(section(tokens, "Findings"), "Other Payer Advanced APM findings", level=3))
    assert table[0] == ["Line of business", "Result", "Finding", "Source"]
    rows = table[1:]
    assert [row[0] for row in rows if row[0]] == ["Medicare Advantage (Payment · Line of business 2)",
                                                  "Commercial (Payment · Line of business 3)"]
    assert [row[3].split(";")[0] for row in rows] == RULES * 2
    assert all("; 42 CFR 414.1420(" in row[3] for row in rows)
    assert not any(DOTTED.search(row[2]) for row in rows)


def test_payment_mix_shows_each_line_s_other_payer_answers():
    tokens = parse(render_markdown(load(ACO).data))
    items = list_items(section(tokens, "Payment arrangements"))
    assert "Commercial, Other Payer Advanced APM answers: Same as the Medicare design: Yes; Percent at risk: 2%; " \
           "Share of an overrun the APM Entity pays: 50%; Minimum loss rate: 3%" in items


def test_the_ptac_layout_has_them_in_appendix_c():
    tokens = parse(render_markdown(load(ACO).data, layout="ptac"))
    appendix = section(tokens, "Appendix C. Classification findings")
    found = [t for t in tables(appendix) if t[0][0] == "Line of business"]
    assert len(found) == 2 and found[0][1][2] == "Yes"


def test_a_proposal_without_other_payers_has_no_such_sections():
    tokens = parse(render_markdown(load(ROOT / "proposals" / "examples" / "upside-only-shared-savings.yaml").data))
    titles = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert not any("Other Payer" in title for title in titles)
