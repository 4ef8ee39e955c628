"""The wizard's questionnaire core, without a terminal: steps, questions from the schema, answers, step states."""

from __future__ import annotations

import copy

import pytest

from apm_designer import resources, validation, wizard
from apm_designer.validation import is_valid


def test_steps_follow_the_toolkit_in_order():
    keys = [s.key for s in wizard.steps()]
    assert keys == ["overview", *(f"element_{n}" for n in range(1, 8)), "design_factors", "payment", "review"]
    assert wizard.step("element_4").short == "4 Scale"
    assert wizard.step("overview").sections == ("metadata",)
    assert wizard.step("review").sections == ()


def test_every_schema_question_is_asked_in_exactly_one_step():
    asked = [f.path[0] for s in wizard.steps() for f in wizard.step_fields(s.key)]
    expected = [name for name, prop in resources.proposal_schema()["properties"].items() if "const" not in prop]
    assert sorted(asked) == sorted(expected)
    assert wizard.constants() == {"schema_version": 1}


@pytest.mark.parametrize(("path", "kind"), [
    ("metadata.title", "text"),
    ("metadata.performance_year", "integer"),
    ("metadata.status", "choice"),
    ("element_1.intended_types", "choices"),
    ("element_1.cehrt.required", "yesno"),
    ("element_1.financial_risk.percent_at_risk", "number"),
    ("element_1.authority_rationale", "textarea"),
    ("element_1.financial_risk", "group"),
    ("element_6.measures", "list"),
    ("element_6.measures[3].type", "choice"),
    ("design_factors.cost_savings", "group"),
    ("design_factors.cost_savings.rating", "choice"),
    ("payment.lines_of_business[0].arrangements[1].dollars", "number"),
])
def test_each_schema_type_gets_its_kind_of_question(path, kind):
    f = wizard.field_at(path)
    assert f is not None and f.kind == kind


def test_questions_carry_the_schema_title_description_and_labels():
    f = wizard.field_at("element_1.financial_risk.type")
    assert f.title == "Kind of financial risk"
    assert f.description == "The kind of risk APM Entities bear."
    assert ("two_sided", "Two-sided (shared savings and losses)") in f.choices
    assert wizard.field_at("element_1.financial_risk.percent_at_risk").unit == "%"
    assert wizard.field_at("metadata.date").placeholder == "YYYY-MM-DD"
    assert wizard.field_at("element_6.measures").item_title == "Quality measure"
    assert wizard.field_at("design_factors.cms_investment").optional
    assert wizard.field_at("no.such.question") is None


def test_required_means_a_final_proposal_needs_it():
    assert wizard.field_at("metadata.title").required
    assert wizard.field_at("metadata.contact.email").required
    assert not wizard.field_at("metadata.contact.phone").required
    assert wizard.field_at("design_factors.cost_savings.rating").required
    assert not wizard.field_at("design_factors.cms_investment.rating").required  # inside an optional factor
    assert wizard.field_at("element_6.measures[0].name").required
    assert not wizard.field_at("element_1.medical_home.empanelment").required


def test_dotted_paths_parse_back():
    assert wizard.parse_dotted("element_6.measures[2].type") == ("element_6", "measures", 2, "type")
    assert wizard.step_of("payment.lines_of_business[0].total_dollars").key == "payment"


def test_setting_and_clearing_answers_keeps_the_data_clean():
    data: dict = {}
    wizard.set_answer(data, ("element_1", "financial_risk", "percent_at_risk"), 3)
    wizard.set_answer(data, ("element_1", "authority"), "section_1115a")
    assert data == {"element_1": {"financial_risk": {"percent_at_risk": 3}, "authority": "section_1115a"}}
    wizard.set_answer(data, ("element_1", "financial_risk", "percent_at_risk"), "")
    assert data == {"element_1": {"authority": "section_1115a"}}
    wizard.set_answer(data, ("element_1", "authority"), None)
    assert data == {}


def test_repeatable_groups_add_and_remove_entries():
    data: dict = {}
    path = ("element_6", "measures")
    assert wizard.add_item(data, path) == 0
    assert wizard.add_item(data, path) == 1
    wizard.set_answer(data, (*path, 1, "name"), "HbA1c control")
    wizard.set_answer(data, (*path, 0, "name"), None)  # clearing inside an entry keeps the entry
    assert data == {"element_6": {"measures": [{}, {"name": "HbA1c control"}]}}
    wizard.remove_item(data, path, 0)
    assert data == {"element_6": {"measures": [{"name": "HbA1c control"}]}}
    wizard.remove_item(data, path, 0)
    assert data == {}


@pytest.mark.parametrize(("path", "typed", "value", "error"), [
    ("payment.lines_of_business[0].total_dollars", "$1,200,000", 1200000, None),
    ("element_1.financial_risk.percent_at_risk", "2.5%", 2.5, None),
    ("element_1.financial_risk.percent_at_risk", "150", 150, "150 is above the maximum 100"),
    ("element_1.financial_risk.percent_at_risk", "12a", "12a", "type a number"),
    ("element_4.beneficiaries", "1.5", "1.5", "type a whole number"),
    ("element_4.beneficiaries", "-5", -5, "-5 is below the minimum 0"),
    ("metadata.performance_year", "2025", 2025, None),
    ("metadata.contact.email", "bob", "bob", "not in the expected form"),
    ("metadata.date", "2025-13-01", "2025-13-01", "(YYYY-MM-DD)"),
    ("metadata.title", "  NO  ", "NO", None),
    ("metadata.title", "   ", None, None),
])
def test_typed_answers_are_read_forgivingly_and_checked_against_the_schema_limits(path, typed, value, error):
    parsed = wizard.parse(wizard.field_at(path), typed)
    assert parsed.value == value
    assert type(parsed.value) is type(value)
    if error is None:
        assert parsed.errors == ()
    else:
        assert error in parsed.errors[0]


