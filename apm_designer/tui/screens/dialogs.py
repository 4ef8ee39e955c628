"""Small modal questions: pick one of a few answers, or give a file name."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Label, Static


class Ask(ModalScreen[str]):
    """A question with a few buttons; dismissed with the chosen button's key."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, message: str, choices: Sequence[tuple[str, str, str]], *,
                 cancel: str | None = None) -> None:
        """`choices`: (key, button label, variant) in order; the first is focused. Escape picks `cancel` (by
        default the last choice), so make that the harmless one."""
        super().__init__(classes="dialog")
        self.title_text = title
        self.message = message
        self.choices = choices
        self.cancel = cancel or choices[-1][0]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.message, classes="dialog-message", markup=False)
            with Horizontal(classes="dialog-buttons"):
                for key, label, variant in self.choices:
                    yield Button(label, id=f"choice-{key}", variant=variant)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    @on(Button.Pressed)
    def _chosen(self, event: Button.Pressed) -> None:
        self.dismiss(str(event.button.id).removeprefix("choice-"))

    def action_cancel(self) -> None:
        self.dismiss(self.cancel)


class _ProposalTree(DirectoryTree):
    """Folders and YAML files, hidden ones left out."""

    def filter_paths(self, paths):
        return [p for p in paths if not p.name.startswith(".") and (p.is_dir() or p.suffix in (".yaml", ".yml"))]


class AskPath(ModalScreen[Path | None]):
    """A file name, typed or picked from the folder tree. `check` returns an error to show, or None to accept."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, hint: str, initial: str = "", *, action: str = "Open",
                 check: Callable[[Path], str | None] | None = None, browse: bool = True) -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.hint = hint
        self.initial = initial
        self.action = action
        self.check = check
        self.browse = browse

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box dialog-wide" + (" dialog-browse" if self.browse else "")):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.hint, classes="dialog-message", markup=False)
            yield Input(self.initial, placeholder="proposals/my-model.yaml", id="path")
            yield Static("", classes="field-error", id="path-error", markup=False)
            if self.browse:
                yield _ProposalTree(getattr(self.app, "root", None) or Path.cwd(), id="tree")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.action, id="accept", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#path-error").display = False
        self.query_one("#path", Input).focus()

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        box = self.query_one("#path", Input)
        box.value = _shown(event.path)
        self._accept()

    @on(Input.Submitted)
    @on(Button.Pressed, "#accept")
    def _accept(self) -> None:
        text = self.query_one("#path", Input).value.strip()
        if not text:
            return self._error("type a file name")
        path = Path(text).expanduser()
        outside_root = getattr(self.app, "outside_root", None)  # every file name typed passes here
        problem = (outside_root(path) if outside_root else None) or (self.check(path) if self.check else None)
        if problem:
            return self._error(problem)
        self.dismiss(path)
        return None

    def _error(self, message: str) -> None:
        line = self.query_one("#path-error", Static)
        line.update("✗ " + message)
        line.display = True

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
