"""The wizard, driven with Textual's Pilot: an old line of business without Other Payer Advanced APM answers shows
as undetermined in the evaluation pane and on the payment step; the pane's "needs" line goes to the question on
the payment step; answering it there (by keyboard) and the two answers the Medicare design has none for turns the
line's verdict to yes, there and in the pane."""

from __future__ import annotations

import shutil

import yaml
from test_tui import EXAMPLES, drive, settled
from test_tui_fill import answer, focused_path
from textual.widgets import OptionList, Static

from apm_designer.drafts import Session
from apm_designer.tui.app import WizardApp

LINE = "payment.lines_of_business[2]"  # the commercial line of the two-sided ACO example


def prompts(panel: OptionList) -> list[str]:
    return [str(panel.get_option_at_index(i).prompt) for i in range(panel.option_count)]


def test_a_line_without_answers_is_undetermined_and_answering_it_on_the_payment_step_decides_it(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "aco.yaml"
    shutil.copyfile(EXAMPLES / "two-sided-aco.yaml", target)
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    del data["payment"]["lines_of_business"][2]["other_payer"]  # as a file written before these questions
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    async def scenario(pilot):
        app, screen = pilot.app, pilot.app.screen
        await settled(pilot)
        await pilot.press("f2")
        panel = screen.query_one("#evaluation", OptionList)
        shown = prompts(panel)
        assert "✓ Other Payer Advanced APM · Medicare Advantage: yes" in shown
        assert "? Other Payer Advanced APM · Commercial: undetermined" in shown
        needs = next(key for key, path in panel.targets.items() if path == f"{LINE}.other_payer.same_as_medicare")
        assert "  → needs Payment · Line of business 3 · Same as the Medicare design" in shown
        first = next(i for i, p in enumerate(shown) if "Other Payer Advanced APM ·" in p)
        ours = shown[first:next(i for i, p in enumerate(shown) if p.startswith("Warnings") or p == "No warnings")]
        assert len(ours) > 10 and not any("lines_of_business" in p or "element_1." in p for p in ours)  # words

        panel.focus()
        panel.highlighted = panel.get_option_index(needs)
        await pilot.press("enter")
        await settled(pilot)
        assert screen.current == "payment" and focused_path(app) == f"{LINE}.other_payer.same_as_medicare"

        verdicts = screen.query_one("#other-payer-verdicts", Static)
        assert str(verdicts.render()).splitlines() == [
            "✓ Other Payer Advanced APM · Medicare Advantage: yes, via the generally applicable standard (nominal "
            "amount and marginal risk)", "? Other Payer Advanced APM · Commercial: undetermined"]

        await answer(pilot, f"{LINE}.other_payer.same_as_medicare", True)
        await answer(pilot, f"{LINE}.other_payer.marginal_risk_rate", 60)
        await answer(pilot, f"{LINE}.other_payer.minimum_loss_rate", 2)
        await settled(pilot)
        [_, commercial] = screen.evaluation.other_payers
        assert (commercial.verdict.value, commercial.risk_path) == ("yes", "OPAAPM-RISK-GENERAL")
        assert "✓ Other Payer Advanced APM · Commercial: yes" in prompts(panel)
        assert str(verdicts.render()).splitlines()[1].startswith("✓ Other Payer Advanced APM · Commercial: yes, via")
        line = app.session.questionnaire.data["payment"]["lines_of_business"][2]["other_payer"]
        assert line == {"same_as_medicare": True, "marginal_risk_rate": 60, "minimum_loss_rate": 2}

    drive(WizardApp(Session.edit(target)), scenario, size=(120, 40))


def test_a_line_is_asked_only_the_other_payer_questions_that_decide_something(tmp_path, monkeypatch):
    """Traditional Medicare is judged as the Medicare design, so its line has no Other Payer questions; a line the
    same as the Medicare design is not asked what the Medicare design answers for it (unless the line gives its own
    answer, which counts instead, 414.1420 read per line); and the entity-size question only in the years it
    decides (414.1420(d)(8): from 2023). Answers to questions not asked stay in the file."""
    from apm_designer.tui.widgets.fields import slug
    from apm_designer.wizard import parse_dotted

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "aco.yaml"
    shutil.copyfile(EXAMPLES / "two-sided-aco.yaml", target)
    medicare, advantage, commercial = (f"payment.lines_of_business[{i}]" for i in range(3))

    def asked(screen, path: str) -> bool:
        [box] = screen.query(f"#box-{slug(parse_dotted(path))}")
        return all(widget.display for widget in box.ancestors_with_self)

    async def scenario(pilot):
        app, screen = pilot.app, pilot.app.screen
        await settled(pilot)
        for line in (medicare, advantage, commercial):
            await screen.jump(f"{line}.line_of_business")  # opens the line's entry
            await settled(pilot)
        assert not asked(screen, f"{medicare}.other_payer")
        assert asked(screen, f"{advantage}.other_payer.same_as_medicare")
        # the Medicare design answers these for the Medicare Advantage line, which gives none of its own
        assert not any(asked(screen, f"{advantage}.other_payer.{name}") for name in ("cehrt_share", "risk_type"))
        assert asked(screen, f"{advantage}.other_payer.marginal_risk_rate")  # the Medicare design has no such answer
        assert asked(screen, f"{advantage}.other_payer.apm_entity_clinicians")  # 2025
        assert asked(screen, f"{commercial}.other_payer.percent_at_risk")  # its own answer counts instead
        assert not asked(screen, f"{commercial}.other_payer.risk_type")

        await answer(pilot, f"{medicare}.line_of_business", "medicaid")
        await answer(pilot, f"{advantage}.other_payer.same_as_medicare", False)
        await settled(pilot)
        assert asked(screen, f"{medicare}.other_payer.same_as_medicare")
        assert all(asked(screen, f"{advantage}.other_payer.{name}") for name in ("cehrt_share", "risk_type"))

        await screen.jump("metadata.performance_year")
        await pilot.press("ctrl+u", *"2022")
        await settled(pilot)
        assert app.session.questionnaire.answer(("metadata", "performance_year")) == 2022
        assert not asked(screen, f"{advantage}.other_payer.apm_entity_clinicians")
        # a jump to a question not asked lands on the nearest one above it that is
        await screen.jump(f"{advantage}.other_payer.apm_entity_clinicians")
        await settled(pilot)
        assert app.focused is not None and all(widget.display for widget in app.focused.ancestors_with_self)

        line = app.session.questionnaire.data["payment"]["lines_of_business"][1]["other_payer"]
        assert line["marginal_risk_rate"] == 75 and line["same_as_medicare"] is False

    drive(WizardApp(Session.edit(target)), scenario, size=(120, 40))
