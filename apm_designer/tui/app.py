"""The wizard application: the start screen or a proposal, with quitting that never loses work."""

from __future__ import annotations

import gc
import time
from typing import ClassVar

from textual import events, on
from textual.app import App
from textual.binding import Binding, BindingType

from apm_designer.drafts import Session
from apm_designer.tui.screens.proposal import ProposalScreen
from apm_designer.tui.screens.start import OpenSession, StartScreen

GC_FULL_EVERY = 1000  # younger collections between two full ones (Python's default is 10)


class WizardApp(App[None]):
    """`session` None opens the start screen. `blink` False keeps cursors still (snapshot tests)."""

    CSS_PATH = "app.tcss"
    TITLE = "APM Designer"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def __init__(self, session: Session | None = None, *, blink: bool = True) -> None:
        super().__init__()
        self.session = session
        self.blink = blink
        self.last_input = time.monotonic()  # when the user last typed or clicked: background work waits for a pause

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.Paste)):
            self.last_input = time.monotonic()
        await super().on_event(event)

    def on_mount(self) -> None:
        # Full garbage collections walk every object; with a proposal's pages built that stalls the app for up to
        # a second at random moments. Make them rare (the proposal screen collects while the user pauses instead).
        self._gc_threshold = gc.get_threshold()
        gc.set_threshold(self._gc_threshold[0], self._gc_threshold[1], GC_FULL_EVERY)
        if self.session is None:
            self.push_screen(StartScreen())
        else:
            self.push_screen(ProposalScreen(self.session, blink=self.blink))

    def on_unmount(self) -> None:
        gc.set_threshold(*self._gc_threshold)
        gc.unfreeze()

    @on(OpenSession)
    def _open(self, event: OpenSession) -> None:
        self.session = event.session
        self.switch_screen(ProposalScreen(event.session, blink=self.blink))

    async def action_quit(self) -> None:
        screen = self.screen
        if isinstance(screen, ProposalScreen):
            screen.request_quit()
        elif self.session is not None and self.session.dirty:  # a dialog is up over the proposal: let it finish
            self.bell()
        else:
            self.exit()
