"""`apm-designer diff OLD NEW`, run for real in a subprocess on real revisions of the examples, committed to a git
repository made for each test: a CEHRT share lowered across the threshold, a line of business added, a quality
measure removed; every side spelling (file, `-`, REV:PATH) and every format, each held to what its reader needs:
CI's paths and codes located in the file, a reviewer's words (lint-clean Markdown), and JSON to its schema."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "proposals" / "examples" / "two-sided-aco.yaml"
PROPOSAL = "proposals/p.yaml"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed: diff reads REV:PATH with it")


def cli(*args: str | Path, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "apm_designer", "diff", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, input=stdin, timeout=120)


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose first commit holds the largest example, as proposals/p.yaml."""
    (tmp_path / "proposals").mkdir()
    shutil.copyfile(EXAMPLE, tmp_path / PROPOSAL)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "first version")
    return tmp_path


def revise(repo: Path, change, message: str) -> None:
    """Change the proposal's answers (a function of them) and commit the result."""
    path = repo / PROPOSAL
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    git(repo, "commit", "-qam", message)


def lower_cehrt(data) -> None:
    data["element_1"]["cehrt"]["share_of_clinicians"] = 70  # below the 75% of 42 CFR 414.1415(a)(1)(i)


def add_medicaid(data) -> None:
    data["payment"]["lines_of_business"].append({
        "line_of_business": "medicaid", "total_dollars": 200_000_000,
        "arrangements": [{"type": "shared_risk", "dollars": 150_000_000}],
        "other_payer": {"same_as_medicare": True, "marginal_risk_rate": 60, "minimum_loss_rate": 2}})


def remove_second_measure(data) -> None:
    del data["element_6"]["measures"][1]


