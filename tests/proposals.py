"""Small proposal builders for tests: a minimal schema-valid draft, and a complete final proposal.

    minimal()                                   # a draft with only its title
    minimal(element_1__authority="section_1115a", element_6__measures=[...])   # "__" separates path parts
    complete()                                  # a final proposal: an APM, Advanced APM, PFPM and MIPS APM, LAN 3B
    complete(element_1__financial_risk__type="upside_only")
    with_answers(data, {"element_1.cehrt.share_of_clinicians": 74.9})            # dotted paths

Each builder returns a fresh dict; overrides replace the answer at their path (creating mappings on the way), and
an override of None removes the answer.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

DESIGN_FACTORS = (
    "department_goals", "clinical_transformation", "evidence_base", "participants_included", "diversity",
    "payer_alignment", "quality_improvement", "cost_savings", "cms_investment", "probability_of_success",
    "economic_impact", "model_overlap", "evaluative_feasibility", "stakeholder_interest", "participant_feasibility",
    "cms_feasibility", "coverage_effects", "waiver_authority", "other_payer_testing", "scalability",
)

_COMPLETE: dict[str, Any] = {
    "metadata": {
        "title": "Community Oncology Shared Risk Model", "organisation": "Example Oncology Partners",
        "contact": {"name": "A. Proposer", "email": "proposer@example.org"}, "performance_year": 2025,
        "status": "final", "version": "1.0", "date": "2025-01-15",
    },
    "element_1": {
        "intended_types": ["apm", "advanced_apm", "pfpm"],
        "authority": "section_1115a",
        "authority_rationale": "Tested by the CMS Innovation Center under section 1115A.",
        "cehrt": {"required": True, "share_of_clinicians": 75, "description": "Practices document care in CEHRT."},
        "financial_risk": {"type": "two_sided", "basis": "benchmark", "percent_at_risk": 4,
                           "mechanisms": ["payment_owed"], "description": "Shared losses up to 4% of the benchmark."},
        "clinicians": {"core_role": True, "role_description": "Oncologists manage each six-month episode."},
        "targeted_services": {"clinicians_influence": True, "description": "Chemotherapy episodes."},
    },
    "element_2": {
        "care_delivery_changes": "Navigation, 24/7 access, care plans.",
        "value_over_volume": "A monthly enhanced services payment and a performance-based payment.",
        "new_payments": [{"name": "Enhanced services payment", "amount": 160, "unit": "per_beneficiary_per_month"}],
        "payment_methodology_difference": "Episode-level accountability on top of fee-for-service.",
    },
    "element_3": {"model_design": "Six-month chemotherapy episodes.", "supporting_data": "Episode spending data.",
                  "payer_experience": "Commercial payers run similar programs."},
    "element_4": {
        "beneficiaries": 150000, "eligible_clinicians": 3200, "geographic_diversity": "Practices in 30 states.",
        "clinical_diversity": "All cancer types treated with chemotherapy.", "demographic_diversity": "Broad.",
        "services_scope": "All Part A and B services during an episode.", "burden_of_disease": "High.",
        "apm_entities": "Physician group practices.",
    },
    "element_5": {"payers": ["medicare", "commercial"], "payer_alignment": "Aligned episode definitions.",
                  "cms_program_alignment": "Builds on QPP measures."},
    "element_6": {
        "quality_goals": ["coordinated_care", "better_health_outcomes"],
        "quality_domains": ["clinical_care", "patient_caregiver_experience", "safety"],
        "payment_based_on_quality": True,
        "measures": [
            {"name": "Risk-adjusted proportion of patients with all-cause ED visits", "type": "outcome",
             "domain": "clinical_care", "evidence_basis": "cms_determined"},
            {"name": "Patient-reported experience of care", "type": "patient_experience",
             "domain": "patient_caregiver_experience", "evidence_basis": "mips_final_list"},
        ],
        "evaluation_approach": "Difference-in-differences against comparison practices.",
    },
    "element_7": {"data_and_information": "CMS sends claims feedback quarterly.", "workflow_fit": "Fits practice.",
                  "existing_processes": "Builds on oncology pathways.", "operational_feasibility": "Feasible."},
    "design_factors": {key: {"rating": "medium", "rationale": f"Why {key} is medium."} for key in DESIGN_FACTORS},
    "payment": {"lines_of_business": [
        {"line_of_business": "traditional_medicare", "total_dollars": 1_000_000, "arrangements": [
            {"type": "legacy", "dollars": 400_000},
            {"type": "shared_risk", "dollars": 600_000, "launch_date": "2025-01-01", "stage": "pilot"},
        ]},
        {"line_of_business": "commercial", "total_dollars": 500_000, "arrangements": [
            {"type": "legacy", "dollars": 300_000},
            {"type": "shared_risk", "dollars": 200_000, "launch_date": "2025-01-01", "stage": "pilot"},
        ]},
    ]},
}


def minimal(**overrides: Any) -> dict[str, Any]:
    """A schema-valid draft with only its title, plus the overrides ("__" separates path parts)."""
    return _apply({"metadata": {"title": "Test proposal", "status": "draft"}}, overrides)


def complete(**overrides: Any) -> dict[str, Any]:
    """A schema-valid final proposal meeting every classification, plus the overrides."""
    return _apply(copy.deepcopy(_COMPLETE), overrides)


def with_answers(data: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `data` with each dotted path's answer replaced (None removes it)."""
    out = copy.deepcopy(dict(data))
    for path, value in answers.items():
        parts = path.split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = copy.deepcopy(value)
    return out


def _apply(data: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    return with_answers(data, {key.replace("__", "."): value for key, value in overrides.items()})
