"""`apm-designer validate` through the real CLI, in a subprocess: every bad input is one located line, no traceback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VALID = "metadata:\n  title: A draft\n  status: draft\n"
PROBLEM_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): error: (?P<message>.+) \[(?P<code>[\w-]+)\]$")


def cli(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    # The timeout only stops a hang from stalling the suite; speed is measured in bench/, not here.
    return subprocess.run([sys.executable, "-m", "apm_designer", "validate", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def alias_bomb() -> bytes:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        name, prev = chr(ord("a") + i), chr(ord("a") + i - 1)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


BAD_INPUTS = {
    # name: (content, line, col, code, words the message must contain)
    "invalid-yaml": (b"metadata:\n  title: a\n status: b\n", 3, 2, "yaml-syntax", "invalid YAML"),
    "unclosed-flow": (b"metadata:\n  title: [unclosed\n", 3, 1, "yaml-syntax", "did not find expected ',' or ']'"),
    "two-documents": (b"metadata: {}\n---\nmetadata: {}\n", 2, 1, "yaml-syntax", "single document"),
    "duplicate-key": (b"metadata:\n  title: A\n  status: draft\n  title: B\n", 4, 3, "duplicate-key",
                      "duplicate key 'title' (first given on line 2)"),
    "anchor-alias": (b"metadata: &m\n  title: A\n  status: draft\nelement_1: *m\n", 1, 11, "alias",
                     "anchors and aliases are not allowed"),
    "alias-bomb": (alias_bomb(), 1, 4, "alias", "anchor &a"),
    "python-tag": (b"metadata:\n  title: !!python/object/apply:os.system [echo hi]\n", 2, 10, "tag",
                   "!!python/object/apply:os.system is not allowed"),
    "local-tag": (b"metadata:\n  title: !secret x\n", 2, 10, "tag", "!secret"),
    "list-at-top": (b"- metadata\n- element_1\n", 1, 1, "not-mapping", "must be a mapping"),
    "text-at-top": (b"just a sentence\n", 1, 1, "not-mapping", "must be a mapping"),
    "empty-file": (b"", 1, 1, "empty", "file is empty"),
    "only-comments": (b"# yaml-language-server: $schema=x.json\n\n# nothing else\n", 1, 1, "empty", "file is empty"),
    "latin-1": ("metadata:\n  title: Soins coordonnés\n".encode("latin-1"), 2, 24, "encoding",
                "byte 0xe9 is not valid UTF-8"),
    "utf-16": ("metadata:\n  title: A\n".encode("utf-16"), 1, 1, "encoding", "not valid UTF-8"),
    "too-deep": ("".join("  " * i + f"k{i}:\n" for i in range(30)).encode() + b"  " * 30 + b"x\n", 25, 49,
                 "too-deep", "nesting is deeper than 24 levels"),
    "bracket-tower": (b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n", 1, 28, "too-deep", "deeper than 24"),
    "number-key": (b"metadata:\n  2025: year\n", 2, 3, "key-type", "must be text"),
    "infinity": (b"element_4:\n  beneficiaries: -.inf\n", 2, 18, "number", "not a usable number"),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_each_bad_input_is_one_located_line_and_exit_1(tmp_path: Path, name: str) -> None:
    content, line, col, code, words = BAD_INPUTS[name]
    f = tmp_path / f"{name}.yaml"
    f.write_bytes(content)
    r = cli(f)
    assert r.returncode == 1
    assert r.stderr == ""  # no traceback, no noise
    problem, summary = r.stdout.splitlines()
    match = PROBLEM_LINE.match(problem)
    assert match, problem
    assert (match["path"], int(match["line"]), int(match["col"]), match["code"]) == (str(f), line, col, code)
    assert words in match["message"]
    assert summary == "checked 1 file: 0 valid, 1 invalid (1 problem)"


def test_a_50_mb_file_is_refused_by_its_size(tmp_path: Path) -> None:
    f = tmp_path / "huge.yaml"
    with f.open("wb") as out:
        out.write(b"metadata:\n  title: ")
        out.truncate(50 * 1024 * 1024)
    r = cli(f)
    assert (r.returncode, r.stderr) == (1, "")
    assert r.stdout.splitlines()[0] == (
        f"{f}:1:1: error: file is 52,428,800 bytes, over the 1,048,576-byte limit [too-large]")


def test_a_valid_file_passes_with_only_the_summary(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(VALID)
    r = cli("ok.yaml", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, "checked 1 file: 1 valid, 0 invalid (0 problems)\n", "")


def test_schema_problems_are_listed_one_per_line_at_their_answers(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(VALID + "element_4:\n  beneficiaries: -5\n  eligible_clinicians: lots\n")
    r = cli("p.yaml", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stdout.splitlines() == [
        "p.yaml:5:18: error: element_4.beneficiaries: -5 is below the minimum 0 [minimum]",
        "p.yaml:6:24: error: element_4.eligible_clinicians: expected a whole number, got text 'lots' [type]",
        "checked 1 file: 0 valid, 1 invalid (2 problems)",
    ]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A folder of proposals: valid, invalid and unparseable, nested, with files validate must skip."""
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    (tmp_path / "a-valid.yaml").write_text(VALID)
    (tmp_path / "b-broken.yaml").write_text("metadata:\n  title: A\n  title: B\n")
    (tmp_path / "sub" / "c-invalid.yml").write_text(VALID + "element_4:\n  beneficiaries: -1\n")
    (tmp_path / "sub" / "deeper" / "d-valid.yaml").write_text(VALID)
    (tmp_path / "sub" / "notes.txt").write_text("not: [a proposal")
    (tmp_path / "schema.json").write_text("{")
    (tmp_path / ".git" / "config.yaml").write_text("[[[")
    (tmp_path / ".hidden.yaml").write_text("- not a proposal\n")
    return tmp_path