def schema() -> Draft202012Validator:
    loaded = json.loads((ROOT / "schemas" / "diff-output.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(loaded)
    return Draft202012Validator(loaded)


def as_json(done: subprocess.CompletedProcess[str]) -> dict:
    out = json.loads(done.stdout)
    assert not list(schema().iter_errors(out))
    return out


# ---------------------------------------------------------------------------------------------- real revisions


def test_a_cehrt_share_lowered_across_the_threshold_flips_advanced_apm_and_fails_the_gate(repo):
    revise(repo, lower_cehrt, "CEHRT share 70%")
    done = cli("HEAD~1:" + PROPOSAL, "HEAD:" + PROPOSAL, "--fail-on", "verdict-change", cwd=repo)
    assert done.returncode == 1, done.stderr
    line = next(n for n, text in enumerate((repo / PROPOSAL).read_text().splitlines(), 1)
                if "share_of_clinicians" in text)
    assert f"HEAD:{PROPOSAL}:{line}:5: changed element_1.cehrt.share_of_clinicians: 80 -> 70" in done.stdout
    assert "    advanced_apm: yes -> no" in done.stdout
    assert "[met -> not_met] AAPM-CEHRT: Requires enough clinicians to use certified EHR technology [42" in done.stdout
    assert done.stdout.splitlines()[-1] == "1 answer changed; 1 verdict changed: Advanced APM"
    # without the gate, a change is no failure
    assert cli("HEAD~1:" + PROPOSAL, "HEAD:" + PROPOSAL, cwd=repo).returncode == 0

    out = as_json(cli("HEAD~1:" + PROPOSAL, PROPOSAL, "--format", "json", cwd=repo))
    assert out["verdict_changed"] is True
    assert out["answers"] == [{"path": "element_1.cehrt.share_of_clinicians", "change": "changed", "old": 80,
                               "new": 70, "old_path": None, "words": []}]
    [verdict] = out["verdicts"]
    assert (verdict["label"], verdict["old"], verdict["new"]) == ("advanced_apm", "yes", "no")
    assert [(f["rule_id"], f["old"], f["new"]) for f in verdict["findings"]] == [("AAPM-CEHRT", "met", "not_met")]


def test_the_markdown_is_a_reviewers_page_in_words_and_lints_clean(repo, tmp_path):
    revise(repo, lower_cehrt, "CEHRT share 70%")
    done = cli("HEAD~1:" + PROPOSAL, PROPOSAL, "--format", "markdown", cwd=repo)
    assert done.returncode == 0, done.stderr
    md = done.stdout
    assert md.startswith("# What changed in Tri-County Accountable Care Partnership")
    assert "**Verdicts changed:** Advanced APM: Yes → No." in md
    assert "- **Element 1 · Share of clinicians required to use CEHRT**: 80% → 70%" in md
    assert "Requires enough clinicians to use certified EHR technology (42 CFR 414.1415(a)(1)): Met → Not met." in md
    words = md.replace(f"HEAD~1:{PROPOSAL}", "").replace(PROPOSAL, "")
    assert not re.search(r"\b(element_\d|lines_of_business|share_of_clinicians|not_met)\b", words), words
    page = tmp_path / "comment.md"
    page.write_text(md, encoding="utf-8")
    lint = subprocess.run([sys.executable, "-m", "pymarkdown", "--config", str(ROOT / ".pymarkdown"), "scan",
                           str(page)], capture_output=True, text=True, timeout=300)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_a_line_of_business_added_is_a_verdict_change_with_its_metrics(repo):
    revise(repo, add_medicaid, "a Medicaid line")
    out = as_json(cli("HEAD~1:" + PROPOSAL, "HEAD:" + PROPOSAL, "--format", "json", cwd=repo))
    [added] = out["answers"]
    assert (added["path"], added["change"], added["new"]["line_of_business"]) == (
        "payment.lines_of_business[3]", "added", "medicaid")
    [verdict] = out["verdicts"]
    assert (verdict["label"], verdict["line"], verdict["old"], verdict["new"]) == (
        "other_payer_advanced_apm", "payment.lines_of_business[3]", None, "yes")
    moved = {(m["line_of_business"], m["key"]): m for m in out["metrics"]}
    assert moved[("medicaid", "shared_risk")]["new_dollars"] == 150_000_000
    assert moved[("medicaid", "shared_risk")]["new_share_percent"] == 75
    assert moved[("all", "total")]["old_dollars"] + 200_000_000 == moved[("all", "total")]["new_dollars"]
    assert ("medicaid", "pay_for_performance") not in moved  # a new line shows only the metrics it has dollars in

    md = cli("HEAD~1:" + PROPOSAL, "HEAD:" + PROPOSAL, "--format", "markdown", cwd=repo).stdout
    assert "Other Payer Advanced APM (Medicaid): no such line of business → Yes" in md
    assert "- **Payment · Line of business 4** added: Line of business: Medicaid; " in md
    assert "| Medicaid | 7. Shared risk (3B) | — | $150,000,000 (75.0%) |" in md


def test_a_measure_removed_is_one_entry_removed_not_every_later_one_changed(repo):
    measures = yaml.safe_load((repo / PROPOSAL).read_text())["element_6"]["measures"]
    assert len(measures) >= 3
    revise(repo, remove_second_measure, "one measure fewer")
    done = cli("HEAD~1:" + PROPOSAL, "HEAD:" + PROPOSAL, cwd=repo)
    assert done.returncode == 0, done.stderr
    changes = [line for line in done.stdout.splitlines() if re.match(r"    \S+:\d+:\d+: ", line)]
    assert len(changes) == 1 and f"HEAD~1:{PROPOSAL}:" in changes[0]
    assert ": removed element_6.measures[1]: {" in changes[0] and measures[1]["name"] in changes[0]
    md = cli("HEAD~1:" + PROPOSAL, "HEAD:" + PROPOSAL, "--format", "markdown", cwd=repo).stdout
    assert f"- **Element 6 · Quality measure 2** removed (was: Measure: {measures[1]['name']}; " in md

    # the same measures in another order: nothing changed
    revise(repo, lambda d: d["element_6"]["measures"].reverse(), "measures reordered")
    done = cli("HEAD~1:" + PROPOSAL, "HEAD:" + PROPOSAL, "--format", "json", cwd=repo)
    assert json.loads(done.stdout)["answers"] == []


def test_a_long_text_changes_as_a_word_diff(repo):
    def reword(data) -> None:
        data["element_3"]["model_design"] = data["element_3"]["model_design"].replace(
            "Primary care groups", "Independent Primary care groups", 1) + "\n\nA closing sentence."

    revise(repo, reword, "reworded")
    done = cli("HEAD~1:" + PROPOSAL, "HEAD:" + PROPOSAL, cwd=repo)
    assert "changed element_3.model_design: {+Independent+} Primary care groups" in done.stdout
    assert done.stdout.split("model_design: ")[1].splitlines()[0].endswith(" {+A closing sentence.+}")
    md = cli("HEAD~1:" + PROPOSAL, "HEAD:" + PROPOSAL, "--format", "markdown", cwd=repo).stdout
    assert "- **Element 3 · Model design**: **Independent** Primary care groups already coordinate most … " in md
    assert md.rstrip().endswith("**A closing sentence.**")


# ------------------------------------------------------------------------------------------------- the sides


def test_the_same_proposal_twice_is_nothing_changed(repo):
    done = cli(PROPOSAL, "HEAD:" + PROPOSAL, "--fail-on", "verdict-change", cwd=repo)
    assert done.returncode == 0 and done.stdout.splitlines()[-1] == "0 answers changed; 0 verdicts changed"
    md = cli(PROPOSAL, PROPOSAL, "--format", "markdown", cwd=repo).stdout
    assert md.endswith("Nothing changed: the same answers, the same verdicts.\n")


def test_either_side_may_be_standard_input(repo):
    revise(repo, lower_cehrt, "CEHRT share 70%")
    new = (repo / PROPOSAL).read_text()
    done = cli("HEAD~1:" + PROPOSAL, "-", cwd=repo, stdin=new)
    assert done.returncode == 0, done.stderr
    assert "<stdin>:" in done.stdout and "advanced_apm: yes -> no" in done.stdout
    both = cli("-", "-", cwd=repo, stdin=new)
    assert (both.returncode, both.stdout) == (2, "")
    assert both.stderr == "apm-designer diff: error: only one of OLD and NEW can be - (standard input)\n"


@pytest.mark.parametrize(("old", "said"), [
    ("HEAD~5:" + PROPOSAL, "git cannot read it: "),
    ("HEAD:proposals/none.yaml", "git cannot read it: "),
    ("none.yaml", "no such file or folder"),
])
def test_a_version_that_cannot_be_read_is_one_line_and_exit_2(repo, old, said):
    done = cli(old, PROPOSAL, cwd=repo)
    assert done.returncode == 2 and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"{old}: error: {said}") and line.endswith(" [unreadable]")


def test_a_version_that_is_not_a_valid_proposal_is_located_and_exit_1(repo):
    (repo / "bad.yaml").write_text("metadata:\n  title: A title\n  status: draft\nelement_1:\n  authority: nonsense\n")
    done = cli(PROPOSAL, "bad.yaml", cwd=repo)
    assert done.returncode == 1 and done.stdout == ""
    assert re.search(r"^bad\.yaml:5:14: error: .*\[enum\]$", done.stderr, re.M), done.stderr
    assert "Traceback" not in done.stderr


def test_a_hostile_proposal_forges_nothing_in_any_format(repo):
    def hostile(data) -> None:
        data["metadata"]["title"] = "Title\n::error file=x::forged\x1b[2J"
        data["element_3"]["model_design"] += "\n::stop-commands::token ##[error]forged <b>x</b> [a](http://x)"

    revise(repo, hostile, "hostile")
    for fmt in ("text", "markdown", "json"):
        done = cli("HEAD~1:" + PROPOSAL, "HEAD:" + PROPOSAL, "--format", fmt, cwd=repo)
        assert done.returncode == 0, done.stderr
        assert "\x1b" not in done.stdout and "##[" not in done.stdout
        assert not any(line.lstrip().startswith("::") for line in done.stdout.splitlines()), fmt
    md = cli("HEAD~1:" + PROPOSAL, "HEAD:" + PROPOSAL, "--format", "markdown", cwd=repo).stdout
    assert "<b>" not in md and "&lt;b&gt;x&lt;/b&gt; \\[a\\](http\\://x)" in md  # shown as typed, no HTML, no link
    out = json.loads(cli("HEAD~1:" + PROPOSAL, "HEAD:" + PROPOSAL, "--format", "json", cwd=repo).stdout)
    title = next(a for a in out["answers"] if a["path"] == "metadata.title")
    assert title["new"] == "Title\n::error file=x::forged\x1b[2J"  # JSON keeps the value exactly


def test_the_readme_shows_what_diff_prints(tmp_path):
    """The README's example, run as it says (the example committed, its CEHRT share lowered in the work tree) in a
    repository holding the example at the same path: its output is the README's, line for line."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```console\n$ apm-designer diff --fail-on verdict-change ", 1)[1].split("\n```", 1)[0]
    sessions = re.split(r"^\$ ", "$ apm-designer diff --fail-on verdict-change " + block, flags=re.M)[1:]
    target = tmp_path / "proposals" / "examples" / "two-sided-aco.yaml"
    target.parent.mkdir(parents=True)
    shutil.copyfile(EXAMPLE, target)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "the example")
    target.write_text(target.read_text(encoding="utf-8").replace("share_of_clinicians: 80", "share_of_clinicians: 70",
                                                                 1), encoding="utf-8")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    code = None
    for session in sessions:
        command, _, shown = session.partition("\n")
        if command == "echo $?":
            assert shown.rstrip("\n") == str(code), shown
            continue
        done = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=120)
        code = done.returncode
        assert done.stdout.rstrip("\n") == shown.rstrip("\n"), command
    assert code is not None


@pytest.mark.parametrize("total", ["1.0e-20", "9.99e+12"])
def test_a_tiny_or_huge_total_is_compared_not_a_crash(repo, total):
    """A share of a total of 1e-20 dollars needs more digits than the default 28 of Decimal to round."""
    revise(repo, lambda d: d["payment"]["lines_of_business"][0].update(total_dollars=float(total)), "total")
    done = cli("HEAD~1:" + PROPOSAL, "HEAD:" + PROPOSAL, "--format", "json", cwd=repo)
    assert done.returncode == 0, done.stderr
    moved = {(m["line_of_business"], m["key"]) for m in as_json(done)["metrics"]}
    assert ("traditional_medicare", "total") in moved


def test_a_line_changed_to_another_kind_leaves_the_other_lines_paired_with_themselves(repo):
    """Traditional Medicare changed to Medicaid, beside an existing Medicaid line: that is one Medicaid line added
    (and judged), not the existing Medicaid line's verdict changed and another one added."""
    def medicare_to_medicaid(data) -> None:
        data["payment"]["lines_of_business"][0]["line_of_business"] = "medicaid"

    (repo / PROPOSAL).write_bytes((ROOT / "proposals" / "examples" / "small-practice-medical-home.yaml").read_bytes())
    git(repo, "commit", "-qam", "the medical home example")
    revise(repo, medicare_to_medicaid, "line 1 is Medicaid")
    out = as_json(cli("HEAD~1:" + PROPOSAL, "HEAD:" + PROPOSAL, "--format", "json", cwd=repo))
    lines = [(v["line"], v["old"], v["new"]) for v in out["verdicts"] if v["label"] == "other_payer_advanced_apm"]
    assert lines == [("payment.lines_of_business[0]", None, "undetermined")]
    moved = {m["line"] for m in out["metrics"] if m["line_of_business"] != "all"}
    assert moved == {"payment.lines_of_business[0]"}  # Medicare's metrics gone, the new Medicaid line's come
