"""Real CMS models get those models' official QPP status.

Two kinds of test. The library (proposals/models/*.yaml: complete proposals written from CMS's public documents, one
per model and track, sources in each file's comments) is held to the status CMS published for each file's
performance year, through the real CLI: `apm-designer evaluate --expect ...` for what CMS says the model is, and the
JSON verdict for what it says it is not. The small cases further down encode a model's deciding facts only.

CMS's published lists: "Alternative Payment Models in the Quality Payment Program" (CMS Quality Payment Program
resource library, editions of February 2018 and November 2019), which gives for each APM whether it is a MIPS APM, a
Medical Home Model, meets each Advanced APM criterion, and is an Advanced APM; the QPP "APMs overview" page for 2017
(the Advanced APMs of 2017); and the QPP Advanced APMs and MIPS APMs lists by performance year
(qpp.cms.gov/apms/advanced-apms?py=YEAR, qpp.cms.gov/apms/mips-apms?py=YEAR).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from apm_designer.document import load
from apm_designer.rules import evaluate
from apm_designer.validation import is_valid
from proposals import complete

CMS_LIST_2018 = "CMS, Alternative Payment Models in the Quality Payment Program as of February 2018"
CMS_LIST_2019 = "CMS, Alternative Payment Models in the Quality Payment Program as of November 2019"
MODELS = Path(__file__).resolve().parent.parent / "proposals" / "models"
LABELS = {"apm": "apm", "advanced-apm": "advanced_apm", "pfpm": "pfpm", "mips-apm": "mips_apm"}


def cms_status(name: str, year: int | None, *, is_: tuple[str, ...], is_not: tuple[str, ...] = ()) -> dict:
    """Run `apm-designer evaluate --expect` on a library model: it must be each label in `is_` (the gates pass) and
    none in `is_not` (verdict "no"), for the performance year its file gives (None: one that gives none)."""
    path = MODELS / f"{name}.yaml"
    gates = [arg for label in is_ for arg in ("--expect", label)]
    done = subprocess.run([sys.executable, "-m", "apm_designer", "evaluate", "--format", "json", *gates, str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)["files"][0]
    assert load(path).data["metadata"].get("performance_year") == year
    verdicts = result["evaluation"]["verdicts"]
    assert all(verdicts[LABELS[label]]["value"] == "yes" for label in is_)
    assert {label: verdicts[LABELS[label]]["value"] for label in is_not} == dict.fromkeys(is_not, "no")
    return verdicts


# ------------------------------------------------------------------------------------------------ the library


def test_shared_savings_program_basic_level_a():
    """BASIC track Level A, 2022: one-sided, shared savings up to 40% (42 CFR 425.605(d)(1)(i)). Source: CMS QPP MIPS
    APMs list for 2022 (every Shared Savings Program track is a MIPS APM) and Advanced APMs list for 2022 (only BASIC
    Level E and ENHANCED are Advanced APMs)."""
    verdicts = cms_status("shared-savings-program-basic-level-a", 2022, is_=("apm", "mips-apm"),
                          is_not=("advanced-apm",))
    assert "upside_only" in verdicts["advanced_apm"]["reason"]


def test_shared_savings_program_basic_level_e():
    """BASIC track Level E, 2022: 30% of losses, capped at 8% of ACO participants' revenue and 4% of the benchmark
    (42 CFR 425.605(d)(1)(v)); CEHRT certified for 75% of clinicians (425.506(f)). Source: CMS QPP Advanced APMs and
    MIPS APMs lists for 2022 (BASIC Level E: Advanced APM and MIPS APM)."""
    cms_status("shared-savings-program-basic-level-e", 2022, is_=("apm", "advanced-apm", "mips-apm"))


def test_shared_savings_program_enhanced():
    """ENHANCED track, 2022: losses at 40-75%, capped at 15% of the benchmark (42 CFR 425.610). Source: CMS QPP
    Advanced APMs and MIPS APMs lists for 2022 (ENHANCED: Advanced APM and MIPS APM)."""
    cms_status("shared-savings-program-enhanced", 2022, is_=("apm", "advanced-apm", "mips-apm"))


def test_next_generation_aco_model():
    """Next Generation ACO Model, 2019: 80% or 100% of savings and losses up to a 5-15% cap (NGACO Participation
    Agreement). Source: CMS_LIST_2019 (Advanced APM and MIPS APM); Advanced APM since 2017 (QPP APMs overview)."""
    cms_status("next-generation-aco-model", 2019, is_=("apm", "advanced-apm", "mips-apm"))


def test_aco_reach_global():
    """ACO REACH, Global option, 2023: 100% of savings and losses within a 25% risk corridor, 2% quality withhold
    (ACO REACH RFA, 2022). Source: CMS QPP Advanced APMs and MIPS APMs lists for 2023 (ACO REACH: Advanced APM and
    MIPS APM)."""
    cms_status("aco-reach", 2023, is_=("apm", "advanced-apm", "mips-apm"))


def test_comprehensive_primary_care_plus_track_2():
    """CPC+ Track 2, 2019: a Medical Home Model whose performance-based incentive payment is recouped when thresholds
    are missed (CPC+ Payment and Attribution Methodologies, PY 2019). Source: CMS_LIST_2019 (CPC+: Medical Home Model,
    MIPS APM, Advanced APM)."""
    verdicts = cms_status("comprehensive-primary-care-plus", 2019, is_=("apm", "advanced-apm", "mips-apm"))
    assert "via the Medical Home Model standard" in verdicts["advanced_apm"]["reason"]


def test_oncology_care_model_one_sided():
    """OCM one-sided risk, 2018: a $160 monthly enhanced services payment and a performance-based payment, no
    recoupment (OCM fact sheet; APM Design Toolkit, element 2). Source: CMS_LIST_2018 ("OCM - one-sided risk": MIPS
    APM, not an Advanced APM)."""
    cms_status("oncology-care-model", 2018, is_=("apm", "mips-apm"), is_not=("advanced-apm",))


def test_oncology_care_model_two_sided():
    """OCM two-sided risk, 2018: repayment of spending above the target price, up to 20% of the benchmark (OCM
    Performance-Based Payment Methodology). Source: CMS_LIST_2018 ("OCM - two-sided risk": MIPS APM and Advanced
    APM)."""
    cms_status("oncology-care-model-two-sided", 2018, is_=("apm", "advanced-apm", "mips-apm"))


def test_bpci_advanced():
    """BPCI Advanced, 2019: 90-day episodes reconciled against a target price, gains and losses capped at 20% (BPCI
    Advanced Participation Agreement, 2018). Source: CMS_LIST_2019 (Advanced APM and MIPS APM); CMS's BPCI Advanced
    page ("qualifies as an Advanced APM")."""
    cms_status("bpci-advanced", 2019, is_=("apm", "advanced-apm", "mips-apm"))


def test_comprehensive_care_for_joint_replacement_track_1():
    """CJR Track 1 (CEHRT), 2018: hospitals attest to CEHRT use and repay spending above the target price up to 10%
    of it (42 CFR part 510). Source: QPP APMs overview for 2017 and CMS_LIST_2018 (CJR Track 1 - CEHRT: Advanced
    APM). Its MIPS APM status is not in the sources the library used, so it is not held to one here."""
    cms_status("comprehensive-care-for-joint-replacement", 2018, is_=("apm", "advanced-apm"))


def test_comprehensive_care_for_joint_replacement_track_2():
    """CJR Track 2, 2018: the same episodes, for hospitals that do not attest to CEHRT use (42 CFR part 510; 82 FR
    180). Source: QPP APMs overview for 2017 and CMS_LIST_2018 (only CJR Track 1 - CEHRT is an Advanced APM)."""
    verdicts = cms_status("comprehensive-care-for-joint-replacement-track-2", 2018, is_=("apm",),
                          is_not=("advanced-apm",))
    assert "does not require CEHRT use" in verdicts["advanced_apm"]["reason"]


def test_comprehensive_esrd_care_two_sided():
    """CEC two-sided risk arrangements, 2017: ESCOs share savings and losses on the total cost of care of aligned
    ESRD beneficiaries (CMS CEC model page). Source: QPP APMs overview for 2017 ("Comprehensive ESRD Care (CEC) Model
    - Two-Sided Risk" among the Advanced APMs) and CMS_LIST_2018 (CEC: MIPS APM)."""
    cms_status("comprehensive-esrd-care-two-sided", 2017, is_=("apm", "advanced-apm", "mips-apm"))


def test_a_health_care_innovation_award_is_no_apm():
    """ECHO Care, the University of New Mexico's Health Care Innovation Award (CMS HCIA project profile, 2012).
    Source: awards are made under section 1115A but excluded from the APM definition by statute (42 U.S.C.
    1395l(z)(3)(C)(i); 42 CFR 414.1305), so no CMS list names one as an APM, Advanced APM or MIPS APM."""
    verdicts = cms_status("health-care-innovation-award-echo-care", None, is_=(),
                          is_not=("apm", "advanced-apm", "mips-apm"))
    assert "Health Care Innovation Awards are excluded from the APM definition" in verdicts["apm"]["reason"]


# ------------------------------------------------------------------------------------------- deciding facts only


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
