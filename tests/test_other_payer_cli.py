"""Other Payer Advanced APM verdicts through the real `apm-designer evaluate`, in a subprocess: text, json (against
schemas/evaluate-output.schema.json), github, and the `--expect other-payer-advanced-apm[=LINE]` gates."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "proposals" / "examples"
HOME = EXAMPLES / "small-practice-medical-home.yaml"  # Medicaid: yes (medical home); commercial: no, 2 points short
ACO = EXAMPLES / "two-sided-aco.yaml"  # Medicare Advantage: yes (general standard); commercial: no


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "apm_designer", "evaluate", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def flat(text: str) -> str:
    """The report with its wrapping undone."""
    return " ".join(text.split())


def line_of(path: Path, text: str, after: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if after in line)
    return next(n for n, line in enumerate(lines[start:], start + 1) if text in line)


def test_text_report_gives_each_other_payer_its_verdict_path_and_findings():
    out = flat(cli(HOME).stdout)
    block = out[out.index("Other Payer Advanced APM (42 CFR 414.1420), by line of business"):]
    assert "payment.lines_of_business[1] (medicaid) yes" in block
    assert "via the Medicaid or Aligned Other Payer Medical Home Model standard" in block
    assert "payment.lines_of_business[2] (commercial) no" in block
    assert "missed by 2 percentage points" in block
    assert "Other Payer Advanced APM findings, payment.lines_of_business[2] (commercial)" in out
    assert "[not met] OPAAPM-RISK-MEDICAL-HOME" in out and "[42 CFR 414.1420(d)(2), (d)(4), (d)(8)]" in out


def test_json_report_has_the_lines_and_matches_its_schema():
    doc = json.loads(cli("--format", "json", HOME, ACO).stdout)
    schema = json.loads((ROOT / "schemas" / "evaluate-output.schema.json").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(doc)) == []
    home, aco = (f["evaluation"]["other_payers"] for f in doc["files"])
    assert [(j["line_of_business"], j["verdict"]["value"], j["risk_path"]) for j in home] == [
        ("medicaid", "yes", "OPAAPM-RISK-MEDICAL-HOME"), ("commercial", "no", None)]
    assert [(j["line_of_business"], j["verdict"]["value"], j["risk_path"]) for j in aco] == [
        ("medicare_advantage", "yes", "OPAAPM-RISK-GENERAL"), ("commercial", "no", None)]
    general = next(f for f in aco[1]["findings"] if f["rule_id"] == "OPAAPM-RISK-GENERAL")
    assert general["margin"] == -1 and "payment.lines_of_business[2].other_payer.percent_at_risk" in general["fields"]


def test_github_summary_names_each_other_payer_verdict():
    first = cli("--format", "github", ACO).stdout.splitlines()[0]
    assert first.endswith("Other Payer Advanced APM: medicare_advantage yes, commercial no")


def test_expect_one_line_of_business_passes_when_that_line_is_one():
    r = cli(HOME, "--expect", "other-payer-advanced-apm=medicaid")
    assert r.returncode == 0, r.stdout
    assert "expect other-payer-advanced-apm=medicaid: passed" in r.stdout


def test_expect_every_other_payer_fails_at_the_answer_that_decided_it():
    r = cli("--format", "github", HOME, "--expect", "other-payer-advanced-apm")
    assert r.returncode == 1
    [error] = [line for line in r.stdout.splitlines() if line.startswith("::error")]
    line = line_of(HOME, "percent_at_risk: 3", "line_of_business: commercial")
    assert f",line={line}," in error and "title=expect other-payer-advanced-apm::" in error
    assert "payment.lines_of_business[2] (commercial) is no" in error


@pytest.mark.parametrize(("gate", "says"), [
    ("other-payer-advanced-apm=medicare-advantage", "no medicare-advantage line of business"),
])
def test_expect_a_line_the_proposal_does_not_have_fails(gate, says):
    r = cli(HOME, "--expect", gate)
    assert r.returncode == 1 and says in flat(r.stdout)


def test_expect_no_other_payer_at_all_fails():
    r = cli(EXAMPLES / "upside-only-shared-savings.yaml", "--expect", "other-payer-advanced-apm")
    assert r.returncode == 1 and "no line of business but Traditional Medicare" in flat(r.stdout)


@pytest.mark.parametrize("gate", ["other-payer-advanced-apm=traditional-medicare", "other-payer", "otherpayer=x"])
def test_an_unknown_expect_label_is_a_usage_error(gate):
    r = cli(HOME, "--expect", gate)
    assert r.returncode == 2 and "invalid choice" in r.stderr and r.stdout == ""
