"""What CI reads: `--format json` checked against its published schema, `--format github` annotations located.

Every document and annotation here is the real CLI's output, run in a subprocess on files written for the test:
valid, invalid, unloadable and missing files, passing and failing gates, warnings.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from proposals import complete, minimal

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
EXAMPLES = ROOT / "proposals" / "examples"


def schema(name: str) -> Draft202012Validator:
    loaded = json.loads((SCHEMAS / f"{name}-output.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(loaded)
    return Draft202012Validator(loaded)


def cli(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "apm_designer", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def errors(validator: Draft202012Validator, doc: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """One file of each kind a batch meets."""
    out = {
        "draft": tmp_path / "draft.yaml",
        "final": tmp_path / "final.yaml",
        "warned": tmp_path / "warned.yaml",  # intends Advanced APM, falls short on CEHRT: a warning, a failed gate
        "invalid": tmp_path / "invalid.yaml",
        "broken": tmp_path / "broken.yaml",
    }
    out["draft"].write_text(yaml.safe_dump(minimal(), sort_keys=False))
    out["final"].write_text(yaml.safe_dump(complete(), sort_keys=False))
    out["warned"].write_text(yaml.safe_dump(complete(element_1__cehrt__share_of_clinicians=60), sort_keys=False))
    out["invalid"].write_text("metadata:\n  title: 3\n  status: draft\nelement_1:\n  authority: nonsense\n")
    out["broken"].write_text("metadata:\n  title: [unclosed\n  status: draft\n")
    return out


# ---------------------------------------------------------------------------------------------------- json


def test_the_output_schemas_are_valid_and_share_one_problem_shape():
    validate, evaluate = schema("validate"), schema("evaluate")
    assert validate.schema["$defs"]["problem"] == evaluate.schema["$defs"]["problem"]


@pytest.mark.parametrize("command", ["validate", "evaluate"])
@pytest.mark.parametrize(("inputs", "status", "code"), [
    (["final"], "ok", 0),
    (["draft", "final", "warned"], "ok", 0),
    (["final", "invalid"], "invalid", 1),
    (["broken"], "invalid", 1),
    (["final", "missing"], "error", 2),
])
def test_json_output_matches_its_schema(files, tmp_path, command, inputs, status, code):
    paths = [files.get(name, tmp_path / f"{name}.yaml") for name in inputs]
    done = cli(command, "--format", "json", *paths)
    doc = json.loads(done.stdout)
    assert errors(schema(command), doc) == []
    assert (doc["status"], done.returncode) == (status, code)
    assert [f["path"] for f in doc["files"]] == [str(p) for p in paths]


def test_evaluate_json_with_gates_matches_its_schema(files):
    done = cli("evaluate", "--format", "json", "--expect", "advanced-apm", "--expect", "pfpm", "--fail-on", "warning",
               files["final"], files["warned"], files["draft"])
    doc = json.loads(done.stdout)
    assert errors(schema("evaluate"), doc) == []
    assert (doc["status"], done.returncode) == ("failed", 1)
    final, warned, draft = doc["files"]
    assert [g["passed"] for g in final["gates"]] == [True, True, True]
    assert [g["gate"] for g in warned["gates"] if not g["passed"]] == ["expect advanced-apm", "fail-on warning"]
    assert warned["warnings"] and all(w["severity"] == "warning" for w in warned["warnings"])
    assert draft["evaluation"]["verdicts"]["advanced_apm"]["value"] == "undetermined"
    assert draft["evaluation"]["verdicts"]["advanced_apm"]["needs"]


def test_every_example_evaluates_to_a_document_of_the_schema():
    done = cli("evaluate", "--format", "json", EXAMPLES)
    doc = json.loads(done.stdout)
    assert errors(schema("evaluate"), doc) == []
    assert len(doc["files"]) == len(list(EXAMPLES.glob("*.yaml")))
    assert {f["evaluation"]["verdicts"]["lan"]["category"] for f in doc["files"]} > {None}


@pytest.mark.parametrize(("command", "damage", "complaint"), [
    ("validate", lambda d: d.pop("summary"), "'summary' is a required property"),
    ("validate", lambda d: d["files"][1].update(status="valid"), "files/1/problems: "),
    ("validate", lambda d: d["files"][1]["problems"][0].update(line=0), "0 is less than the minimum of 1"),
    ("validate", lambda d: d.update(status="fine"), "'fine' is not one of"),
    ("evaluate", lambda d: d["files"][0]["evaluation"]["verdicts"].pop("lan"), "'lan' is a required property"),
    ("evaluate", lambda d: d["files"][0]["evaluation"]["findings"][0].update(status="maybe"), "'maybe' is not one"),
    ("evaluate", lambda d: d["files"][0].update(evaluation=None), "None is not of type 'object'"),
    ("evaluate", lambda d: d["files"][0].update(extra=1), "Additional properties are not allowed"),
])
def test_the_schemas_reject_documents_the_cli_never_writes(files, command, damage, complaint):
    """Each schema is a real contract, not `{}`: a real document, damaged in one place, fails it."""
    doc = json.loads(cli(command, "--format", "json", files["final"], files["invalid"]).stdout)
    assert errors(schema(command), doc) == []
    damaged = copy.deepcopy(doc)
    damage(damaged)
    found = errors(schema(command), damaged)
    assert any(complaint in e for e in found), found


# ---------------------------------------------------------------------------------------------------- github

ANNOTATION = re.compile(r"^::(?P<severity>error|warning) (?P<props>[^:]*)::(?P<message>.*)$")


def unescape(value: str) -> str:
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        value = value.replace(code, char)
    return value


def annotations(output: str) -> list[dict[str, str]]:
    """The workflow commands in `output`, parsed as GitHub's runner parses them."""
    found = []
    for line in output.splitlines():
        if m := ANNOTATION.match(line):
            props = dict(p.split("=", 1) for p in m["props"].split(","))
            found.append({"severity": m["severity"], "message": unescape(m["message"]),
                          **{k: unescape(v) for k, v in props.items()}})
    return found


