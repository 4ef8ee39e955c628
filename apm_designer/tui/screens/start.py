"""The start screen: a new proposal, one started from a real CMS model, a file to open, a recent file, or an unsaved
draft to pick up."""

from __future__ import annotations

import time
from pathlib import Path
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from apm_designer import cms_models
from apm_designer.cms_models import CmsModel
from apm_designer.document import LoadError, UnreadableFile
from apm_designer.drafts import Draft, Session, recent_files, unsaved_drafts
from apm_designer.tui.screens.dialogs import AskPath
from apm_designer.tui.widgets.footer import KeyFooter

TAGLINE = ("Design an Alternative Payment Model proposal step by step: the seven elements of CMS's APM Design "
           "Toolkit, the twenty model design factors and the LAN payment arrangements, with the toolkit's guidance "
           "at hand and a live check of whether the model is an APM, an Advanced APM and a PFPM.")


class OpenSession(Message):
    """Start working on a proposal."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session


class StartScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New proposal"),
        Binding("m", "from_model", "Start from a CMS model"),
        Binding("o", "open", "Open a file"),
        Binding("q", "app.quit", "Quit", show=False),  # ctrl+q is in the footer already
    ]

    def __init__(self) -> None:
        super().__init__()
        self.drafts: list[Draft] = []
        self.recent: list[Path] = []

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Center(id="start"), Vertical(id="start-box"):
            yield Static(TAGLINE, id="start-tagline", markup=False)
            with Horizontal(id="start-actions"):
                yield Button("New proposal", id="start-new", variant="primary")
                yield Button("Start from a CMS model…", id="start-model")
                yield Button("Open a file…", id="start-open")
            yield Label("Resume unsaved work", classes="start-heading", id="drafts-heading")
            yield OptionList(id="start-drafts")
            yield Label("Recent files", classes="start-heading", id="recent-heading")
            yield OptionList(id="start-recent")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "APM Designer"
        self.sub_title = "start"
        # Under a root folder (serve), only the files in it; drafts of proposals never saved are kept in the
        # state folder, and saving one still asks for a name in the root.
        outside = getattr(self.app, "outside_root", lambda _path: None)
        self.drafts = [d for d in unsaved_drafts() if d.target is None or not outside(d.target)]
        self.recent = [p for p in recent_files() if not outside(p)]
        drafts = self.query_one("#start-drafts", OptionList)
        drafts.set_options(Option(_draft_prompt(d), id=f"draft-{i}") for i, d in enumerate(self.drafts))
        recent = self.query_one("#start-recent", OptionList)
        recent.set_options(Option(Content.assemble(("▸ ", "$text-primary"), _shown(p)), id=f"recent-{i}")
                           for i, p in enumerate(self.recent))
        for widget, heading, items in ((drafts, "#drafts-heading", self.drafts),
                                       (recent, "#recent-heading", self.recent)):
            widget.display = bool(items)
            self.query_one(heading).display = bool(items)
        self.query_one("#start-new").focus()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Only the list in use shows a highlighted entry, and it starts on its first, so enter opens something.
        for options in self.query(OptionList):
            focused = options is event.widget and options.option_count > 0
            options.highlighted = (options.highlighted or 0) if focused else None

    @on(Button.Pressed, "#start-new")
    def action_new(self) -> None:
        self.post_message(OpenSession(Session.new()))

    @on(Button.Pressed, "#start-model")
    @work(exclusive=True)
    async def action_from_model(self) -> None:
        model = await self.app.push_screen_wait(PickModel())
        if model is not None:
            session = Session.new(data=cms_models.start_from(model), note=cms_models.note(model))
            self.post_message(OpenSession(session))

    @on(Button.Pressed, "#start-open")
    @work(exclusive=True)
    async def action_open(self) -> None:
        opened: dict[str, Session] = {}

        def load(path: Path) -> str | None:
            try:
                opened["session"] = Session.edit(path)
            except LoadError as e:
                return str(e)
            except UnreadableFile as e:
                return str(e)
            return None

        path = await self.app.push_screen_wait(AskPath(
            "Open a proposal", "Type a file name or pick one below.", action="Open", check=load))
        if path is not None:
            self.post_message(OpenSession(opened["session"]))

    @on(OptionList.OptionSelected, "#start-drafts")
    def _resume(self, event: OptionList.OptionSelected) -> None:
        draft = self.drafts[int(str(event.option_id).removeprefix("draft-"))]
        try:
            self.post_message(OpenSession(Session.resume(draft)))
        except (LoadError, UnreadableFile) as e:
            self.notify(str(e), severity="error", timeout=10)

    @on(OptionList.OptionSelected, "#start-recent")
    def _recent(self, event: OptionList.OptionSelected) -> None:
        path = self.recent[int(str(event.option_id).removeprefix("recent-"))]
        try:
            self.post_message(OpenSession(Session.edit(path)))
        except (LoadError, UnreadableFile) as e:
            self.notify(str(e), severity="error", timeout=10)


class PickModel(ModalScreen[CmsModel | None]):
    """The library of real CMS models, searchable: each with its year, status and one line on what it is."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        # The search keeps the focus; up and down move through the models it leaves.
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(classes="dialog")
        self.models = cms_models.library()
        self.shown: list[CmsModel] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box dialog-wide dialog-browse"):
            yield Label("Start from a CMS model: a new draft with a real model's answers", classes="dialog-title")
            yield Input(placeholder="type to search (oncology, ACO, primary care, 2019…); enter starts a draft",
                        id="model-search")
            yield OptionList(id="model-list")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Start", id="model-start", variant="primary")
                yield Button("Cancel", id="model-cancel")

    def on_mount(self) -> None:
        self.show_models("")
        self.query_one("#model-search", Input).focus()

    @on(Input.Changed, "#model-search")
    def _search(self, event: Input.Changed) -> None:
        self.show_models(event.value)

    def show_models(self, query: str) -> None:
        """The models whose name, summary, year or status hold every word of `query`, in the catalogue's order."""
        words = query.lower().split()
        self.shown = [m for m in self.models if all(w in _searchable(m) for w in words)]
        options = self.query_one("#model-list", OptionList)
        options.set_options(Option(_model_prompt(m), id=m.key) for m in self.shown)
        options.highlighted = 0 if self.shown else None

    def action_move(self, step: int) -> None:
        """Move the highlight from the search (the list's own up and down keys win when it has the focus)."""
        options = self.query_one("#model-list", OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    @on(Input.Submitted, "#model-search")
    @on(Button.Pressed, "#model-start")
    def _start(self) -> None:
        highlighted = self.query_one("#model-list", OptionList).highlighted
        if highlighted is not None:
            self.dismiss(self.shown[highlighted])

    @on(OptionList.OptionSelected, "#model-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.shown[event.option_index])

    @on(Button.Pressed, "#model-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def _searchable(model: CmsModel) -> str:
    return f"{model.name} {model.summary} {model.key} {model.when} {model.status()}".lower()


def _model_prompt(model: CmsModel) -> Content:
    return Content.assemble(("▸ ", "$text-primary"), (model.name, "bold"), "\n  ",
                            (f"{model.when} · {model.status()}: ", "$text-accent"), (model.summary, "dim"))


def _draft_prompt(draft: Draft) -> Content:
    where = f"draft of {_shown(draft.target)}" if draft.target else "never saved"
    when = time.strftime("%d %b %Y %H:%M", time.localtime(draft.saved_at))
    return Content.assemble(("▸ ", "$text-warning"), (draft.title, "bold"), (f"  {where} · {when}", "dim"))


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        home = Path.home()
        return "~/" + str(path.relative_to(home)) if path.is_relative_to(home) else str(path)
