"""The step list: where you are, and how far each step has come."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

from textual.content import Content
from textual.message import Message
from textual.reactive import Reactive
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from apm_designer.wizard import StepState, steps

WIDTH = 24  # the text width the step list gives each step (the sidebar is 28 columns wide)
STATE_LOOK: dict[str, tuple[str, str, str]] = {  # icon, style, words for screen readers and tooltips
    "complete": ("●", "$text-success", "complete"),
    "partial": ("◐", "$text-warning", "partly answered"),
    "problems": ("▲", "$text-error", "has problems"),
    "empty": ("○", "dim", "not started"),
}


class StepChosen(Message):
    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key


class StepList(OptionList):
    """Every step with its state; enter or a click goes there."""

    # Textual's OptionList repaints all of itself when the highlight moves (every step switch); only the lines of
    # the two steps it moves between change.
    highlighted: Reactive[int | None] = Reactive(None, repaint=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(*(Option(self._prompt(s.short, "empty"), id=s.key) for s in steps()), **kwargs)
        self.states: dict[str, StepState] = {}

    @staticmethod
    def _prompt(short: str, state: str) -> Content:
        icon, style, _ = STATE_LOOK[state]
        number, _, name = short.partition(" ") if short[:1].isdigit() else ("", "", short)
        lead = f"{number} " if number else ""
        # A hanging indent keeps long step names readable in the narrow list.
        lines = textwrap.wrap(name, WIDTH - 2 - len(lead)) or [""]
        rest = "".join("\n" + " " * (2 + len(lead)) + line for line in lines[1:])
        return Content.assemble((icon, style), " ", (lead, "dim"), lines[0], rest)

    def show_states(self, states: Mapping[str, StepState]) -> None:
        for s in steps():
            state = states.get(s.key, "empty")
            if self.states.get(s.key) != state:
                self.replace_option_prompt(s.key, self._prompt(s.short, state))
        self.states = dict(states)

    def show_current(self, key: str) -> None:
        self.highlighted = self.get_option_index(key)

    def _watch_highlighted(self, old: int | None, new: int | None) -> None:
        self._update_lines()  # OptionList's map of its lines to options (private; built before each render)
        for index in {old, new} - {None}:
            lines = [y for y, (option, _) in enumerate(self._lines) if option == index]
            if lines:
                self.refresh_lines(lines[0], len(lines))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id:
            self.post_message(StepChosen(event.option_id))
