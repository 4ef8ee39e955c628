"""`apm-designer evaluate` through the real CLI, in a subprocess, on files written to a temporary folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from proposals import complete, minimal

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "proposals" / "examples"


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "apm_designer", "evaluate", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.fixture
def advanced(tmp_path: Path) -> Path:
    return write(tmp_path, "advanced.yaml", complete())


@pytest.fixture
def upside(tmp_path: Path) -> Path:
    """Intends Advanced APM but has upside-only risk: not Advanced, with three warnings (the intent, the loss
    details of an upside-only model, and its shared-risk payment arrangements)."""
    data = complete(element_1__financial_risk={"type": "upside_only", "percent_at_risk": 5})
    return write(tmp_path, "upside.yaml", data)


def test_text_report_labels_then_findings_then_warnings(upside: Path):
    r = cli(upside)
    assert r.returncode == 0, r.stderr  # warnings alone do not fail without --fail-on warning
    out = r.stdout
    assert out.startswith(f"{upside}: Community Oncology Shared Risk Model (performance year 2025)\n")
    labels = [out.index(f"\n  {name} ") for name in ("APM", "Advanced APM", "PFPM", "MIPS APM",
                                                     "LAN APM Framework category")]
    groups = [out.index(f"\n  {name} findings\n") for name in ("APM", "Advanced APM", "PFPM", "MIPS APM")]
    warnings = out.index("\n  Warnings (3)\n")
    assert labels == sorted(labels) and groups == sorted(groups) and labels[-1] < groups[0] < warnings
    assert "  Advanced APM                no\n" in out
    assert "[not met] AAPM-RISK-GENERAL: Financial risk: generally applicable nominal amount standard" in out
    assert "LAN APM Framework category  Category 3B" in out
    risk_line = line_of(upside, "type: upside_only")
    assert f"{upside}:{risk_line}:" in out and "warning:" in out and "[CON-RISK-UPSIDE-DETAILS]" in out
    assert "[CON-INTENDED-TYPES]" in out
    assert out.rstrip().endswith("checked 1 file: 1 valid, 0 invalid (0 problems)")


def test_json_output(advanced: Path, upside: Path):
    r = cli(advanced, upside, "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["status"] == "ok" and doc["summary"].startswith("checked 2 files")
    first, second = doc["files"]
    assert (first["path"], first["status"], first["problems"], first["warnings"]) == (str(advanced), "valid", [], [])
    ev = first["evaluation"]
    assert ev["performance_year"] == 2025
    assert {k: v["value"] for k, v in ev["verdicts"].items()} == {
        "apm": "yes", "advanced_apm": "yes", "pfpm": "yes", "mips_apm": "yes", "lan": "yes"}
    assert ev["verdicts"]["lan"]["category"] == "3B"
    assert {f["rule_id"] for f in ev["findings"]} >= {"APM-AUTHORITY", "AAPM-CEHRT", "LAN-CATEGORY", "PAY-TOTALS"}
    assert len(ev["ptac"]) == 10
    assert {w["code"] for w in second["warnings"]} == {"CON-RISK-UPSIDE-DETAILS", "CON-INTENDED-TYPES",
                                                       "CON-LAN-SHARED-RISK"}
    assert all(w["severity"] == "warning" and w["line"] > 1 for w in second["warnings"])
    assert [w["rule_id"] for w in second["evaluation"]["warnings"]] == ["CON-INTENDED-TYPES",
                                                                         "CON-RISK-UPSIDE-DETAILS",
                                                                         "CON-LAN-SHARED-RISK"]


def test_github_annotations(upside: Path):
    r = cli(upside, "--format", "github", "--expect", "advanced-apm")
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"{upside}: APM: yes, Advanced APM: no, PFPM: yes")
    risk_line = line_of(upside, "type: upside_only")
    assert any(line.startswith(f"::warning file={upside},line={risk_line},col=") and
               "title=CON-RISK-UPSIDE-DETAILS::" in line for line in lines)
    [error] = [line for line in lines if line.startswith("::error")]
    assert error.startswith(f"::error file={upside},line=") and "title=expect advanced-apm::" in error
    assert "expected Advanced APM, but it is no" in error


@pytest.mark.parametrize(("expect", "code"), [
    (["advanced-apm"], 0), (["apm", "pfpm", "mips-apm"], 0), (["advanced-apm", "advanced-apm"], 0),
])
def test_expect_passes(advanced: Path, expect: list[str], code: int):
    args = [a for label in expect for a in ("--expect", label)]
    r = cli(advanced, *args)
    assert r.returncode == code, r.stdout
    assert r.stdout.count(": passed") == len(set(expect))


def test_expect_fails_when_the_classification_is_not_met(advanced: Path, upside: Path):
    r = cli(advanced, upside, "--expect", "advanced-apm", "--expect", "apm")
    assert r.returncode == 1
    assert "expect advanced-apm: FAILED (Advanced APM: no (financial risk: no path is met" in r.stdout
    assert r.stdout.count("expect apm: passed") == 2
    assert r.stdout.rstrip().endswith("; 1 gate failed")


def test_an_undetermined_draft_fails_an_expect_gate(tmp_path: Path):
    draft = write(tmp_path, "draft.yaml", minimal(element_1__authority="section_1115a"))
    r = cli(draft, "--expect", "pfpm")
    assert r.returncode == 1 and "expect pfpm: FAILED (PFPM: undetermined (needs element_5.payers" in r.stdout


def test_fail_on_warning(advanced: Path, upside: Path):
    assert cli(upside).returncode == 0
    r = cli(upside, "--fail-on", "warning")
    assert r.returncode == 1 and "fail-on warning: FAILED (3 warnings)" in r.stdout
    r = cli(advanced, "--fail-on", "warning")
    assert r.returncode == 0 and "fail-on warning: passed (0 warnings)" in r.stdout
    r = cli(upside, "--fail-on", "warning", "--format", "json")
    assert json.loads(r.stdout)["status"] == "failed"


def test_a_valid_draft_is_evaluated(tmp_path: Path):
    draft = write(tmp_path, "draft.yaml", minimal())
    r = cli(draft)
    assert r.returncode == 0
    assert "Advanced APM                undetermined" in r.stdout
    assert "needs element_1.authority" in r.stdout
    assert "note: no metadata.performance_year given" in r.stdout


def test_an_invalid_file_is_not_evaluated_and_its_problems_are_located(tmp_path: Path):
    data = complete()
    data["element_1"]["financial_risk"]["percent_at_risk"] = 120
    bad = write(tmp_path, "bad.yaml", data)
    r = cli(bad)
    assert r.returncode == 1
    line = line_of(bad, "percent_at_risk: 120")
    assert f"{bad}:{line}:" in r.stdout and "120 is above the maximum 100 [maximum]" in r.stdout
    assert "findings" not in r.stdout
    doc = json.loads(cli(bad, "--format", "json").stdout)
    assert doc["status"] == "invalid" and doc["files"][0]["evaluation"] is None


def test_unreadable_and_broken_files(tmp_path: Path, advanced: Path):
    r = cli(advanced, tmp_path / "missing.yaml")
    assert r.returncode == 2 and "missing.yaml: error: no such file or folder [unreadable]" in r.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text("metadata:\n  title: [unclosed\n", encoding="utf-8")
    r = cli(broken)
    assert r.returncode == 1 and f"{broken}:" in r.stdout and "[yaml-syntax]" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_bad_arguments_are_usage_errors(advanced: Path):
    r = cli(advanced, "--expect", "lan")
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_evaluate_never_imports_textual_or_jinja2(advanced: Path):
    code = ("import sys\nfrom apm_designer.cli import main\n"
            f"rc = main(['evaluate', {str(advanced)!r}, '--format', 'json'])\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'jinja2'))\n"
            "print('HEAVY', heavy, rc, file=sys.stderr)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "HEAVY [] 0" in r.stderr, r.stderr


# Each example evaluates to the classification it was written for (the oncology one intends Advanced APM but
# requires CEHRT of only 60% of clinicians: the evaluator must say no, and warn that the intent is not met).
EXAMPLE_VERDICTS = {
    "two-sided-aco.yaml": {"apm": "yes", "advanced_apm": "yes", "pfpm": "yes", "lan": "3B"},
    "upside-only-shared-savings.yaml": {"apm": "yes", "advanced_apm": "no", "pfpm": "yes", "lan": "3A"},
    "oncology-episode-pfpm.yaml": {"apm": "yes", "advanced_apm": "no", "pfpm": "yes", "lan": "4A"},
    "small-practice-medical-home.yaml": {"apm": "yes", "advanced_apm": "yes", "pfpm": "yes", "lan": "3B"},
    "draft-rural-telehealth.yaml": {"apm": "yes", "advanced_apm": "undetermined", "pfpm": "undetermined",
                                    "lan": "undetermined"},
}


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="no example proposals")
def test_examples_evaluate_to_what_they_were_written_for():
    r = cli(EXAMPLES, "--format", "json")
    files = {Path(f["path"]).name: f for f in json.loads(r.stdout)["files"]}
    assert set(EXAMPLE_VERDICTS) <= set(files)
    for name, expected in EXAMPLE_VERDICTS.items():
        verdicts = files[name]["evaluation"]["verdicts"]
        got = {label: (verdicts[label]["category"] or verdicts[label]["value"]) if label == "lan"
               else verdicts[label]["value"] for label in expected}
        assert got == expected, name
    onc = files["oncology-episode-pfpm.yaml"]
    assert [w["code"] for w in onc["warnings"]] == ["CON-INTENDED-TYPES"]
    # what CI would run: each complete example held to the classifications it claims
    assert cli(EXAMPLES / "two-sided-aco.yaml", "--expect", "advanced-apm", "--expect", "pfpm",
               "--fail-on", "warning").returncode == 0
    assert cli(EXAMPLES / "oncology-episode-pfpm.yaml", "--expect", "advanced-apm").returncode == 1
