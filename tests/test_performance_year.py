"""Issue 16.3: `performance_year: 2018.0` validates (JSON Schema's integer accepts it), so it means 2018 everywhere:
the schema, the evaluator, the rendered proposal and the wizard. The CLI runs in a subprocess, as CI runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from apm_designer.document import dumps
from apm_designer.wizard import as_text, field_at
from proposals import complete

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "apm_designer", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def proposal(tmp_path: Path, year: object) -> Path:
    path = tmp_path / "p.yaml"
    text = dumps(complete(element_1__cehrt__share_of_clinicians=60))
    path.write_text(text.replace("performance_year: 2025", f"performance_year: {year}"), encoding="utf-8")
    assert f"performance_year: {year}\n" in path.read_text(encoding="utf-8")
    return path


def test_2018_point_0_validates_and_is_evaluated_and_rendered_as_2018(tmp_path):
    path = proposal(tmp_path, "2018.0")
    assert cli("validate", str(path)).returncode == 0
    done = cli("evaluate", "--format", "json", "--expect", "advanced-apm", str(path))
    assert done.returncode == 0, done.stdout + done.stderr  # 60% meets 2018's 50%, not 2026's 75%
    evaluation = json.loads(done.stdout)["files"][0]["evaluation"]
    assert evaluation["performance_year"] == 2018 and evaluation["year_note"] is None
    rendered = cli("render", str(path))
    assert rendered.returncode == 0, rendered.stderr
    summary = rendered.stdout.split("\n## ")[1]  # the executive summary: what it is tested as, and its verdicts
    assert ", performance year 2018\n" in summary
    assert "Classified under the Quality Payment Program rules for performance year 2018:" in summary
    assert "2026" not in summary


def test_the_wizard_shows_2018_point_0_as_2018():
    assert as_text(field_at("metadata.performance_year"), 2018.0) == "2018"
    assert as_text(field_at("metadata.performance_year"), 2018) == "2018"


def test_the_wizard_opens_2018_point_0_showing_2018_and_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    import asyncio
    import shutil

    from textual.widgets import Input

    from apm_designer.drafts import Session
    from apm_designer.tui.app import WizardApp
    from apm_designer.tui.screens.proposal import ProposalScreen

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = tmp_path / "aco.yaml"
    shutil.copyfile(ROOT / "proposals" / "examples" / "two-sided-aco.yaml", path)
    path.write_text(path.read_text(encoding="utf-8").replace("performance_year: 2025", "performance_year: 2018.0"),
                    encoding="utf-8")
    before = path.read_bytes()
    app = WizardApp(Session.edit(path))

    async def run() -> None:
        app.animation_level = "none"
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.3)
            await pilot.pause()
            shown = app.screen.query_one("#box-metadata-performance_year Input", Input)
            assert shown.value == "2018"
            assert not app.session.dirty
            await pilot.press("ctrl+s")
            await pilot.pause()
            app.exiting = True
            await next(s for s in app.screen_stack if isinstance(s, ProposalScreen)).pages_built()

    asyncio.run(run())
    assert path.read_bytes() == before


def test_the_wizard_asks_the_medical_home_size_question_that_fits_the_year(tmp_path, monkeypatch):
    """414.1415(c)(7): the parent organisation through 2022, the APM Entity's Participation List from 2023."""
    import asyncio
    import shutil

    from apm_designer.drafts import Session
    from apm_designer.tui.app import WizardApp
    from apm_designer.tui.screens.proposal import ProposalScreen
    from apm_designer.tui.widgets.fields import FieldBox

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = tmp_path / "mh.yaml"
    shutil.copyfile(ROOT / "proposals" / "examples" / "small-practice-medical-home.yaml", path)
    app = WizardApp(Session.edit(path))

    def shown(screen) -> dict[str, bool]:
        boxes = {b.field.name: b for b in screen.query(FieldBox)}
        return {name: boxes[name].display for name in ("parent_organization_clinicians",
                                                       "participation_list_clinicians")}

    async def run() -> None:
        app.animation_level = "none"
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            screen = app.screen
            await screen.jump("element_1.medical_home.participation_list_clinicians")
            await pilot.pause(0.3)
            assert shown(screen) == {"parent_organization_clinicians": False, "participation_list_clinicians": True}
            await screen.jump("metadata.performance_year")
            await pilot.pause()
            await pilot.press("ctrl+u", *"2020")
            await pilot.pause(0.3)
            assert app.session.questionnaire.answer(("metadata", "performance_year")) == 2020
            assert shown(screen) == {"parent_organization_clinicians": True, "participation_list_clinicians": False}
            # the answer to the question not asked this year stays in the file
            kept = app.session.questionnaire.answer(("element_1", "medical_home", "participation_list_clinicians"))
            assert kept == 30
            app.exiting = True
            await next(s for s in app.screen_stack if isinstance(s, ProposalScreen)).pages_built()

    asyncio.run(run())