def test_folders_are_searched_for_yaml_and_yml_and_every_file_is_reported(tree: Path) -> None:
    r = cli(tree.name, cwd=tree.parent)
    name = tree.name
    assert r.returncode == 1
    assert r.stdout.splitlines() == [
        f"{name}/b-broken.yaml:3:3: error: duplicate key 'title' (first given on line 2); give each answer once "
        "[duplicate-key]",
        f"{name}/sub/c-invalid.yml:5:18: error: element_4.beneficiaries: -1 is below the minimum 0 [minimum]",
        "checked 4 files: 2 valid, 2 invalid (2 problems)",
    ]


def test_files_and_folders_mix_and_an_unreadable_path_exits_2_after_reporting_the_rest(tree: Path) -> None:
    r = cli("missing.yaml", tree / "a-valid.yaml", tree / "sub", cwd=tree)
    assert r.returncode == 2
    assert r.stderr == ""
    assert r.stdout.splitlines() == [
        "missing.yaml: error: no such file or folder [unreadable]",
        f"{tree}/sub/c-invalid.yml:5:18: error: element_4.beneficiaries: -1 is below the minimum 0 [minimum]",
        "checked 4 files: 2 valid, 1 invalid (1 problem), 1 unreadable",
    ]


def test_only_valid_files_exit_0(tree: Path) -> None:
    r = cli(tree / "a-valid.yaml", tree / "sub" / "deeper")
    assert (r.returncode, r.stdout.splitlines()) == (0, ["checked 2 files: 2 valid, 0 invalid (0 problems)"])


def test_json_format(tree: Path) -> None:
    r = cli("--format", "json", tree.name, "gone.yml", cwd=tree.parent)
    assert r.returncode == 2
    report = json.loads(r.stdout)
    assert report["status"] == "error"
    assert report["summary"] == "checked 5 files: 2 valid, 2 invalid (2 problems), 1 unreadable"
    files = {Path(f["path"]).name: f for f in report["files"]}
    assert {name: f["status"] for name, f in files.items()} == {
        "a-valid.yaml": "valid", "b-broken.yaml": "invalid", "c-invalid.yml": "invalid", "d-valid.yaml": "valid",
        "gone.yml": "unreadable"}
    assert files["gone.yml"]["reason"] == "no such file or folder"
    assert files["b-broken.yaml"]["problems"] == [{
        "path": f"{tree.name}/b-broken.yaml", "line": 3, "col": 3, "severity": "error", "code": "duplicate-key",
        "message": "duplicate key 'title' (first given on line 2); give each answer once"}]
    assert files["c-invalid.yml"]["problems"][0]["message"] == "element_4.beneficiaries: -1 is below the minimum 0"
    ok = json.loads(cli("--format", "json", tree / "a-valid.yaml").stdout)
    assert (ok["status"], ok["files"][0]["problems"]) == ("ok", [])
    bad = cli("--format", "json", tree / "sub")
    assert (bad.returncode, json.loads(bad.stdout)["status"]) == (1, "invalid")


