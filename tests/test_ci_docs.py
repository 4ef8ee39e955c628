"""docs/ci.md: its GitHub workflow, GitLab job and pre-commit config parse, and their commands really work.

The YAML blocks are taken from the Markdown as a Markdown parser sees them. Every `apm-designer` command in them
must be accepted by the real argument parser, and the workflow's and the job's shell steps are run, as written,
in a temporary repository of example proposals: they pass when every proposal is an Advanced APM and fail at the
gate when one is not, making the rendered proposals and the JSON evaluation either way.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from markdown_it import MarkdownIt

from apm_designer.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "ci.md"
EXAMPLES = ROOT / "proposals" / "examples"


def yaml_blocks() -> list[Any]:
    tokens = MarkdownIt().parse(DOC.read_text(encoding="utf-8"))
    return [yaml.safe_load(t.content) for t in tokens if t.type == "fence" and t.info.strip() == "yaml"]


def block(kind: str) -> dict[str, Any]:
    """The GitHub workflow of checks (`proposals`), the one that comments on a pull request's changes
    (`proposal changes`), the GitLab job (has a job with `script`) or the pre-commit config."""
    for b in yaml_blocks():
        if kind == "github" and "jobs" in b and b["name"] == "proposals":
            return b
        if kind == "github-changes" and "jobs" in b and b["name"] == "proposal changes":
            return b
        if kind == "gitlab" and any(isinstance(v, dict) and "script" in v for v in b.values()):
            return next(v for v in b.values() if isinstance(v, dict) and "script" in v)
        if kind == "pre-commit" and "repos" in b:
            return b
    raise AssertionError(f"docs/ci.md has no {kind} YAML block")


def github_steps(kind: str = "github") -> list[dict[str, Any]]:
    (job,) = block(kind)["jobs"].values()
    return job["steps"]


def shell_scripts() -> dict[str, list[str]]:
    """The shell each CI runs, beyond installing: GitHub's `run:` steps, GitLab's script and after_script."""
    github = [s["run"] for s in github_steps() if "run" in s and "pip install" not in s["run"]]
    changes = [s["run"] for s in github_steps("github-changes") if "run" in s and "pip install" not in s["run"]]
    gitlab = block("gitlab")
    return {"github": github, "github-changes": changes,
            "gitlab": ["\n".join(gitlab["script"]), "\n".join(gitlab["after_script"])]}


def apm_commands() -> list[list[str]]:
    """Every `apm-designer ...` command line in the YAML blocks, as argv without its output redirection (and the
    `||` that may end it)."""
    found = []
    for scripts in shell_scripts().values():
        for line in "\n".join(scripts).splitlines():
            words = shlex.split(line.strip().removesuffix("||"))
            if words and words[0] == "apm-designer":
                redirect = next((i for i, w in enumerate(words) if w in (">", ">>")), len(words))
                found.append(words[1:redirect])
    return found


def test_every_yaml_block_parses_and_each_ci_is_there():
    assert len(yaml_blocks()) == 4
    for kind in ("github", "github-changes"):
        workflow = block(kind)
        assert workflow.get("on", workflow.get(True))  # PyYAML reads the bare key `on` as YAML 1.1's true
    assert {"validate", "evaluate", "render", "diff"} <= {c[0] for c in apm_commands()}


def test_every_command_is_accepted_by_the_cli_parser():
    parser = build_parser()
    for argv in apm_commands():
        args = parser.parse_args(argv)  # raises SystemExit(2) on anything the CLI does not accept
        assert args.command == argv[0]


def test_the_gates_are_there():
    gated = [c for c in apm_commands() if c[0] == "evaluate" and "--expect" in c]
    assert len(gated) == 2 and all(c[c.index("--expect") + 1] == "advanced-apm" for c in gated)
    assert ["validate", "--format", "github", "proposals"] in apm_commands()


def test_the_artifacts_are_what_the_render_step_writes():
    upload = next(s for s in github_steps() if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "rendered/"
    assert block("gitlab")["artifacts"] == {"when": "always", "paths": ["rendered/"]}


def test_the_pre_commit_config_names_real_hooks_with_arguments_the_cli_accepts():
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    (repo,) = block("pre-commit")["repos"]
    for used in repo["hooks"]:
        entry = hooks[used["id"]]["entry"].split()
        assert entry[0] == "apm-designer"
        build_parser().parse_args([*entry[1:], *used.get("args", []), "proposals/lakeshore.yaml"])


def advanced_examples() -> list[Path]:
    done = subprocess.run([sys.executable, "-m", "apm_designer", "evaluate", "--format", "json", str(EXAMPLES)],
                          capture_output=True, text=True, timeout=120)
    files = json.loads(done.stdout)["files"]
    return [Path(f["path"]) for f in files if f["evaluation"]["verdicts"]["advanced_apm"]["value"] == "yes"]


def ci_repo(tmp_path: Path, proposals: list[Path]) -> Path:
    repo = tmp_path / "repo"
    (repo / "proposals").mkdir(parents=True)
    for p in proposals:
        shutil.copy(p, repo / "proposals" / p.name)
    return repo


def run_script(script: str, repo: Path) -> subprocess.CompletedProcess[str]:
    """A step's shell as CI runs it (bash, stopping at the first failing command), with apm-designer on PATH."""
    env = {**os.environ, "CI": "true", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=300)


