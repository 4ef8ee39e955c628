"""Proposals describing real CMS models get those models' official QPP status.

Each model's design facts are encoded from public CMS material, cited in its test; the expected status is the one
CMS published for that performance year in its list "Alternative Payment Models in the Quality Payment Program"
(CMS Quality Payment Program resource library, editions of February 2018 and November 2019), which gives, for each
APM, whether it is a MIPS APM, a Medical Home Model, meets each Advanced APM criterion, and is an Advanced APM.
"""

from __future__ import annotations

from apm_designer.rules import evaluate
from apm_designer.validation import is_valid
from proposals import complete

CMS_LIST_2018 = "CMS, Alternative Payment Models in the Quality Payment Program as of February 2018"
CMS_LIST_2019 = "CMS, Alternative Payment Models in the Quality Payment Program as of November 2019"


def model(year: int, **answers: object) -> dict:
    data = complete(metadata__performance_year=year, **answers)
    assert is_valid(data)
    return data


def values(data: dict) -> dict[str, str]:
    return {label: v.value for label, v in evaluate(data).verdicts.items() if label != "lan"}


def test_shared_savings_program_track_1_upside_only():
    """MSSP Track 1: one-sided shared savings, no shared losses (42 CFR 425.604). Source: CMS_LIST_2018 lists it
    as a MIPS APM, not an Advanced APM (financial risk criterion not met)."""
    data = model(2018, element_1__authority="shared_savings_program", element_1__intended_types=["apm"],
                 element_1__cehrt={"required": True, "penalty_or_reward_for_use": True},
                 element_1__financial_risk={"type": "upside_only", "description": "Up to 50% of savings shared."})
    assert values(data) == {"apm": "yes", "advanced_apm": "no", "pfpm": "yes", "mips_apm": "yes"}
    reasons = evaluate(data).verdicts["advanced_apm"].reason
    assert "upside_only" in reasons and "never meets the generally applicable standard" in reasons


def test_shared_savings_program_track_2_two_sided():
    """MSSP Track 2: shared losses capped at 5% of the updated benchmark in the first year, rising to 10%
    (42 CFR 425.606(f)); CEHRT use counted in quality scoring (measure ACO-11). Source: CMS_LIST_2018 lists it as
    an Advanced APM."""
    data = model(2018, element_1__authority="shared_savings_program",
                 element_1__cehrt={"required": True, "penalty_or_reward_for_use": True},
                 element_1__financial_risk={"type": "two_sided", "basis": "benchmark", "percent_at_risk": 5,
                                            "mechanisms": ["payment_owed"]})
    assert values(data) == {"apm": "yes", "advanced_apm": "yes", "pfpm": "yes", "mips_apm": "yes"}


def test_oncology_care_model_one_sided_risk():
    """OCM one-sided risk: a section 1115A model paying a $160 monthly enhanced oncology services payment and a
    performance-based payment, with no recoupment of losses (CMS OCM fact sheet; CMS APM Design Toolkit, element
    2). Source: CMS_LIST_2018 lists "OCM – one-sided risk" as a MIPS APM, not an Advanced APM."""
    data = model(2018, element_1__intended_types=["apm", "pfpm"],
                 element_1__financial_risk={"type": "upside_only", "description": "Performance-based payment only."})
    assert values(data) == {"apm": "yes", "advanced_apm": "no", "pfpm": "yes", "mips_apm": "yes"}


def test_oncology_care_model_two_sided_risk():
    """OCM two-sided risk: practices repay CMS when episode spending exceeds the target, with a stop-loss of 20% of
    the benchmark (CMS OCM two-sided risk arrangement); CEHRT required. Source: CMS_LIST_2018 lists "OCM – two-sided
    risk" as an Advanced APM."""
    data = model(2018, element_1__financial_risk={"type": "two_sided", "basis": "benchmark", "percent_at_risk": 20,
                                                  "mechanisms": ["payment_owed"]},
                 element_1__cehrt__share_of_clinicians=50)
    assert values(data) == {"apm": "yes", "advanced_apm": "yes", "pfpm": "yes", "mips_apm": "yes"}


def test_comprehensive_primary_care_plus_is_advanced_as_a_medical_home_model():
    """CPC+: a section 1115A primary-care model; practices repay performance-based incentive payments they do not
    earn, sized to the Medical Home Model nominal amount; parent organisations of 50 or fewer eligible clinicians
    (42 CFR 414.1415(c)(7)). Source: CMS_LIST_2019 lists CPC+ as a Medical Home Model and an Advanced APM."""
    data = model(2019, element_1__medical_home={
        "primary_care_focus": True, "empanelment": True, "parent_organization_clinicians": 12,
        "features": ["planned_chronic_preventive_care", "access_continuity", "risk_stratified_care_management",
                     "care_coordination_medical_neighborhood", "patient_caregiver_engagement",
                     "shared_decision_making", "payment_beyond_ffs"]},
        element_1__financial_risk={"type": "two_sided", "basis": "revenue", "percent_at_risk": 3,
                                   "mechanisms": ["loss_of_guaranteed_payment"]})
    ev = evaluate(data)
    assert values(data) == {"apm": "yes", "advanced_apm": "yes", "pfpm": "yes", "mips_apm": "yes"}
    assert "via the Medical Home Model standard" in ev.verdicts["advanced_apm"].reason
    statuses = {f.rule_id: f.status for f in ev.findings_for("advanced_apm")}
    assert statuses["AAPM-MEDICAL-HOME-MODEL"] == "met" and statuses["AAPM-RISK-GENERAL"] == "not_met"


def test_next_generation_aco():
    """Next Generation ACO Model: a section 1115A ACO model at up to 80–100% shared savings and losses, with
    savings and losses capped at 15% of the benchmark (CMS NGACO fact sheet). Source: CMS_LIST_2018 lists it as an
    Advanced APM."""
    data = model(2018, element_1__financial_risk={"type": "two_sided", "basis": "benchmark", "percent_at_risk": 15,
                                                  "mechanisms": ["payment_owed"]})
    assert values(data) == {"apm": "yes", "advanced_apm": "yes", "pfpm": "yes", "mips_apm": "yes"}


def test_health_care_innovation_award_is_not_an_apm():
    """Health Care Innovation Awards are made under section 1115A but excluded from the APM definition by statute
    (42 U.S.C. 1395l(z)(3)(C)(i); 42 CFR 414.1305). Source: CMS APM Design Toolkit, element 1 and domain.md §3."""
    data = model(2018, element_1__authority="health_care_innovation_award", element_1__intended_types=["pfpm"])
    assert values(data) == {"apm": "no", "advanced_apm": "no", "pfpm": "no", "mips_apm": "no"}
