"""The library of real CMS models: every file is in the catalogue and answers every element with its sources named;
`apm-designer new --list` / `new --from` list them and `new FILE --from NAME` starts a proposal from one, run as a
proposer runs them (the real CLI, and the wizard in a real terminal)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_render import rendered
from test_wizard_cli import CTRL_Q, CTRL_S, in_a_terminal

from apm_designer import cms_models
from apm_designer.document import load
from apm_designer.drafts import Session
from apm_designer.validation import is_valid

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "proposals" / "models"
RUN = [sys.executable, "-m", "apm_designer"]
ELEMENTS = [f"element_{n}" for n in range(1, 8)]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*RUN, *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def test_the_catalogue_names_every_model_file_once():
    keys = [m.key for m in cms_models.library()]
    assert len(keys) == len(set(keys)) >= 10
    assert sorted(keys) == sorted(p.stem for p in MODELS.glob("*.yaml"))


@pytest.mark.parametrize("path", sorted(MODELS.glob("*.yaml")), ids=lambda p: p.stem)
def test_each_model_is_a_sourced_proposal_answering_every_element(path):
    text = path.read_text(encoding="utf-8")
    data = load(path).data
    assert is_valid(data)
    assert all(data.get(key) for key in [*ELEMENTS, "design_factors", "payment"])
    assert len(data["design_factors"]) == 20
    year = data["metadata"].get("performance_year")
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    assert "Sources:" in header and "Status:" in header
    # The year its facts are for, or (for an award made before the Quality Payment Program) why none is given.
    assert f"performance year {year}" in header if year else "no performance year is given" in header
    assert re.search(r"\b(19|20)\d\d\b", header.split("Sources:", 1)[1])  # each source is dated


@pytest.mark.parametrize("path", sorted(MODELS.glob("*.yaml")), ids=lambda p: p.stem)
def test_each_models_rendered_markdown_is_committed_beside_it_and_up_to_date(path):
    committed = path.with_suffix(".md")
    assert committed.exists() and committed.read_bytes() == rendered(path)[1].encode("utf-8"), \
        f"{committed.name} is missing or out of date; regenerate with: make render-examples"


def test_the_models_markdown_passes_the_markdown_linter():
    files = [str(p) for p in sorted(MODELS.glob("*.md"))]
    done = subprocess.run([sys.executable, "-m", "pymarkdown", "--config", str(ROOT / ".pymarkdown"), "scan", *files],
                          capture_output=True, text=True, timeout=300)
    assert files and done.returncode == 0, done.stdout + done.stderr


def test_new_list_and_from_without_a_name_list_every_model_with_its_year_and_status(tmp_path):
    listed = run("new", "--list", cwd=tmp_path)
    bare = run("new", "--from", cwd=tmp_path)
    assert listed.returncode == bare.returncode == 0 and listed.stdout == bare.stdout
    for m in cms_models.library():
        line = next(x for x in listed.stdout.splitlines() if x.startswith(m.key + "  "))
        assert f"({m.when}: " in line
    assert "oncology-care-model  (2018: APM · MIPS APM · LAN 3A)" in listed.stdout
    assert "oncology-care-model-two-sided  (2018: APM · Advanced APM · MIPS APM · LAN 3B)" in listed.stdout
    assert "    Oncology Care Model, one-sided risk: Six-month chemotherapy episodes" in listed.stdout


def test_new_from_an_unknown_model_is_one_line_with_the_names_that_come_close(tmp_path):
    done = run("new", "mine.yaml", "--from", "oncology-care-modl", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("--from oncology-care-modl: error: no CMS model named 'oncology-care-modl'")
    assert "did you mean oncology-care-model" in done.stderr and done.stderr.rstrip().endswith("[unknown-model]")
    assert not (tmp_path / "mine.yaml").exists()


def test_starting_from_a_model_copies_its_answers_into_a_draft_of_its_own():
    model = cms_models.find("oncology-care-model")
    data = cms_models.start_from(model)
    original = model.data()
    assert data["metadata"] == {"title": "A new model based on Oncology Care Model, one-sided risk",
                                "performance_year": 2018, "status": "draft"}
    assert {k: v for k, v in data.items() if k != "metadata"} == {k: v for k, v in original.items() if k != "metadata"}
    assert is_valid(data)


def test_a_proposal_started_from_a_model_says_so_at_the_top_of_its_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    model = cms_models.find("bpci-advanced")
    session = Session.new(tmp_path / "mine.yaml", data=cms_models.start_from(model), note=cms_models.note(model))
    assert session.dirty  # unsaved answers: drafted as they change, and quitting asks to save them
    session.save()
    lines = (tmp_path / "mine.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# yaml-language-server: $schema=")
    assert lines[1] == ("# Started from the CMS model library: Bundled Payments for Care Improvement Advanced (BPCI "
                        "Advanced) (2019, bpci-advanced)")
    # Saved under another name later, a proposal not yet saved keeps its note too.
    unnamed = Session.new(data=cms_models.start_from(model), note=cms_models.note(model))
    unnamed.save(tmp_path / "later.yaml")
    assert (tmp_path / "later.yaml").read_text(encoding="utf-8").splitlines()[1] == lines[1]


def test_new_file_from_a_model_opens_the_wizard_on_its_answers_and_saves_them(tmp_path):
    status = in_a_terminal(tmp_path, ["new", "mine.yaml", "--from", "oncology-care-model"],
                           [("mine.yaml", CTRL_S), ("Saved", CTRL_Q)], width=100)
    assert status == 0
    saved = load(tmp_path / "mine.yaml").data
    # The title is not waited for on screen: the header shortens it, and its box shows its end, where the cursor is.
    assert saved["metadata"]["title"].startswith("A new model based on Oncology Care Model")
    assert saved["metadata"]["status"] == "draft" and "contact" not in saved["metadata"]
    assert saved["element_2"] == cms_models.find("oncology-care-model").data()["element_2"]
    assert "# Started from the CMS model library: Oncology Care Model, one-sided risk" in \
        (tmp_path / "mine.yaml").read_text(encoding="utf-8")