def check_artifacts(repo: Path, proposals: list[Path]) -> None:
    assert sorted(p.name for p in (repo / "rendered").glob("*.md")) == sorted(p.stem + ".md" for p in proposals)
    report = json.loads((repo / "rendered" / "evaluation.json").read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "schemas" / "evaluate-output.schema.json").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(report)) == []


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_the_steps_pass_on_advanced_apm_proposals(tmp_path, ci):
    proposals = advanced_examples()
    assert len(proposals) >= 2
    repo = ci_repo(tmp_path, proposals)
    for script in shell_scripts()[ci]:
        done = run_script(script, repo)
        assert done.returncode == 0, f"{script}\n{done.stdout}{done.stderr}"
    check_artifacts(repo, proposals)


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_the_gate_fails_on_a_proposal_that_is_not_an_advanced_apm(tmp_path, ci):
    proposals = [*advanced_examples(), EXAMPLES / "upside-only-shared-savings.yaml"]
    repo = ci_repo(tmp_path, proposals)
    results = {script: run_script(script, repo) for script in shell_scripts()[ci]}
    failed = [s for s, done in results.items() if done.returncode != 0]
    if ci == "github":  # the Evaluate step fails, with an annotation on the answer that decided it
        assert failed == ["apm-designer evaluate --format github --expect advanced-apm proposals"]
        assert "::error file=proposals/upside-only-shared-savings.yaml,line=" in results[failed[0]].stdout
    else:  # the job's script fails (validate passed first); after_script still makes the artifacts
        assert failed == ["\n".join(block("gitlab")["script"])]
        assert "expect advanced-apm: FAILED" in results[failed[0]].stdout
    check_artifacts(repo, proposals)


def test_a_hostile_proposal_in_the_pull_request_forges_nothing_in_the_workflow_log(tmp_path):
    """Every step of the GitHub workflow, on a pull request that adds a proposal written to forge annotations and
    switch workflow commands off: the log holds the workflow's own annotations only, and no control character."""
    from test_hostile_output import FILE_NAMES, assert_inert, hostile_tree

    repo = ci_repo(tmp_path, advanced_examples())
    files = [str(Path(f).relative_to(repo)) for f in hostile_tree(repo / "proposals")]
    assert len(files) == len(FILE_NAMES)
    log = ""
    for script in shell_scripts()["github"]:
        done = run_script(script, repo)
        log += done.stdout + done.stderr
    assert "forged" in log  # the hostile text is shown, made inert
    proposals = [str(p.relative_to(repo)) for p in (repo / "proposals").iterdir()]
    assert_inert(log, proposals, annotations=True)


def test_the_workflow_gives_a_pull_request_no_more_than_reading():
    workflow = block("github")
    assert workflow["permissions"] == {"contents": "read"}
    checkout = next(s for s in github_steps() if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["persist-credentials"] is False


def test_the_readme_and_the_docs_pass_the_markdown_linter() -> None:
    """What people read on GitHub lints as clean as the rendered proposals do (the project's .pymarkdown)."""
    from test_render_hostile import lint

    lint(ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))


