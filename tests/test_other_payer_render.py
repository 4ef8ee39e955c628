"""The rendered proposal's Other Payer Advanced APM parts, read back from the real Markdown: the verdict of each
line of business in its own summary section, its answers in the payment section, its findings after the warnings,
all in a reviewer's words (no dotted path)."""

from __future__ import annotations

import re
from pathlib import Path

from test_render import parse, section, tables

from apm_designer.document import load
from apm_designer.render import render_markdown

ROOT = Path(__file__).resolve().parent.parent
ACO = ROOT / "proposals" / "examples" / "two-sided-aco.yaml"
DOTTED = re.compile(r"\b[a-z_0-9]+(\[\d+\])?\.[a-z_]+")


def test_summary_gives_each_other_payer_its_verdict_and_reason_in_words():
    tokens = parse(render_markdown(load(ACO).data))
    [table] = tables(section(tokens, "Other Payer Advanced APMs"))
    assert table[0] == ["Line of business", "Payer type", "Other Payer Advanced APM", "Deciding reason"]
    (ma, _, ma_value, ma_reason), (commercial, _, value, reason) = table[1:]
    assert (ma, ma_value) == ("Medicare Advantage (Payment · Line of business 2)", "Yes")
    assert "via the generally applicable standard" in ma_reason
    assert (commercial, value) == ("Commercial (Payment · Line of business 3)", "No")
    assert "missed by 1 percentage point" in reason and "Payment · Line of business 3 · Percent at risk is 2%" in reason
    assert not DOTTED.search(ma_reason + reason)


def test_findings_section_has_each_line_s_rules_with_their_paragraphs():
    tokens = parse(render_markdown(load(ACO).data))
    found = tables(section(tokens, "Other Payer Advanced APM findings"))
    assert len(found) == 2
    for rows in found:
        assert [row[0] for row in rows[1:]] == ["OPAAPM-CEHRT", "OPAAPM-QUALITY-PAYMENT", "OPAAPM-QUALITY-EVIDENCE",
                                                "OPAAPM-QUALITY-OUTCOME", "OPAAPM-RISK-GENERAL",
                                                "OPAAPM-RISK-MEDICAL-HOME", "OPAAPM-RISK-MH-EXPANDED",
                                                "OPAAPM-RISK-CAPITATION"]
        assert all(row[3].startswith("42 CFR 414.1420(") for row in rows[1:])
        assert not any(DOTTED.search(row[2]) for row in rows[1:])


def test_payment_section_shows_each_line_s_other_payer_answers():
    tokens = parse(render_markdown(load(ACO).data))
    answers = [t for t in tables(section(tokens, "Payment arrangements")) if t[0] == ["Question", "Answer"]]
    assert answers[1][1:] == [["Same as the Medicare design", "Yes"], ["Percent at risk", "2%"],
                              ["Share of an overrun the APM Entity pays", "50%"], ["Minimum loss rate", "3%"]]


def test_a_proposal_without_other_payers_has_no_such_sections():
    tokens = parse(render_markdown(load(ROOT / "proposals" / "examples" / "upside-only-shared-savings.yaml").data))
    titles = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert not any("Other Payer" in title for title in titles)