def test_github_format_writes_workflow_annotations(tree: Path) -> None:
    (tree / "sub" / "e, odd: name.yaml").write_text(VALID + "element_2:\n  care_delivery_changes: 100\n")
    r = cli("--format", "github", "sub", "nope.yaml", cwd=tree)
    assert r.returncode == 2
    assert r.stdout.splitlines() == [
        "::error file=sub/c-invalid.yml,line=5,col=18,title=minimum::element_4.beneficiaries: -1 is below the "
        "minimum 0",
        "::error file=sub/e%2C odd%3A name.yaml,line=5,col=26,title=type::element_2.care_delivery_changes: "
        "expected text, got the number 100",
        "::error file=nope.yaml,title=unreadable::no such file or folder",
        "checked 4 files: 1 valid, 2 invalid (2 problems), 1 unreadable",
    ]


def test_github_format_escapes_newlines_and_percent_in_messages(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(VALID + "element_9: x\n")
    (tmp_path / "q.yaml").write_text(VALID + "element_1:\n  authority: 50%\n")
    r = cli("--format", "github", "p.yaml", "q.yaml", cwd=tmp_path)
    lines = r.stdout.splitlines()
    assert lines[0].startswith("::error file=p.yaml,line=4,col=1,title=additionalProperties::element_9: unknown field")
    assert "'50%25' is not one of" in lines[1]
    missing = cli("--format", "github", "gone: 100%, really.yaml", cwd=tmp_path)
    assert missing.stdout.splitlines()[0] == (
        "::error file=gone%3A 100%25%2C really.yaml,title=unreadable::no such file or folder")


@pytest.mark.parametrize("args", [(), ("--format", "xml", "x.yaml"), ("--bogus", "x.yaml")])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    r = cli(*args)
    assert r.returncode == 2
    assert r.stdout == "" and "usage: apm-designer" in r.stderr
    assert "Traceback" not in r.stderr


def test_validate_never_imports_textual_or_jinja2(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(VALID)
    code = ("import sys\nfrom apm_designer.cli import main\nrc = main(['validate', sys.argv[1]])\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'jinja2'))\n"
            "print('HEAVY', heavy, rc, file=sys.stderr)\n")
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "p.yaml")], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert "HEAVY [] 0" in r.stderr, r.stderr


@pytest.mark.parametrize("command", ["validate", "evaluate", "metrics"])
def test_a_folder_with_no_proposals_fails_rather_than_checking_nothing(tmp_path: Path, command: str) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("not a proposal")
    r = subprocess.run([sys.executable, "-m", "apm_designer", command, "empty", "notes"], capture_output=True,
                       text=True, cwd=tmp_path, timeout=120)
    assert r.returncode == 2
    assert "empty: error: no *.yaml or *.yml proposal files in this folder [unreadable]" in r.stdout
    assert "notes: error: no *.yaml or *.yml proposal files in this folder [unreadable]" in r.stdout


def test_upper_case_extensions_are_proposals_too(tmp_path: Path) -> None:
    (tmp_path / "MINE.YAML").write_text(VALID + "element_4:\n  beneficiaries: -1\n")
    (tmp_path / "Other.Yml").write_text(VALID)
    r = cli(".", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stdout.splitlines() == [
        "MINE.YAML:5:18: error: element_4.beneficiaries: -1 is below the minimum 0 [minimum]",
        "checked 2 files: 1 valid, 1 invalid (1 problem)",
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder whatever its permissions")
def test_a_folder_that_cannot_be_read_is_an_error_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "bad.yaml").write_text("metadata: [\n")
    (tmp_path / "ok.yaml").write_text(VALID)
    (tmp_path / "locked").chmod(0)
    try:
        r = cli(".", cwd=tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert r.returncode == 2
    assert "locked: error: cannot search this folder: Permission denied [unreadable]" in r.stdout


def test_links_that_loop_are_reported_and_each_folder_is_searched_once(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "p.yaml").write_text(VALID)
    (tmp_path / "sub" / "back").symlink_to(tmp_path)  # a folder link back up: searched once, not forever
    (tmp_path / "loop").symlink_to(tmp_path / "loop")  # a link to itself
    (tmp_path / "x.yaml").symlink_to(tmp_path / "y.yaml")
    (tmp_path / "y.yaml").symlink_to(tmp_path / "x.yaml")
    r = cli(".", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout.splitlines() == [
        "loop: error: cannot read: a symbolic link that leads back to itself (a symlink loop) [unreadable]",
        "x.yaml: error: cannot read: a symbolic link that leads back to itself (a symlink loop) [unreadable]",
        "y.yaml: error: cannot read: a symbolic link that leads back to itself (a symlink loop) [unreadable]",
        "checked 4 files: 1 valid, 0 invalid (0 problems), 3 unreadable",
    ]


def test_a_named_pipe_is_refused_not_waited_for(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    r = cli("pipe.yaml", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout.splitlines()[0] == ("pipe.yaml: error: is not a regular file (a named pipe, device or socket); "
                                        "give a proposal file [unreadable]")