def changes_repo(tmp_path: Path) -> tuple[Path, str]:
    """A repository whose base commit holds three examples; a pull request's commit lowers one's CEHRT share below
    75%, renames another's organisation, leaves the third alone and adds a new proposal. Returns it and the base
    commit."""
    repo = ci_repo(tmp_path, [EXAMPLES / "two-sided-aco.yaml", EXAMPLES / "small-practice-medical-home.yaml",
                              EXAMPLES / "upside-only-shared-savings.yaml"])
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "T",
           "GIT_COMMITTER_EMAIL": "t@example.org"}

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "base")
    git("update-ref", "refs/remotes/origin/main", "HEAD")  # as actions/checkout leaves the base branch
    base = "origin/main"
    aco = repo / "proposals" / "two-sided-aco.yaml"
    aco.write_text(aco.read_text(encoding="utf-8").replace("share_of_clinicians: 80", "share_of_clinicians: 70", 1),
                   encoding="utf-8")
    home = repo / "proposals" / "small-practice-medical-home.yaml"
    home.write_text(home.read_text(encoding="utf-8").replace("  organisation: ", "  organisation: The ", 1),
                    encoding="utf-8")
    shutil.copy(EXAMPLES / "oncology-episode-pfpm.yaml", repo / "proposals" / "new.yaml")
    git("add", ".")
    git("commit", "-qm", "the pull request")
    return repo, base


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed: the workflow compares with it")
def test_the_comparison_step_comments_on_each_modified_proposal_in_words(tmp_path):
    """The workflow's comparison step, run as written: a section for each modified proposal (not the new one, not
    the untouched one), in a reviewer's words, lint clean; it goes to the run's summary too."""
    repo, base = changes_repo(tmp_path)
    compare, post = shell_scripts()["github-changes"]
    summary = tmp_path / "summary.md"
    env = {"BASE": base, "GITHUB_STEP_SUMMARY": str(summary)}  # BASE: origin/${{ github.base_ref }}
    done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", compare], cwd=repo, text=True, capture_output=True,
                          timeout=300, env={**os.environ, **env,
                                            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"})
    assert done.returncode == 0, done.stdout + done.stderr
    comment = (repo / "changes.md").read_text(encoding="utf-8")
    assert comment.startswith("# Proposal changes\n\n## What changed in ")
    assert comment.count("\n## What changed in ") == 2 and "Community Oncology" not in comment
    assert "\n## What changed in Tri-County Accountable Care Partnership" in comment
    assert "\n### Verdicts that changed\n" in comment
    assert "**No verdict changed.**" in comment and "- **Overview · Proposing organisation**: " in comment
    assert "From origin/main:proposals/two-sided-aco.yaml to proposals/two-sided-aco.yaml." in comment
    assert "**Verdicts changed:** Advanced APM: Yes → No." in comment
    assert "- **Element 1 · Share of clinicians required to use CEHRT**: 80% → 70%" in comment
    assert summary.read_text(encoding="utf-8") == comment
    from test_render_hostile import lint

    lint(repo / "changes.md")
    assert 'gh pr comment "$PR" --body-file changes.md' in post and post.startswith("if [ -s changes.md ]")
    # a pull request that modifies no proposal: nothing to post, and the step passes without calling gh
    (repo / "changes.md").write_text("", encoding="utf-8")
    bash = shutil.which("bash") or "bash"
    quiet = subprocess.run([bash, "-e", "-o", "pipefail", "-c", post], cwd=repo, text=True, capture_output=True,
                           timeout=60, env={"PATH": "/nonexistent", "PR": "1"})
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    permissions = block("github-changes")["permissions"]
    assert permissions == {"contents": "read", "pull-requests": "write"}  # no more than commenting needs
    checkout = next(s for s in github_steps("github-changes") if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"] == {"fetch-depth": 0, "persist-credentials": False}  # the base commit is there to read
