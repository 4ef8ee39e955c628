"""A whole proposal from an empty start, by keystrokes only, saved, then checked by the real CLI.

The test moves the way a keyboard user does: tab to the next question (looking at which question has focus, as a
person looks at the screen), type, pick from a list with enter and type-to-search, tick choices with space, add
entries with the Add buttons, go to the next step with ctrl+n, save with ctrl+s.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Button, Select, SelectionList

from apm_designer.drafts import Session
from apm_designer.tui.app import WizardApp
from apm_designer.tui.widgets.fields import FieldBox
from apm_designer.wizard import field_at

TEXT = "t"  # stands for a short typed answer: the first word of the question's name ("Model." for model_design)


def focused_path(app) -> str | None:
    node = app.focused
    while node is not None and not isinstance(node, FieldBox):
        node = node.parent
    return node.field.dotted if node is not None else None


def keys(text: str) -> list[str]:
    return ["space" if c == " " else c for c in text]


async def reach(pilot, path: str, *, button: str | None = None) -> None:
    """Tab forward until the question at `path` (or the button with id `button`) has focus."""
    for _ in range(80):
        focused = pilot.app.focused
        if button is not None and isinstance(focused, Button) and focused.id == button:
            return
        if button is None and focused_path(pilot.app) == path:
            return
        await pilot.press("tab")
    raise AssertionError(f"tab never reached {button or path}; focus is on {pilot.app.focused!r}")


async def answer(pilot, path: str, value) -> None:
    """Give one answer by keyboard, whatever the kind of question."""
    await reach(pilot, path)
    f = field_at(path)
    widget = pilot.app.focused
    if f.kind in ("choice", "yesno"):
        assert isinstance(widget, Select)
        label = {True: "Yes", False: "No"}[value] if f.kind == "yesno" else dict(f.choices)[value]
        await pilot.press("enter", *keys(label[:24]), "enter")
        assert widget.value == value, (path, widget.value)
    elif f.kind == "choices":
        assert isinstance(widget, SelectionList)
        order = [v for v, _ in f.choices]
        for v in value:
            steps = order.index(v) - (widget.highlighted or 0)
            await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps), "space")
        assert sorted(widget.selected) == sorted(value)
    else:
        text = path.rsplit(".", 1)[-1].split("_")[0].capitalize() + "." if value is TEXT else str(value)
        await pilot.press(*keys(text))


async def add_entry(pilot, list_path: str) -> None:
    await reach(pilot, list_path, button="add-" + list_path.replace(".", "-").replace("[", "-").replace("]", ""))
    await pilot.press("enter")


PLAN: list[tuple[str, list[tuple[str, object]]]] = [
    ("overview", [
        ("metadata.title", "Lakeshore Total Care"), ("metadata.organisation", "Lakeshore Physician Network"),
        ("metadata.contact.name", "Maya Okafor"), ("metadata.contact.email", "maya@lakeshore.example"),
        ("metadata.performance_year", 2025), ("metadata.status", "final"), ("metadata.version", "1.0"),
        ("metadata.date", "2025-06-01"),
    ]),
    ("element_1", [
        ("element_1.intended_types", ["apm", "advanced_apm", "pfpm"]),
        ("element_1.authority", "section_1115a"), ("element_1.authority_rationale", TEXT),
        ("element_1.cehrt.required", True), ("element_1.cehrt.share_of_clinicians", 80),
        ("element_1.financial_risk.type", "two_sided"), ("element_1.financial_risk.basis", "benchmark"),
        ("element_1.financial_risk.percent_at_risk", 4), ("element_1.financial_risk.mechanisms", ["payment_owed"]),
        ("element_1.clinicians.core_role", True), ("element_1.clinicians.role_description", TEXT),
        ("element_1.targeted_services.clinicians_influence", True), ("element_1.targeted_services.description", TEXT),
    ]),
    ("element_2", [("element_2.care_delivery_changes", TEXT), ("element_2.value_over_volume", TEXT),
                   ("element_2.payment_methodology_difference", TEXT)]),
    ("element_3", [("element_3.model_design", TEXT), ("element_3.supporting_data", TEXT),
                   ("element_3.payer_experience", TEXT)]),
    ("element_4", [("element_4.beneficiaries", 12000), ("element_4.eligible_clinicians", 150),
                   *((f"element_4.{name}", TEXT) for name in ("geographic_diversity", "clinical_diversity",
                     "demographic_diversity", "services_scope", "burden_of_disease", "apm_entities"))]),
    ("element_5", [("element_5.payers", ["medicare", "commercial"]), ("element_5.payer_alignment", TEXT),
                   ("element_5.cms_program_alignment", TEXT)]),
    ("element_6", [("element_6.quality_goals", ["coordinated_care"]), ("element_6.quality_domains", ["clinical_care"]),
                   ("element_6.payment_based_on_quality", True),
                   ("+element_6.measures", None),
                   ("element_6.measures[0].name", "Unplanned admissions"), ("element_6.measures[0].type", "outcome"),
                   ("element_6.measures[0].evidence_basis", "mips_final_list"),
                   ("element_6.evaluation_approach", TEXT)]),
    ("element_7", [(f"element_7.{name}", TEXT) for name in ("data_and_information", "workflow_fit",
                                                            "existing_processes", "operational_feasibility")]),
    ("design_factors", [(f"design_factors.{f}.rating", "high") for f in (
        "department_goals", "clinical_transformation", "evidence_base", "participants_included", "diversity",
        "payer_alignment", "quality_improvement", "cost_savings", "probability_of_success", "model_overlap",
        "evaluative_feasibility", "stakeholder_interest", "participant_feasibility", "coverage_effects",
        "other_payer_testing", "scalability")]),
    ("payment", [("+payment.lines_of_business", None),
                 ("payment.lines_of_business[0].line_of_business", "traditional_medicare"),
                 ("payment.lines_of_business[0].total_dollars", "1,000,000"),
                 ("+payment.lines_of_business[0].arrangements", None),
                 ("payment.lines_of_business[0].arrangements[0].type", "shared_risk"),
                 ("payment.lines_of_business[0].arrangements[0].dollars", "600000")]),
]


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_whole_proposal_by_keystrokes_only_saves_a_valid_advanced_apm(state):
    target = state / "lakeshore.yaml"
    app = WizardApp(Session.new(target), blink=False)
    asyncio.run(fill(app))
    assert target.exists()
    assert not (state / ".lakeshore.yaml.apm-draft.yaml").exists()

    run = [sys.executable, "-m", "apm_designer"]
    checked = subprocess.run([*run, "validate", str(target)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    evaluated = subprocess.run([*run, "evaluate", str(target), "--format", "json", "--expect", "apm",
                                "--expect", "advanced-apm", "--expect", "pfpm"], capture_output=True, text=True)
    assert evaluated.returncode == 0, evaluated.stdout + evaluated.stderr
    report = json.loads(evaluated.stdout)
    assert "advanced" in json.dumps(report).lower()
    saved = Path(target).read_text(encoding="utf-8")
    assert saved.startswith("# yaml-language-server: $schema=")
    assert "percent_at_risk: 4\n" in saved and "total_dollars: 1000000\n" in saved


async def fill(app: WizardApp) -> None:
    app.animation_level = "none"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for n, (step_key, answers) in enumerate(PLAN):
            if n:
                await pilot.press("ctrl+n")
            assert app.screen.current == step_key
            for path, value in answers:
                if path.startswith("+"):
                    await add_entry(pilot, path[1:])
                else:
                    await answer(pilot, path, value)
        await pilot.pause(0.3)
        assert app.screen.check.states == {key: "complete" for key in app.screen.check.states}
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not app.session.dirty
        app.exiting = True  # as WizardApp.exit does: no page is left half built when run_test ends the app
        await app.screen.pages_built()