def test_long_text_over_its_limit_is_flagged():
    f = wizard.field_at("element_3.model_design")
    assert "over the limit of 6,000" in wizard.parse(f, "x" * 6001).errors[0]
    assert wizard.parse(f, "line one\nline two\n\n").value == "line one\nline two"


def test_step_states_from_the_schema_checks():
    data = {"metadata": {"title": "A model", "status": "draft"}, "element_4": {"beneficiaries": -5}}
    check = wizard.check_answers(data)
    assert check.states["overview"] == "partial"
    assert check.states["element_4"] == "problems"
    assert check.problems["element_4.beneficiaries"] == ("-5 is below the minimum 0",)
    assert check.states["element_2"] == "empty"
    assert check.states["review"] == "problems"
    assert (("metadata", "organisation"), "Proposing organisation") in check.missing
    data["element_4"]["beneficiaries"] = 5
    assert wizard.check_answers(data).states["element_4"] == "partial"


def test_a_complete_step_is_complete():
    data = {"metadata": {"title": "T", "organisation": "O", "contact": {"name": "N", "email": "n@x.org"},
                         "performance_year": 2025, "status": "draft", "version": "1.0", "date": "2025-01-02"},
            "element_3": {"model_design": "a", "supporting_data": "b", "payer_experience": "c"}}
    states = wizard.check_answers(data).states
    assert states["overview"] == "complete"
    assert states["element_3"] == "complete"


def test_the_questionnaire_knows_when_it_differs_from_the_file():
    q = wizard.Questionnaire({"metadata": {"title": "T"}})
    assert not q.dirty
    assert q.set(("metadata", "title"), "U")
    assert q.dirty
    assert not q.set(("metadata", "title"), "U")  # no change, no revision
    q.set(("metadata", "title"), "T")
    assert not q.dirty
    new = wizard.Questionnaire()
    assert new.data == {"schema_version": 1} and not new.dirty


def test_equal_tells_yaml_types_apart():
    assert not wizard.equal({"a": True}, {"a": 1})
    assert not wizard.equal({"a": 1}, {"a": 1.0})
    assert wizard.equal({"a": [1, {"b": "c"}]}, {"a": [1, {"b": "c"}]})


@pytest.fixture
def schema_with_a_new_question(monkeypatch):
    """The proposal schema with one more question in element 3, as a schema author would add it."""
    schema = copy.deepcopy(resources.proposal_schema())
    schema["properties"]["element_3"]["properties"]["prior_pilots"] = {
        "title": "Earlier pilots", "description": "How many pilots of this design have run.",
        "type": "integer", "minimum": 0, "maximum": 50}
    monkeypatch.setattr(resources, "proposal_schema", lambda: schema)
    monkeypatch.setattr(validation, "proposal_schema", lambda: schema)
    caches = (wizard.steps, wizard._step_fields, validation.validator, validation.quick_check)
    for cached in caches:
        cached.cache_clear()
    yield schema
    for cached in caches:
        cached.cache_clear()


def test_a_new_schema_question_is_asked_with_no_code(schema_with_a_new_question):
    f = wizard.field_at("element_3.prior_pilots")
    assert f is not None and f.kind == "integer" and f.title == "Earlier pilots"
    assert "above the maximum 50" in wizard.parse(f, "51").errors[0]


def test_answers_set_through_the_questionnaire_validate():
    q = wizard.Questionnaire()
    q.set(("metadata", "title"), "T")
    q.set(("metadata", "status"), "draft")
    q.add_item(("element_6", "measures"))
    q.set(("element_6", "measures", 0, "type"), "outcome")
    assert is_valid(q.data)


def test_each_step_has_the_toolkits_help():
    """The help beside each element gives its guidance, what the toolkit asks for and its real model examples; the
    design factors list all twenty (optional ones starred); the payment step has the LAN glossary."""
    from apm_designer import toolkit

    for e in toolkit.elements():
        blocks = wizard.help_blocks(e.key)
        assert (blocks[0].kind, blocks[0].text, blocks[1].kind, blocks[1].text) == ("title", e.title, "question",
                                                                                    e.question)
        assert " ".join(b.text for b in blocks if b.kind == "text") == " ".join(e.guidance.split())
        assert [b.text for b in blocks if b.kind == "item"] == list(e.asks)
        assert [(b.lead, b.text) for b in blocks if b.kind == "entry"] == [(x.model, x.text) for x in e.examples]
    factors = [b for b in wizard.help_blocks("design_factors") if b.kind == "item"]
    assert [b.lead for b in factors] == [f"{n}." for n in range(1, 21)]
    assert sum(b.text.endswith(" *") for b in factors) == 4
    glossary = {b.lead: b.text for b in wizard.help_blocks("payment") if b.kind == "entry"}
    assert {f"Category {n}" for n in range(1, 5)} <= glossary.keys()
    assert all(glossary[term] == toolkit.glossary()[term] for term in glossary)
    for key in ("overview", wizard.REVIEW):
        assert wizard.help_blocks(key)[0].kind == "title"
