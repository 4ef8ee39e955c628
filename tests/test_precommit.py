"""This repository as a pre-commit hook repository, used the way another repository of proposals uses it.

`pre-commit try-repo` installs the hooks from this checkout (its HEAD, plus tracked changes not yet committed)
into an environment of its own, with pip from PyPI, then runs them in a temporary git repository of proposals.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
GOOD = "metadata:\n  title: Lakeshore Total Care\n  status: draft\n"
BAD = "metadata:\n  title: 3\n  status: draft\n"


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    """One store for the module: where this checkout is committed and clean (CI), the hook env is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", *args], cwd=repo,
                   check=True, capture_output=True)


def proposals_repo(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir()
    git(folder, "init", "-q")
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    git(folder, "add", "-f", ".")  # -f: a committed draft must still be skipped by the hooks' own pattern
    git(folder, "commit", "-q", "-m", "proposals")
    return folder


def try_repo(repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home)}
    env.pop("PRE_COMMIT", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "--all-files", "--color",
                           "never"], cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def hook_results(output: str) -> dict[str, str]:
    """{hook name: Passed | Failed | (no files to check)Skipped} from pre-commit's summary lines."""
    return {m[1]: m[2] for m in re.finditer(r"^(\w[\w ]*?)\.{3,}(Passed|Failed|\(no files to check\)Skipped)$",
                                            output, re.MULTILINE)}


OTHER_FILES = {
    "other.yaml": "not: [a proposal\n",  # YAML outside proposals/: not the hooks' business
    ".github/workflows/ci.yml": "on: push\n",
    "proposals/.lakeshore.yaml.apm-draft.yaml": "# apm-designer draft of: lakeshore.yaml\nmetadata:\n  title: 3\n",
}


def test_a_bad_proposal_fails_both_hooks_and_is_named(tmp_path, pre_commit_home):
    repo = proposals_repo(tmp_path / "repo", {"proposals/lakeshore.yaml": GOOD, "docs/proposals/bad.yml": BAD,
                                              **OTHER_FILES})
    done = try_repo(repo, pre_commit_home)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert hook_results(output) == {"validate APM proposals": "Failed", "evaluate APM proposals": "Failed"}
    assert "docs/proposals/bad.yml:2:10: error: metadata.title: expected text, got the number 3 [type]" in output
    assert "checked 2 files: 1 valid, 1 invalid (1 problem)" in output  # the two proposals, nothing else
    assert "other.yaml" not in output and "apm-draft" not in output and "ci.yml" not in output


def test_good_proposals_pass_both_hooks(tmp_path, pre_commit_home):
    repo = proposals_repo(tmp_path / "repo", {"proposals/lakeshore.yaml": GOOD,
                                              "proposals/examples/second.yaml": GOOD, **OTHER_FILES})
    done = try_repo(repo, pre_commit_home)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert hook_results(output) == {"validate APM proposals": "Passed", "evaluate APM proposals": "Passed"}


@pytest.mark.parametrize(("path", "checked"), [
    ("proposals/lakeshore.yaml", True),
    ("proposals/examples/two-sided-aco.yml", True),
    ("docs/proposals/x.yaml", True),
    ("proposals/.lakeshore.yaml.apm-draft.yaml", False),
    ("proposals/notes.md", False),
    ("other.yaml", False),
    (".github/workflows/ci.yml", False),
    ("myproposals/x.yaml", False),
])
def test_which_files_the_hooks_look_at(path, checked):
    """pre-commit's own rule: `files` and `exclude` are Python regexes searched in the repository-relative path."""
    for hook in HOOKS:
        assert bool(re.search(hook["files"], path) and not re.search(hook["exclude"], path)) is checked, hook["id"]

