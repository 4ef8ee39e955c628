"""The key bar at the bottom of a screen: Textual's Footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's Footer rebuilds its keys after every change of focus (twice: as the focus moves and after the next
    refresh), and every rebuild lays the whole screen out again; moving from one answer to the next seldom changes
    the keys shown. This one rebuilds only when they change, and shows the keys from its first paint on."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.set_reactive(Footer._bindings_ready, True)
        self._shown: tuple[Any, ...] | None = None

    def _keys(self) -> tuple[Any, ...]:
        """What `Footer.compose` shows: every binding shown, and the command palette's key when it is on."""
        active = self.screen.active_bindings
        shown = [entry for entry in active.values() if entry[1].show]
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            shown.append(active.get(self.app.COMMAND_PALETTE_BINDING))
        return tuple(None if entry is None else (entry[1].key, entry[1].action, entry[1].description,
                                                 entry[1].tooltip, entry[1].group, entry[2], entry[3])
                     for entry in shown)

    def compose(self) -> ComposeResult:
        self._shown = self._keys()
        yield from super().compose()

    async def recompose(self) -> None:
        # A rebuild asked for just before the screen was closed (the start screen, once a proposal opens) finds
        # no screen to read the keys of: nothing to show then.
        if self.is_attached and self._keys() != self._shown:
            await super().recompose()
