"""The example proposals: valid, complete where they claim to be, written as `document.save` writes, and classified
as they were written to be."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from apm_designer.document import dumps, load, modeline
from apm_designer.resources import SCHEMA_PATH, proposal_schema
from apm_designer.rules import evaluate
from apm_designer.rules.payment import PAYER_LINES

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "proposals" / "examples"
SCHEMA = proposal_schema()

# What each example was written to be: verdict values, and the LAN category.
EXPECTED = {
    "two-sided-aco": {"apm": "yes", "advanced_apm": "yes", "pfpm": "yes", "lan": "3B"},
    "upside-only-shared-savings": {"apm": "yes", "advanced_apm": "no", "pfpm": "yes", "lan": "3A"},
    "oncology-episode-pfpm": {"apm": "yes", "advanced_apm": "no", "pfpm": "yes", "lan": "4A"},
    "small-practice-medical-home": {"apm": "yes", "advanced_apm": "yes", "pfpm": "yes", "lan": "3B"},
    "draft-rural-telehealth": {"apm": "yes", "advanced_apm": "undetermined", "pfpm": "undetermined"},
}
FINAL = [name for name in EXPECTED if not name.startswith("draft-")]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "apm_designer", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def data(name: str) -> dict:
    return load(FOLDER / f"{name}.yaml").data


def test_the_examples_are_the_ones_described() -> None:
    assert sorted(p.stem for p in FOLDER.glob("*.yaml")) == sorted(EXPECTED)


def test_every_example_validates_through_the_cli() -> None:
    r = cli("validate", "proposals/examples")
    assert (r.returncode, r.stdout, r.stderr) == (0, "checked 5 files: 5 valid, 0 invalid (0 problems)\n", "")


def test_payment_mixes_pass_the_workbook_cross_checks() -> None:
    r = cli("metrics", "--format", "json", "proposals/examples")
    assert r.returncode == 0, r.stdout
    files = {Path(f["path"]).stem: f for f in json.loads(r.stdout)["files"]}
    assert {name: f["warnings"] for name, f in files.items()} == {name: [] for name in EXPECTED}


@pytest.mark.parametrize("name", EXPECTED)
def test_each_example_is_written_exactly_as_save_writes_it(name: str) -> None:
    path = FOLDER / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schemas/proposal.schema.json\n")
    assert text == dumps(load(path).data, header=modeline(path, SCHEMA_PATH))


@pytest.mark.parametrize("name", FINAL)
def test_each_final_example_answers_every_element_and_all_twenty_factors(name: str) -> None:
    proposal = data(name)
    assert proposal["metadata"]["status"] == "final"
    for element in (f"element_{n}" for n in range(1, 8)):
        asked = SCHEMA["properties"][element]["properties"]
        unanswered = [q for q in asked if q not in proposal[element]]
        # Only the questions that do not apply to this kind of model may stay unanswered.
        assert set(unanswered) <= {"medical_home", "no_outcome_measure_justification"}, (element, unanswered)
    factors = proposal["design_factors"]
    assert list(factors) == list(SCHEMA["properties"]["design_factors"]["properties"])  # all 20, * ones too
    for factor in factors.values():
        assert factor["rating"] in ("high", "medium", "low") and len(factor["rationale"]) > 40
    measures = proposal["element_6"]["measures"]
    assert any(m["type"] in ("outcome", "intermediate_outcome", "patient_reported_outcome") for m in measures)


@pytest.mark.parametrize("name", FINAL)
def test_every_participating_payer_has_its_line_of_business(name: str) -> None:
    proposal = data(name)
    payers = proposal["element_5"]["payers"]
    lines = [line["line_of_business"] for line in proposal["payment"]["lines_of_business"]]
    assert sorted(lines) == sorted(PAYER_LINES[p] for p in payers)
    for line in proposal["payment"]["lines_of_business"]:
        assert line["total_dollars"] == sum(a["dollars"] for a in line["arrangements"])


def test_the_multi_payer_examples_are_the_ones_described() -> None:
    payers = {name: data(name).get("element_5", {}).get("payers") for name in EXPECTED}
    assert payers == {
        "two-sided-aco": ["medicare", "medicare_advantage", "commercial"],
        "upside-only-shared-savings": ["medicare"],
        "oncology-episode-pfpm": ["medicare", "commercial"],
        "small-practice-medical-home": ["medicare", "medicaid", "commercial"],
        "draft-rural-telehealth": ["medicare"],
    }


@pytest.mark.parametrize("name", EXPECTED)
def test_each_example_gets_the_classification_it_was_written_for(name: str) -> None:
    verdicts = evaluate(data(name)).verdicts
    expected = EXPECTED[name]
    got = {label: verdicts[label].value for label in ("apm", "advanced_apm", "pfpm")}
    assert got == {label: expected[label] for label in got}
    if "lan" in expected:
        assert (verdicts["lan"].value, verdicts["lan"].category) == ("yes", expected["lan"])


def statuses(name: str, label: str) -> dict[str, str]:
    return {f.rule_id: f.status for f in evaluate(data(name)).findings_for(label)}


def test_the_aco_is_advanced_through_the_general_benchmark_based_standard() -> None:
    risk = data("two-sided-aco")["element_1"]["financial_risk"]
    assert (risk["type"], risk["basis"], risk["percent_at_risk"]) == ("two_sided", "benchmark", 5)
    found = statuses("two-sided-aco", "advanced_apm")
    assert (found["AAPM-CEHRT"], found["AAPM-RISK-GENERAL"], found["AAPM-RISK-MEDICAL-HOME"]) == (
        "met", "met", "not_met")


def test_the_medical_home_is_advanced_only_through_the_medical_home_standard() -> None:
    proposal = data("small-practice-medical-home")
    assert proposal["element_1"]["medical_home"]["participation_list_clinicians"] == 30  # from 2023 (414.1415(c)(7))
    assert proposal["metadata"]["performance_year"] == 2025
    found = statuses("small-practice-medical-home", "advanced_apm")
    assert found["AAPM-MEDICAL-HOME-MODEL"] == "met"
    assert found["AAPM-RISK-MEDICAL-HOME"] == "met"
    assert found["AAPM-RISK-GENERAL"] == "not_met"  # 5% of revenue is under the general 8%


def test_the_upside_only_model_fails_only_on_financial_risk() -> None:
    found = statuses("upside-only-shared-savings", "advanced_apm")
    assert found["AAPM-CEHRT"] == "met"
    assert found["AAPM-RISK-GENERAL"] == "not_met"


def test_the_oncology_model_fails_advanced_only_on_its_cehrt_share() -> None:
    assert data("oncology-episode-pfpm")["element_1"]["cehrt"]["share_of_clinicians"] == 60
    found = statuses("oncology-episode-pfpm", "advanced_apm")
    assert found["AAPM-CEHRT"] == "not_met"
    assert found["AAPM-RISK-GENERAL"] == "met"
    assert all(found[rule] == "met" for rule in found if rule.startswith("AAPM-QUALITY"))


def test_the_draft_is_partly_answered() -> None:
    draft = data("draft-rural-telehealth")
    assert draft["metadata"]["status"] == "draft"
    assert "cehrt" not in draft["element_1"] and "clinicians" not in draft["element_1"]
    verdicts = evaluate(draft).verdicts
    assert {"element_1.cehrt.required", "element_1.financial_risk.type"} <= set(verdicts["advanced_apm"].needs)
    assert set(verdicts["pfpm"].needs) == {"element_1.clinicians.core_role",
                                           "element_1.targeted_services.clinicians_influence"}
