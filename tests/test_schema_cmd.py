"""`apm-designer schema`: the proposal schema for editors, and the path saved proposals point their modeline at."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from jsonschema import Draft202012Validator

from apm_designer.document import save

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "apm_designer", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def test_prints_the_proposal_schema():
    done = cli("schema")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    Draft202012Validator.check_schema(printed)
    assert printed == json.loads((ROOT / "schemas" / "proposal.schema.json").read_text(encoding="utf-8"))
    assert done.stdout.endswith("}\n")


def test_path_names_the_schema_file_it_prints(tmp_path):
    done = cli("schema", "--path", cwd=tmp_path)  # from anywhere, not only the checkout
    assert done.returncode == 0, done.stderr
    path = Path(done.stdout.strip())
    assert path.is_absolute() and path.is_file()
    assert path.read_text(encoding="utf-8") == cli("schema").stdout


def test_a_saved_proposal_points_its_modeline_at_that_schema(tmp_path):
    """What VS Code and Neovim read: the first line's $schema resolves, relative to the file, to `schema --path`."""
    target = tmp_path / "deep" / "model.yaml"
    target.parent.mkdir()
    save(target, {"metadata": {"title": "Model", "status": "draft"}})
    first = target.read_text(encoding="utf-8").splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    resolved = (target.parent / first.removeprefix(prefix)).resolve()
    assert resolved == Path(cli("schema", "--path").stdout.strip()).resolve()


def test_unknown_option_is_a_usage_error():
    done = cli("schema", "--bogus")
    assert done.returncode == 2
    assert "unrecognized arguments: --bogus" in done.stderr