def at(note: dict[str, str]) -> str:
    """The file's text from the annotation's line and column: what a reviewer sees the annotation point at."""
    lines = Path(note["file"]).read_text(encoding="utf-8").splitlines()
    return lines[int(note["line"]) - 1][int(note["col"]) - 1:]


@pytest.mark.parametrize("command", ["validate", "evaluate"])
def test_schema_problems_are_annotated_on_their_answer(files, command):
    done = cli(command, "--format", "github", files["invalid"], files["broken"])
    notes = annotations(done.stdout)
    assert done.returncode == 1
    by_code = {(Path(n["file"]).name, n["title"]): n for n in notes}
    assert at(by_code["invalid.yaml", "type"]).startswith("3")  # metadata.title: 3
    assert at(by_code["invalid.yaml", "enum"]).startswith("nonsense")  # element_1.authority: nonsense
    assert by_code["broken.yaml", "yaml-syntax"]["line"] == "3"  # where the parser found the unclosed list end
    assert all(n["severity"] == "error" and n["file"] in (str(files["invalid"]), str(files["broken"]))
               for n in notes)


def test_evaluate_warnings_and_failed_gates_are_annotated_on_the_answers_they_name(files):
    done = cli("evaluate", "--format", "github", "--expect", "advanced-apm", "--fail-on", "warning", files["warned"])
    notes = annotations(done.stdout)
    assert done.returncode == 1
    (warning,) = [n for n in notes if n["severity"] == "warning"]
    assert warning["title"] == "CON-INTENDED-TYPES"
    assert warning["message"].startswith("element_1.intended_types: ")
    assert at(warning).startswith("intended_types:")
    gate = next(n for n in notes if n["title"] == "expect advanced-apm")
    assert gate["severity"] == "error" and "element_1.cehrt.share_of_clinicians = 60" in gate["message"]
    assert at(gate).startswith("share_of_clinicians: 60")
    fail_on = next(n for n in notes if n["title"] == "fail-on warning")
    assert (fail_on["line"], fail_on["col"]) == (warning["line"], warning["col"])


def test_annotation_properties_survive_commas_and_colons_in_the_path(tmp_path):
    odd = tmp_path / "plan, v2: draft.yaml"
    odd.write_text("metadata:\n  title: 3\n  status: draft\n")
    (note,) = annotations(cli("validate", "--format", "github", odd).stdout)
    assert note["file"] == str(odd) and at(note).startswith("3")


def test_an_unreadable_file_is_an_annotation_on_the_file(tmp_path):
    missing = tmp_path / "gone.yaml"
    (note,) = annotations(cli("validate", "--format", "github", missing).stdout)
    assert note["file"] == str(missing) and note["severity"] == "error" and "line" not in note
