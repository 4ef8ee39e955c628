"""The wizard application: the start screen or a proposal, with quitting that never loses work."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import sys
import time
from pathlib import Path
from typing import ClassVar

from rich.console import RenderableType
from textual import events, on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from apm_designer.drafts import Session
from apm_designer.tui.screens.proposal import ProposalScreen
from apm_designer.tui.screens.start import OpenSession, StartScreen

ROOT_VARIABLE = "APM_DESIGNER_ROOT"  # a folder outside which the wizard opens and saves nothing (set by `serve`)
GC_FULL_EVERY = 1000  # younger collections between two full ones (Python's default is 10)
EXIT_WAIT = 5.0  # seconds, at most, that quitting waits for a page being built in the background


class WizardApp(App[None]):
    """`session` None opens the start screen. `blink` False keeps cursors still (snapshot tests). `root`, by default
    $APM_DESIGNER_ROOT: the folder outside which no file is opened or saved (`serve` sets it for each tab)."""

    CSS_PATH = "app.tcss"
    TITLE = "APM Designer"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def __init__(self, session: Session | None = None, *, blink: bool = True, root: Path | None = None) -> None:
        super().__init__()
        self.session = session
        self.blink = blink
        from_environment = os.environ.get(ROOT_VARIABLE)
        self.root = root or (Path(from_environment).resolve() if from_environment else None)
        self.last_input = time.monotonic()  # when the user last typed or clicked: background work waits for a pause
        self.exiting = False  # once quitting, no background work is started

    def run_to_the_end(self) -> int:
        """Run the wizard and give the command's exit code: 0, or 3 when the wizard itself failed.

        Textual shows a bug's traceback as the app ends. Then the answers are written to the draft, typed since the
        last autosave or not, so that opening the file (or the start screen) again offers every one of them.
        """
        self.run()
        if not self.return_code:
            return 0
        from apm_designer.cli import BUG_REPORT, EXIT_INTERNAL

        kept = "no answers were unsaved"
        if self.session is not None and self.session.dirty:
            try:
                self.session.autosave()
                kept = (f"your answers are kept in the draft {self.session.draft_path}, offered to you the next time "
                        "this proposal is opened")
            except OSError as e:
                kept = f"the draft could not be written ({e.strerror or e}): your unsaved answers are lost"
        print(f"apm-designer: internal error in the wizard; {kept}; {BUG_REPORT}", file=sys.stderr)
        return EXIT_INTERNAL

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.Paste)):
            self.last_input = time.monotonic()
        await super().on_event(event)

    def get_default_screen(self) -> Screen:
        # A proposal opened from the command line is the app's first screen, not pushed over Textual's blank one:
        # it is styled once rather than again when shown, and no blank screen is drawn before it. The start screen
        # is pushed (below), as opening a proposal from it replaces it.
        if self.session is None:
            return super().get_default_screen()
        return ProposalScreen(self.session, blink=self.blink)

    def on_mount(self) -> None:
        # Full garbage collections walk every object; with a proposal's pages built that stalls the app for up to
        # a second at random moments. Make them rare (the proposal screen collects while the user pauses instead).
        self._gc_threshold = gc.get_threshold()
        gc.set_threshold(self._gc_threshold[0], self._gc_threshold[1], GC_FULL_EVERY)
        if self.session is None:
            self.push_screen(StartScreen())

    def on_unmount(self) -> None:
        gc.set_threshold(*self._gc_threshold)
        gc.unfreeze()
        gc.enable()  # in case the app ends in the middle of a step switch (see ProposalScreen.show_step)

    def outside_root(self, path: Path) -> str | None:
        """Why `path` may not be opened or saved here (it is outside the root folder), or None. Links are followed:
        a link inside the folder to a file outside it is outside."""
        if self.root is None or path.expanduser().resolve().is_relative_to(self.root):
            return None
        return f"only files in {self.root} can be opened or saved here"

    @on(OpenSession)
    def _open(self, event: OpenSession) -> None:
        self.session = event.session
        self.switch_screen(ProposalScreen(event.session, blink=self.blink))

    def exit(self, result: None = None, return_code: int = 0, message: RenderableType | None = None) -> None:
        """Exit, once the page being built (if any) is finished.

        From the moment `exit` is called Textual 8.2.8 mounts nothing more, so a page half-way through being built
        (the proposal screen builds the steps not visited yet while the proposer pauses) would be left with widgets
        missing their parts, which fail with a traceback. Waiting takes a fraction of a second, and is bounded.
        """
        self.exiting = True
        screen = next((s for s in self.screen_stack if isinstance(s, ProposalScreen)), None)
        if screen is None or not screen.building:
            super().exit(result, return_code, message)
            return

        async def when_built() -> None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(screen.pages_built(), EXIT_WAIT)
            super(WizardApp, self).exit(result, return_code, message)

        self.run_worker(when_built(), group="exit", exclusive=True)

    async def action_quit(self) -> None:
        screen = self.screen
        if isinstance(screen, ProposalScreen):
            screen.request_quit()
        elif self.session is not None and self.session.dirty:  # a dialog is up over the proposal: let it finish
            self.bell()
        else:
            self.exit()
