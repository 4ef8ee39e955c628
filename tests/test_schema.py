"""Meta-checks on schemas/proposal.schema.json: a valid 2020-12 schema that is closed, bounded and self-describing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from apm_designer.resources import proposal_schema
from apm_designer.validation import field_schema, missing_for_final, validator

SCHEMA = proposal_schema()
OPTIONAL_FACTORS = {"cms_investment", "economic_impact", "cms_feasibility", "waiver_authority"}
ELEMENTS = [f"element_{n}" for n in range(1, 8)]


def subschemas(node: Any = SCHEMA, path: tuple[str, ...] = ()) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object that declares a `type`, with where it sits, outside the if/then final requirements."""
    if isinstance(node, dict):
        if "type" in node:
            yield "/".join(path), node
        for key, value in node.items():
            if key not in ("if", "final_requirements", "x-enum-labels"):
                yield from subschemas(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from subschemas(value, (*path, str(i)))


def properties() -> Iterator[tuple[str, dict[str, Any]]]:
    for where, node in subschemas():
        for name, prop in node.get("properties", {}).items():
            yield f"{where}/properties/{name}", prop


def test_is_a_valid_2020_12_schema_with_id_and_title() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$id"].startswith("https://") and SCHEMA["$id"].endswith("proposal.schema.json")
    assert SCHEMA["title"] and SCHEMA["description"]


def test_every_property_has_a_title_and_a_description() -> None:
    lacking = [where for where, prop in properties() if not (prop.get("title") and prop.get("description"))]
    assert lacking == []
    assert len(list(properties())) > 100  # the walk really reaches the nested answers


def test_every_object_is_closed() -> None:
    objects = [(where, node) for where, node in subschemas() if node["type"] == "object"]
    assert len(objects) > 20
    assert [where for where, node in objects if node.get("additionalProperties") is not False] == []


def test_every_string_has_a_length_bound() -> None:
    strings = [(where, node) for where, node in subschemas() if node["type"] == "string"]
    free = [where for where, node in strings if "enum" not in node and "const" not in node]
    assert len(free) > 30
    assert [where for where, node in strings if where in free and "maxLength" not in node] == []


def test_every_number_has_both_bounds() -> None:
    numbers = [(where, node) for where, node in subschemas() if node["type"] in ("number", "integer")]
    assert len(numbers) > 10
    unbounded = [where for where, node in numbers if "const" not in node and not (
        {"minimum", "exclusiveMinimum"} & node.keys() and {"maximum", "exclusiveMaximum"} & node.keys())]
    assert unbounded == []


def test_every_list_has_a_length_bound() -> None:
    arrays = [(where, node) for where, node in subschemas() if node["type"] == "array"]
    assert [where for where, node in arrays if "maxItems" not in node] == []


def test_every_enum_value_has_a_label_for_the_wizard() -> None:
    missing = []
    for where, node in subschemas():
        if where.endswith("/items"):  # a list of choices carries its labels on the list
            continue
        enum = node.get("enum") or node.get("items", {}).get("enum")
        if enum and len(enum) > 1:
            labels = node.get("x-enum-labels", {})
            missing += [f"{where}: {value}" for value in enum if value not in labels]
    assert missing == []


def test_each_step_names_its_wizard_step_and_toolkit_help() -> None:
    for name in [*ELEMENTS, "design_factors", "payment"]:
        step = SCHEMA["properties"][name]
        assert step["x-step"] == name
        assert step["x-toolkit"]
    assert SCHEMA["properties"]["metadata"]["x-step"] == "overview"


def test_the_twenty_design_factors_are_numbered_and_the_four_starred_ones_optional() -> None:
    factors = SCHEMA["properties"]["design_factors"]["properties"]
    assert sorted(f["x-factor-number"] for f in factors.values()) == list(range(1, 21))
    starred = {name for name, f in factors.items() if f["title"].endswith("*")}
    assert starred == OPTIONAL_FACTORS
    assert {name for name, f in factors.items() if f["x-optional"]} == OPTIONAL_FACTORS
    required = set(SCHEMA["$defs"]["final_requirements"]["properties"]["design_factors"]["required"])
    assert required == set(factors) - OPTIONAL_FACTORS
    for name in factors:  # each factor is a rating with its rationale
        assert set(field_schema(["design_factors", name])["properties"]) == {"rating", "rationale"}


def test_the_toolkit_star_item_leveraging_investments_is_optional() -> None:
    element_5 = SCHEMA["properties"]["element_5"]["properties"]
    assert element_5["leveraging_investments"]["x-optional"] is True
    assert "leveraging_investments" not in SCHEMA["$defs"]["final_requirements"]["properties"]["element_5"][
        "required"]


@pytest.mark.parametrize("fact", [
    "element_1.authority", "element_1.cehrt.required", "element_1.cehrt.share_of_clinicians",
    "element_1.cehrt.penalty_or_reward_for_use", "element_1.financial_risk.type", "element_1.financial_risk.basis",
    "element_1.financial_risk.percent_at_risk", "element_1.financial_risk.mechanisms",
    "element_1.medical_home.primary_care_focus", "element_1.medical_home.empanelment",
    "element_1.medical_home.features", "element_1.medical_home.parent_organization_clinicians",
    "element_1.medical_home.participation_list_clinicians",
    "element_1.medical_home.expanded_under_1115a_c", "element_1.clinicians.core_role",
    "element_1.targeted_services.clinicians_influence", "element_5.payers", "element_6.payment_based_on_quality",
    "metadata.performance_year", "metadata.status",
])
def test_the_schema_asks_for_every_fact_the_evaluator_needs(fact: str) -> None:
    assert field_schema(fact.split(".")).get("type"), fact


def test_measures_carry_their_type_and_mips_comparability() -> None:
    measure = field_schema(["element_6", "measures", 0])
    assert {"outcome", "process", "patient_experience"} <= set(measure["properties"]["type"]["enum"])
    assert "mips_final_list" in measure["properties"]["evidence_basis"]["enum"]


def test_risk_kinds_and_lan_arrangements_cover_the_domain() -> None:
    assert field_schema(["element_1", "financial_risk", "type"])["enum"] == [
        "none", "upside_only", "two_sided", "full_capitation"]
    kinds = field_schema(["payment", "lines_of_business", 0, "arrangements", 0, "type"])["enum"]
    assert {"legacy", "foundational_spending", "pay_for_performance", "shared_savings", "shared_risk",
            "procedure_bundled_episode", "population_not_condition_specific", "population_condition_specific",
            "condition_specific_bundled_episode", "full_percent_of_premium"} <= set(kinds)


def test_a_draft_needs_only_a_title_and_a_final_needs_every_element() -> None:
    draft = {"metadata": {"title": "T", "status": "draft"}}
    assert validator().is_valid(draft)
    final = {"metadata": {"title": "T", "status": "final"}}
    assert not validator().is_valid(final)
    missing = {path for path, _ in missing_for_final(final)}
    assert {(name,) for name in [*ELEMENTS, "design_factors", "payment"]} <= missing
    assert {("metadata", name) for name in ("organisation", "contact", "performance_year", "version", "date")} \
        <= missing


# The questions domain.md section 1 says the toolkit asks, element by element.
TOOLKIT_QUESTIONS = {
    "element_1": {"intended_types", "authority", "cehrt", "financial_risk", "medical_home", "clinicians",
                  "targeted_services"},
    "element_2": {"care_delivery_changes", "value_over_volume", "new_payments", "payment_methodology_difference"},
    "element_3": {"model_design", "supporting_data", "payer_experience"},
    "element_4": {"beneficiaries", "eligible_clinicians", "geographic_diversity", "clinical_diversity",
                  "demographic_diversity", "services_scope", "burden_of_disease", "apm_entities"},
    "element_5": {"payers", "leveraging_investments", "payer_alignment", "cms_program_alignment"},
    "element_6": {"quality_goals", "quality_domains", "measures", "evaluation_approach"},
    "element_7": {"data_and_information", "workflow_fit", "existing_processes", "operational_feasibility"},
}


@pytest.mark.parametrize("element", ELEMENTS)
def test_each_element_asks_the_toolkit_questions(element: str) -> None:
    assert TOOLKIT_QUESTIONS[element] <= set(SCHEMA["properties"][element]["properties"])


def test_quality_goals_and_domains_are_the_toolkit_ones() -> None:
    element_6 = SCHEMA["properties"]["element_6"]["properties"]
    assert element_6["quality_goals"]["items"]["enum"] == [
        "coordinated_care", "patient_goals_and_preferences", "better_health_outcomes", "reduced_disparities"]
    assert element_6["quality_domains"]["items"]["enum"] == [
        "patient_caregiver_experience", "population_health_prevention", "clinical_care", "safety",
        "care_coordination"]


def test_metadata_has_who_when_and_how_far() -> None:
    assert set(SCHEMA["properties"]["metadata"]["properties"]) == {
        "title", "organisation", "contact", "performance_year", "status", "version", "date"}
    assert field_schema(["metadata", "status"])["enum"] == ["draft", "final"]
