"""Everything a reviewer reads names an answer by its place and question and says its value as a label: no dotted
path and no enum code, in the rendered proposal of every example and in every explanation worded for people
(the evaluation pane and the review show those), including the warnings of proposals that contradict themselves.
CI's outputs keep the paths and codes: the explanation's string itself is unchanged."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from test_render_hostile import reader_text

from apm_designer.document import load
from apm_designer.metrics import compute, format_table
from apm_designer.render import render_markdown
from apm_designer.rules import evaluate
from apm_designer.wizard import check_answers
from apm_designer.wording import for_people, note
from proposals import complete, with_answers

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "proposals" / "examples").glob("*.yaml"))
# A dotted answer path ("element_1.authority", "payment.lines_of_business[0]") or a snake_case code
# ("section_1115a", "two_sided"): neither is ever a word a person writes.
MACHINE = re.compile(r"\b(?:metadata|element_\d|design_factors|payment)(?:\.[a-z_]|\[)|\b[a-z]+_[a-z0-9_]+\b")
CODES = re.compile(r"\b(?:medicare|medicaid|pfpm|true|false)\b")  # codes no sentence writes in lower case

LINES = "payment.lines_of_business"
# Proposals that contradict themselves, so that every consistency and payment-mix check has something to say.
CONTRADICTIONS = {
    "PFPM without Medicare": {"element_5.payers": ["commercial", "medicaid"]},
    "SSP without Medicare": {"element_1.authority": "shared_savings_program", "element_5.payers": ["commercial"]},
    "upside-only with losses": {"element_1.financial_risk.type": "upside_only"},
    "two-sided without a percent": {"element_1.financial_risk.percent_at_risk": None,
                                    "element_1.financial_risk.basis": None},
    "no quality link": {"element_6.payment_based_on_quality": False},
    "paid on quality without measures": {"element_6.measures": None},
    "no outcome measure": {"element_6.measures": [{"name": "Screening", "type": "process"}]},
    "outcome and excuse": {"element_6.no_outcome_measure_justification": "None on the list."},
    "factor without rationale": {"design_factors.scalability": {"rating": "high"}},
    "CEHRT share not required": {"element_1.cehrt.required": False},
    "CEHRT reward": {"element_1.cehrt.penalty_or_reward_for_use": True, "metadata.performance_year": 2018},
    "CEHRT reward after 2018": {"element_1.cehrt.penalty_or_reward_for_use": True,
                                "element_1.cehrt.required": False},
    "expanded outside 1115A": {"element_1.authority": "section_1866c",
                               "element_1.medical_home.expanded_under_1115a_c": True},
    "full capitation, no population payment": {"element_1.financial_risk.type": "full_capitation",
                                               f"{LINES}": [{"line_of_business": "traditional_medicare",
                                                             "total_dollars": 100,
                                                             "arrangements": [{"type": "shared_savings",
                                                                               "dollars": 100}]}]},
    "money that does not add up": {f"{LINES}": [
        {"line_of_business": "traditional_medicare", "total_dollars": -5,
         "reporting_period": {"start": "2025-01-01", "end": "2025-12-31"},
         "arrangements": [{"type": "shared_risk", "dollars": 200, "annualized": True, "contract_full_period": False},
                          {"type": "procedure_bundled_episode", "dollars": -1}]},
        {"line_of_business": "commercial", "total_dollars": 5,
         "arrangements": [{"type": "pay_for_performance", "dollars": 7}]},
        {"line_of_business": "medicaid", "total_dollars": 1000, "arrangements": [
            {"type": "shared_risk", "annualized": True, "contract_full_period": True, "launch_date": "2025-06-01",
             "daily_dollars": 2, "annualization_days": 400, "dollars": 3}]}]},
    "another payer's risk against its arrangements": {f"{LINES}": [
        {"line_of_business": "commercial", "total_dollars": 500,
         "arrangements": [{"type": "shared_risk", "dollars": 500}], "other_payer": {"risk_type": "upside_only"}}]},
    "another payer judged yes, mostly legacy": {f"{LINES}": [
        {"line_of_business": "commercial", "total_dollars": 500_000, "arrangements": [
            {"type": "legacy", "dollars": 300_000}, {"type": "shared_risk", "dollars": 200_000}],
         "other_payer": {"same_as_medicare": True, "marginal_risk_rate": 75, "minimum_loss_rate": 2}}]},
    "a draft with nothing": {"element_1": None, "element_5": None, "element_6": None, "payment": None,
                             "design_factors": None},
}


def texts(value) -> set[str]:
    """Every line of text the proposer typed, anywhere in the proposal."""
    if isinstance(value, dict):
        return set().union(*map(texts, value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*map(texts, value)) if value else set()
    return {line.strip() for line in value.split("\n") if line.strip()} if isinstance(value, str) else set()


def machine_words(text: str) -> list[str]:
    return MACHINE.findall(text) + CODES.findall(text)


def variants() -> list[tuple[str, dict]]:
    out = [(p.stem, load(p).data) for p in EXAMPLES]
    for name, answers in CONTRADICTIONS.items():
        out.append((name, with_answers(copy.deepcopy(complete()), answers)))
    return out


@pytest.mark.parametrize("layout", ["proposal", "ptac"])
@pytest.mark.parametrize(("name", "data"), variants(), ids=[name for name, _ in variants()])
def test_the_rendered_proposal_has_no_path_or_code(name: str, data: dict, layout: str) -> None:
    markdown = render_markdown(data, layout=layout)
    seen = reader_text(MarkdownIt("gfm-like").parse(markdown))
    seen = "\n".join(line for line in seen.split("\n") if not line.startswith("pie showData"))
    for typed in sorted(texts(data), key=len, reverse=True):  # the words the document adds, not the proposer's
        seen = seen.replace(typed, "")
    assert machine_words(seen) == [], [line for line in seen.split("\n") if machine_words(line)][:5]


@pytest.mark.parametrize(("name", "data"), variants(), ids=[name for name, _ in variants()])
def test_every_explanation_worded_for_people_has_no_path_or_code(name: str, data: dict) -> None:
    ev = evaluate(data)
    for f in ev.findings:
        assert machine_words(for_people(f.explanation)) == [], (f.rule_id, for_people(f.explanation))
    for label, v in ev.verdicts.items():
        assert machine_words(for_people(v.reason)) == [], (label, for_people(v.reason))


def test_the_contradictions_reach_every_check_and_ci_keeps_its_paths() -> None:
    """Each consistency and payment-mix check finds a problem in at least one variant, so the test above words
    every sentence they write; and the string CI prints still names the answers by path."""
    flagged = {f.rule_id: f for _, data in variants() for f in evaluate(data).findings if f.status == "not_met"}
    checks = {f.rule_id for f in evaluate(complete()).findings if f.label in ("consistency", "payment")}
    assert checks - set(flagged) == set()
    assert "element_5.payers" in flagged["CON-PFPM-MEDICARE"].explanation
    assert "element_1.financial_risk.type = upside_only" in flagged["CON-RISK-UPSIDE-DETAILS"].explanation


@pytest.mark.parametrize(("name", "data"), variants(), ids=[name for name, _ in variants()])
def test_the_payment_steps_notes_are_worded_for_people(name: str, data: dict) -> None:
    """The wizard's payment step shows the metrics' notes by place and question; `metrics` (CI) keeps the paths."""
    mix = compute(data)
    notes = [n for line in (*mix.lines, mix.all) if line is not None for n in line.notes]
    shown = format_table(mix, 100, worded=note)
    for typed in sorted(texts(data), key=len, reverse=True):
        shown = shown.replace(typed, "")
    assert machine_words(shown) == [], [line for line in shown.split("\n") if machine_words(line)][:5]
    if any(n.startswith(LINES) for n in notes):  # the variants with notes: CI's table still names the paths
        assert LINES in format_table(mix, 100)


def test_a_wrong_option_in_the_file_is_named_by_the_options_labels_in_the_wizard() -> None:
    """A file may hold a code that is not an option (typed by hand, or from an older version). The wizard names the
    options by the labels its list shows and a stray field by the question it may be meant for; `validate` (CI)
    keeps the codes and field names."""
    data = with_answers(copy.deepcopy(complete()), {"element_1.authority": "section_1115",
                                                    "element_1.authorty": "section_1115a"})
    problems = check_answers(data).problems
    (wrong,) = problems["element_1.authority"]
    assert "“CMS Innovation Center model (SSA section 1115A)”" in wrong
    assert wrong.endswith("did you mean “CMS Innovation Center model (SSA section 1115A)”?")
    assert machine_words(wrong.replace("'section_1115'", "")) == []
    (stray,) = problems["element_1.authorty"]
    assert stray == "'authorty' in the file is not a question of this form; did you mean “Testing authority”?"
    assert "section_1115a" in "\n".join(schema_problems(data))


def schema_problems(data: dict) -> list[str]:
    from apm_designer.validation import validator

    return [e.message for e in validator().iter_errors(data)]
