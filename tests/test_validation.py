"""Schema problems, each located at the offending answer's line:col with a message a proposer understands."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apm_designer.document import dumps, load, loads
from apm_designer.problems import Problem
from apm_designer.validation import dotted, field_schema, missing_for_final, validate
from apm_designer.wizard import check, field_at, get

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "proposals" / "examples").glob("*.yaml"))


def problems(text: str) -> list[Problem]:
    return validate(loads(text, "p.yaml"))


def one(text: str) -> Problem:
    found = problems(text)
    assert len(found) == 1, [p.text() for p in found]
    return found[0]


DRAFT = "metadata:\n  title: T\n  status: draft\n"


@pytest.mark.parametrize(("answer", "line", "col", "message", "code"), [
    ("element_4:\n  beneficiaries: -5\n", 5, 18, "element_4.beneficiaries: -5 is below the minimum 0", "minimum"),
    ("element_1:\n  cehrt:\n    share_of_clinicians: 150\n", 6, 26,
     "element_1.cehrt.share_of_clinicians: 150 is above the maximum 100", "maximum"),
    ("element_4:\n  eligible_clinicians: 1.5\n", 5, 24,
     "element_4.eligible_clinicians: expected a whole number, got the number 1.5", "type"),
    ("element_4:\n  beneficiaries: many\n", 5, 18,
     "element_4.beneficiaries: expected a whole number, got text 'many'", "type"),
    ("element_1:\n  cehrt:\n    required: yes\n", 6, 15,
     "element_1.cehrt.required: expected true or false, got text 'yes'", "type"),
    ("element_2:\n  care_delivery_changes: 42\n", 5, 26,
     "element_2.care_delivery_changes: expected text, got the number 42", "type"),
    ("element_2:\n  care_delivery_changes:\n", 5, 25,
     "element_2.care_delivery_changes: expected text, got nothing (an empty answer)", "type"),
    ("element_2:\n  care_delivery_changes: ''\n", 5, 26, "element_2.care_delivery_changes: must not be empty",
     "minLength"),
    ("element_1:\n  authority: section_1115\n", 5, 14,
     "element_1.authority: 'section_1115' is not one of: section_1115a, shared_savings_program, section_1866c, "
     "federal_demonstration, health_care_innovation_award, other_payer_only, none; did you mean 'section_1115a'?",
     "enum"),
    ("element_6:\n  measures:\n    - name: A\n      type: outcom\n", 7, 13,
     "element_6.measures[0].type: 'outcom' is not one of: outcome, intermediate_outcome, patient_reported_outcome, "
     "patient_experience, process, structure, efficiency, access; did you mean 'outcome'?", "enum"),
    ("element_5:\n  payers: [medicare, medicare]\n", 5, 11, "element_5.payers: lists the same entry more than once",
     "uniqueItems"),
    ("element_5:\n  payers: []\n", 5, 11, "element_5.payers: must list at least one entry", "minItems"),
    ("element_1:\n  financial_risk:\n    typo: 3\n", 6, 5,
     "element_1.financial_risk.typo: unknown field 'typo'; did you mean 'type'?", "additionalProperties"),
    ("element_9: {}\n", 4, 1, "element_9: unknown field 'element_9'; did you mean 'element_7'?",
     "additionalProperties"),
    ("design_factors:\n  scalability:\n    rationale: Good.\n", 5, 3,
     "design_factors.scalability: 'rating' (Rating) must be answered", "required"),
])
def test_a_schema_problem_is_located_at_its_answer(answer: str, line: int, col: int, message: str,
                                                   code: str) -> None:
    problem = one(DRAFT + answer)
    assert (problem.line, problem.col, problem.message, problem.code) == (line, col, message, code)
    assert problem.text() == f"p.yaml:{line}:{col}: error: {message} [{code}]"


@pytest.mark.parametrize(("answer", "col", "shown"), [
    ("date: 2025-13-01", 9, "metadata.date: '2025-13-01' is not a valid date (YYYY-MM-DD)"),
    ("contact:\n    email: not-an-email", 12, "metadata.contact.email: 'not-an-email' is not a valid email"),
])
def test_a_malformed_date_or_email_is_one_problem(answer: str, col: int, shown: str) -> None:
    problem = one(DRAFT + "  " + answer + "\n")
    assert (problem.line, problem.col, problem.message, problem.code) == (4 + answer.count("\n"), col, shown,
                                                                         "format")


def test_an_email_that_only_breaks_the_pattern_is_still_caught() -> None:
    problem = one(DRAFT + "  contact:\n    email: a@b\n")
    assert (problem.line, problem.code) == (5, "pattern")
    assert problem.message == "metadata.contact.email: 'a@b' is not in the expected form"


@pytest.mark.parametrize(("answer", "shown"), [
    ('contact:\n    email: "a@b.org\\n"', "metadata.contact.email: 'a@b.org\\n' is not in the expected form"),
    ('contact:\n    phone: "555 1234\\n"', "metadata.contact.phone: '555 1234\\n' is not in the expected form"),
    ('version: "1.0\\n"', "metadata.version: '1.0\\n' is not in the expected form"),
])
def test_a_pattern_matches_the_whole_answer_not_up_to_a_final_newline(answer: str, shown: str) -> None:
    problem = one(DRAFT + "  " + answer + "\n")
    assert (problem.message, problem.code) == (shown, "pattern")
    field = field_at(problem.message.split(":")[0])
    assert field is not None
    answer_given = get(loads(DRAFT + "  " + answer + "\n").data, field.path)
    assert check(field, answer_given) == (shown.split(": ", 1)[1],)  # the wizard says the same as you type


def test_a_number_out_of_bounds_is_shown_as_given() -> None:
    problem = one(DRAFT + "element_1:\n  cehrt:\n    share_of_clinicians: 100.0000001\n")
    assert problem.message == "element_1.cehrt.share_of_clinicians: 100.0000001 is above the maximum 100"


def test_text_over_the_length_limit_says_by_how_much() -> None:
    problem = one(DRAFT + "element_3:\n  model_design: " + "x" * 6001 + "\n")
    assert problem.message == "element_3.model_design: is 6,001 characters, over the limit of 6,000"
    assert (problem.line, problem.col, problem.code) == (5, 17, "maxLength")


def test_a_draft_may_leave_anything_out_but_a_final_proposal_must_answer_everything() -> None:
    assert problems(DRAFT) == []
    final = problems(DRAFT.replace("draft", "final"))
    required = [p for p in final if p.code == "required"]
    assert required == final
    top = {p.message for p in final if p.message.startswith("(top level)")}
    assert "(top level): 'element_4' (Element 4. Scale) must be answered in a final proposal" in top
    assert {f"element_{n}" for n in range(1, 8)} | {"design_factors", "payment"} == {
        re.search(r"'(\w+)'", m).group(1) for m in top}
    metadata = [p for p in final if p.message.startswith("metadata:")]
    assert {(p.line, p.col) for p in metadata} == {(1, 1)}  # at the `metadata:` key
    assert "metadata: 'performance_year' (Performance year) must be answered in a final proposal" in {
        p.message for p in metadata}


def test_a_final_proposal_missing_one_answer_is_told_exactly_which() -> None:
    data = load(ROOT / "proposals" / "examples" / "two-sided-aco.yaml").data
    del data["element_4"]["burden_of_disease"]
    del data["design_factors"]["scalability"]
    del data["design_factors"]["cms_investment"]  # a * factor: optional even in a final proposal
    doc = loads(dumps(data), "p.yaml")
    found = validate(doc)
    assert [p.message for p in found] == [
        "element_4: 'burden_of_disease' (Burden of disease) must be answered in a final proposal",
        "design_factors: 'scalability' (20. Scalability) must be answered in a final proposal",
    ]
    assert [(p.line, p.col) for p in found] == [doc.locate(["element_4"], key=True),
                                                doc.locate(["design_factors"], key=True)]
    assert missing_for_final({**data, "metadata": {**data["metadata"], "status": "draft"}}) == [
        (("element_4", "burden_of_disease"), "Burden of disease"), (("design_factors", "scalability"),
                                                                    "20. Scalability")]


def test_problems_come_in_file_order_without_repeats() -> None:
    found = problems("metadata:\n  title: T\n  status: final\nelement_4:\n  beneficiaries: -5\n"
                     "element_1:\n  authority: nope\n")
    assert [(p.line, p.col) for p in found] == sorted((p.line, p.col) for p in found)
    assert len({(p.line, p.col, p.message) for p in found}) == len(found)
    assert {"minimum", "enum", "required"} <= {p.code for p in found}


def test_dotted_and_field_schema_name_answers_the_same_way() -> None:
    assert dotted(("element_6", "measures", 2, "type")) == "element_6.measures[2].type"
    assert dotted(()) == "(top level)"
    assert field_schema(["element_6", "measures", 2, "type"])["title"] == "Measure type"
    assert field_schema(["design_factors", "scalability", "rating"])["enum"] == ["high", "medium", "low"]
    assert field_schema(["no", "such"]) == {}


# --- every answer of every example, given the wrong type, is reported at its exact line and column -----------


def leaves(data: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from leaves(value, (*path, i))
    else:
        yield path, data


def set_at(data: Any, path: tuple[str | int, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def wrong_value(schema: dict[str, Any], n: int) -> tuple[Any, str]:
    """A value of the wrong type for `schema`, and a token that finds it in the written text."""
    if schema.get("type") == "string" or "enum" in schema:
        return 987_650_000 + n, str(987_650_000 + n)
    token = f"WRONG{n:05d}X"
    return token, token


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_answer_given_the_wrong_type_is_reported_at_its_line(example: Path) -> None:
    """All answers at once, each with its own token: every one must get its own problem at its own place."""
    data = load(example).data
    tokens = {}
    for n, (path, _) in enumerate(list(leaves(data))):
        schema = field_schema(path)
        if "const" not in schema:
            value, tokens[path] = wrong_value(schema, n)
            set_at(data, path, value)
    text = dumps(data)
    found = {(p.line, p.col): p for p in validate(loads(text, "p.yaml"))}
    rows = text.splitlines()
    for path, token in tokens.items():
        (line, col), = [(i + 1, row.index(token) + 1) for i, row in enumerate(rows) if token in row]
        problem = found.get((line, col))
        assert problem is not None, f"nothing reported at {line}:{col} for {dotted(path)}"
        assert problem.message.startswith(f"{dotted(path)}: "), problem.text()
        assert problem.code in ("type", "enum"), problem.text()
    assert len(tokens) >= 15


def test_a_wrong_type_in_an_untouched_example_file_is_at_that_line() -> None:
    example = ROOT / "proposals" / "examples" / "two-sided-aco.yaml"
    rows = example.read_text(encoding="utf-8").splitlines()
    line = next(i for i, row in enumerate(rows) if row.strip() == "beneficiaries: 48000") + 1
    rows[line - 1] = rows[line - 1].replace("48000", "forty-eight thousand")
    problem = one("\n".join(rows) + "\n")
    assert (problem.line, problem.col) == (line, rows[line - 1].index("forty") + 1)
    assert problem.message == "element_4.beneficiaries: expected a whole number, got text 'forty-eight thousand'"
