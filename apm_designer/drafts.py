"""Never lose work: the proposal file edited in place, its autosaved draft, and the recent files.

* **The file** (`ProposalFile`) is written atomically through the document layer. An existing file is edited in
  place with ruamel.yaml's round-trip mode, so the proposer's comments, key order and quoting survive and editing
  one answer changes only that answer's lines; saving without changes leaves the file byte-identical. Its content
  when opened (or last saved) is remembered, so a change someone else made on disk is noticed before it is
  overwritten. A new file is written the way `apm-designer` writes every proposal (`document.dumps`).
* **The draft** holds every answer given since the last save: `.NAME.apm-draft.yaml` beside the file (the
  repository's .gitignore ignores `*.apm-draft.yaml`), or, for a proposal without a file yet, a file in the user's
  state folder ($XDG_STATE_HOME/apm-designer, else ~/.local/state/apm-designer). Its first line says which file it
  is a draft of; the rest is a plain proposal the strict loader reads back.
* **Recent files**: the last files opened or saved, in the state folder's recent.json.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apm_designer.document import (
    BOM,
    Document,
    LoadError,
    _CoreResolver,
    block_style,
    decode,
    dumps,
    loads,
    modeline,
    needs_escapes,
    read_bytes,
    read_text,
    write_atomic,
)
from apm_designer.resources import SCHEMA_PATH, proposal_schema
from apm_designer.wizard import Questionnaire, equal, field_at, resolve

if TYPE_CHECKING:
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

DRAFT_SUFFIX = ".apm-draft.yaml"
DRAFT_MARK = "# apm-designer draft of: "
NEW_PROPOSAL = "(a new proposal)"
RECENT_LIMIT = 12


# ------------------------------------------------------------------------------------------------------- state folder


def state_dir() -> Path:
    """The user's state folder for apm-designer (not created here)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "apm-designer"


def draft_path_for(target: Path | None) -> Path:
    """Where the draft of `target` lives: beside it, or in the state folder for a proposal without a file."""
    if target is not None:
        return target.parent / f".{target.name}{DRAFT_SUFFIX}"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return state_dir() / "drafts" / f"untitled-{stamp}-{os.getpid()}{DRAFT_SUFFIX}"


# ------------------------------------------------------------------------------------------------------------ drafts


@dataclass(frozen=True)
class Draft:
    path: Path
    target: Path | None  # the file it is a draft of; None for a proposal not saved yet
    data: dict[str, Any]
    saved_at: float

    @property
    def title(self) -> str:
        meta = self.data.get("metadata")
        title = meta.get("title") if isinstance(meta, Mapping) else None
        return title if isinstance(title, str) and title else "Untitled proposal"


def write_draft(path: Path, target: Path | None, data: Mapping[str, Any]) -> None:
    """Save every answer to the draft (atomically: a crash leaves the previous draft, never half of one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = DRAFT_MARK + (str(target.resolve()) if target is not None else NEW_PROPOSAL) + "\n"
    write_atomic(path, dumps(data, header=header))


def read_draft(path: Path) -> Draft | None:
    """The draft at `path`, or None when there is none or it cannot be read back."""
    try:
        text = read_text(path, str(path))
        saved_at = path.stat().st_mtime
    except OSError:
        return None
    first = text.split("\n", 1)[0]
    if not first.startswith(DRAFT_MARK):
        return None
    where = first.removeprefix(DRAFT_MARK).strip()
    try:
        data = loads(text, str(path)).data
    except Exception:  # a damaged draft is not worth a crash: it is offered no more
        return None
    return Draft(path, None if where == NEW_PROPOSAL else Path(where), data, saved_at)


def draft_for(target: Path) -> Draft | None:
    """The unsaved draft of `target`, when one is newer than the file (or the file does not exist yet)."""
    draft = read_draft(draft_path_for(target))
    if draft is None:
        return None
    try:
        if draft.saved_at <= target.stat().st_mtime:
            return None
    except OSError:
        pass
    return draft


def discard_draft(path: Path | None) -> None:
    if path is None:
        return
    with contextlib.suppress(OSError):  # its folder cannot be reached (a broken state folder): nothing to discard
        path.unlink(missing_ok=True)


def unsaved_drafts() -> list[Draft]:
    """Drafts to resume: proposals never saved, and recent files with a draft newer than the file; newest first."""
    found: list[Draft] = []
    folder = state_dir() / "drafts"
    if folder.is_dir():
        found += [d for p in folder.glob(f"*{DRAFT_SUFFIX}") if (d := read_draft(p)) is not None]
    found += [d for f in recent_files() if (d := draft_for(f)) is not None]
    return sorted(found, key=lambda d: d.saved_at, reverse=True)


# ------------------------------------------------------------------------------------------------------ recent files


def _recent_path() -> Path:
    return state_dir() / "recent.json"


def recent_files() -> list[Path]:
    """Files recently opened or saved, most recent first, that still exist."""
    try:
        entries = json.loads(_recent_path().read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [Path(p) for p in entries if isinstance(p, str) and Path(p).is_file()]


def remember(path: Path) -> None:
    """Put `path` at the top of the recent files."""
    target = str(path.resolve())
    try:
        entries = json.loads(_recent_path().read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        entries = []
    entries = [target, *(p for p in entries if p != target and isinstance(p, str))][:RECENT_LIMIT]
    try:
        _recent_path().parent.mkdir(parents=True, exist_ok=True)
        write_atomic(_recent_path(), json.dumps({"files": entries}, indent=2) + "\n")
    except OSError:  # a read-only home must not stop anyone from working
        pass


# ---------------------------------------------------------------------------------------------------- the file itself


class ChangedOnDisk(Exception):
    """The file was changed (or removed) by someone else since it was opened or last saved."""


class ProposalFile:
    """A proposal's file as it was when opened or last saved: the text, and the answers it holds.

    A byte order mark is not part of the text (the loader ignores it) but is kept on saving, and counted when
    telling whether someone else changed the file.
    """

    def __init__(self, path: Path, text: str | None = None, data: Mapping[str, Any] | None = None, *,
                 bom: bool = False, note: str = "") -> None:
        self.path = path
        self.text = text  # None: the file does not exist yet
        self.data: dict[str, Any] = copy.deepcopy(dict(data or {}))  # not the caller's, which may change
        self.bom = bom
        self.note = note  # a comment for the first lines of a new file, e.g. the CMS model it was started from

    @classmethod
    def open(cls, path: Path) -> tuple[ProposalFile, Document]:
        """Load a proposal strictly (raises LoadError or UnreadableFile, like every command)."""
        raw = read_bytes(path, str(path))
        text = decode(raw, str(path))
        doc = loads(text, str(path))
        return cls(path, text, doc.data, bom=raw.startswith(BOM.encode())), doc

    @property
    def exists(self) -> bool:
        return self.text is not None

    def _on_disk(self, text: str) -> str:
        return BOM + text if self.bom else text

    def changed_on_disk(self) -> bool:
        """Whether the file on disk is no longer what we opened or last saved."""
        try:
            now = self.path.read_bytes()
        except FileNotFoundError:
            return self.text is not None
        except OSError:
            return False  # unreadable now: the save itself will report it
        return self.text is None or _digest(now) != _digest(self._on_disk(self.text).encode("utf-8"))

    def render(self, data: Mapping[str, Any]) -> str:
        """The file's text with `data` as its answers."""
        if self.text is None:
            return dumps(data, header=modeline(self.path, SCHEMA_PATH) + (f"# {self.note}\n" if self.note else ""))
        if equal(dict(data), self.data):
            return self.text
        return edit_in_place(self.text, data)

    def save(self, data: Mapping[str, Any], *, overwrite: bool = False) -> None:
        """Write the answers. Raises ChangedOnDisk unless `overwrite`, when someone else changed the file, and
        AnswersNotKept (writing nothing) when the text would not load back with exactly these answers."""
        if not overwrite and self.changed_on_disk():
            raise ChangedOnDisk(str(self.path))
        text = self.render(data)
        if text != self.text or not self.path.exists():
            _check_loads_back(text, data, self.path)
            write_atomic(self.path, self._on_disk(text))
        self.text = text
        self.data = copy.deepcopy(dict(data))


class AnswersNotKept(OSError):
    """A save that would not load back with the answers given: refused before it replaces anything.

    An OSError, so that everything that reports a failed save (the wizard says "Could not save: ...") reports this.
    """


def _check_loads_back(text: str, data: Mapping[str, Any], path: Path) -> None:
    """Read `text` back with the strict loader, as every command will, before it replaces the file."""
    try:
        back = loads(text, str(path)).data
    except LoadError as e:
        raise AnswersNotKept(f"the saved file would not load again (line {e.line}: {e.message}); your answers are "
                             "kept in the draft: please report this") from None
    where = _first_difference(back, data, ())
    if where is not None:
        question = field_at(where)
        name = f"“{question.title}”" if question is not None else "an answer"
        raise AnswersNotKept(f"{name} would not load back as given; your answers are kept in the draft: please "
                             "report this")


def _first_difference(a: Any, b: Any, path: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
    """The first answer path where `a` and `b` differ (types included: 1 is not 1.0), in any key order."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in {**a, **b}:
            if key not in a or key not in b:
                return (*path, key)
            if (found := _first_difference(a[key], b[key], (*path, key))) is not None:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return path
        return next((found for i, (x, y) in enumerate(zip(a, b, strict=True))
                     if (found := _first_difference(x, y, (*path, i))) is not None), None)
    return None if equal(a, b) else path


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


# --------------------------------------------------------------------------------------------- round-trip YAML edits
# ruamel.yaml is imported where it is used: only saving an edited file needs it, and importing it costs every start
# of the wizard about 15 ms.


@cache
def _resolver() -> type:
    from ruamel.yaml.resolver import VersionedResolver

    class Resolver(VersionedResolver):
        """The YAML 1.2 core scalars the strict loader resolves, and no others (so dates stay text, as they load)."""

        @property
        def versioned_resolver(self) -> Any:
            return {first: list(resolvers) for first, resolvers in _CoreResolver.yaml_implicit_resolvers.items()}

    return Resolver


def _yaml(mapping: int, sequence: int, offset: int) -> YAML:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.Resolver = _resolver()
    yaml.preserve_quotes = True
    yaml.width = 100  # as document.dumps folds long text
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


@cache
def _house_indent() -> tuple[int, int, int]:
    """How document.dumps indents, for files that do not show it (no nested mapping or list yet)."""
    return guess_indent(dumps({"metadata": {"title": "x"}, "element_5": {"payers": ["medicare"]}}), (2, 2, 0))


_OPENS_BLOCK = re.compile(r"^(?:- )?[^#\s][^#]*:\s*(?:#.*)?$")  # `key:` with its value on the lines below


def guess_indent(text: str, default: tuple[int, int, int]) -> tuple[int, int, int]:
    """(mapping indent, sequence indent, dash offset) as ruamel.yaml names them, from the file's first nested
    mapping and first list under a key; `default` for what the file does not show."""
    mapping = sequence = offset = None
    opener: int | None = None  # indentation of the `key:` line just above, when it opens a block
    for line in text.splitlines():
        body = line.lstrip(" ")
        if not body or body.startswith("#"):
            continue
        indent = len(line) - len(body)
        if opener is not None and indent > opener:
            if body.startswith("- ") and sequence is None:
                offset = indent - opener
                sequence = offset + 2 + len(body[2:]) - len(body[2:].lstrip(" "))
            elif not body.startswith("- ") and mapping is None:
                mapping = indent - opener
        if mapping is not None and sequence is not None:
            break
        opener = indent + (2 if body.startswith("- ") else 0) if _OPENS_BLOCK.match(body) else None
    return (mapping or default[0], sequence or default[1], default[2] if offset is None else offset)


def edit_in_place(text: str, data: Mapping[str, Any]) -> str:
    """`text` (a proposal's YAML) with its answers replaced by `data`, touching only the lines that change.

    A file with CRLF line endings is edited as LF and given CRLF back on every line: ruamel.yaml writes LF, and
    lines of both kinds would not match when the edit is laid onto the file (nor look right in the file).
    """
    if _newline(text) == "\r\n":
        return edit_in_place(text.replace("\r\n", "\n"), data).replace("\n", "\r\n")
    yaml = _yaml(*guess_indent(text, _house_indent()))
    before = _dump(yaml, yaml.load(text))
    after = _dump(yaml, _merge(yaml.load(text), dict(data), proposal_schema()))
    return text if before == after else _patch(text, before, after)


def _newline(text: str) -> str:
    """The file's line ending: that of its first line."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def _dump(yaml: YAML, tree: Any) -> str:
    out = io.StringIO()
    yaml.dump(tree, out)
    return out.getvalue()


def _patch(original: str, before: str, after: str) -> str:
    """Apply the change from `before` to `after` (two dumps of the file) to the `original` text, line by line.

    ruamel.yaml reproduces most of a file exactly but may write some values differently than the proposer (or
    another YAML writer) did. Those lines are kept as they were unless the edit itself touches them, so only the
    answers that changed show up in a diff.
    """
    o, a, b = original.splitlines(keepends=True), before.splitlines(keepends=True), after.splitlines(keepends=True)
    # How the original's lines correspond to the re-dumped ones: (a1, a2, o1, o2) blocks covering both.
    blocks = [(a1, a2, o1, o2, tag == "equal")
              for tag, a1, a2, o1, o2 in SequenceMatcher(None, a, o, autojunk=False).get_opcodes()]
    out: list[str] = []
    emitted: set[int] = set()
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            out += b[j1:j2]
            continue
        for n, (a1, a2, o1, o2, same) in enumerate(blocks):
            if a1 == a2:  # lines only the original has (nothing in the dump): keep them where they were
                if i1 <= a1 <= i2 and n not in emitted:
                    emitted.add(n)
                    out += o[o1:o2]
                continue
            lo, hi = max(a1, i1), min(a2, i2)
            if lo >= hi:
                continue
            if same:
                out += o[o1 + lo - a1:o1 + hi - a1]
            elif lo == a1 and hi == a2:  # written differently by the dump, untouched by the edit: as it was
                out += o[o1:o2]
            else:  # partly edited: the dump's version of the untouched part
                out += a[lo:hi]
    return "".join(out)


def _merge(node: Any, value: Any, schema: Mapping[str, Any]) -> Any:
    """`value` written over `node`, reusing every part of `node` (with its comments and style) that is unchanged."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.compat import ordereddict
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

    schema = resolve(schema)
    if isinstance(value, Mapping) and isinstance(node, CommentedMap):
        props = schema.get("properties", {})
        for key in [k for k in node if k not in value]:
            del node[key]
        for key, item in value.items():
            if key in node:
                merged = _merge(node[key], item, props.get(key, {}))
                if merged is not node[key]:  # (CommentedMap's own setting would restyle it: see _fresh)
                    ordereddict.__setitem__(node, key, merged)
            else:
                node.insert(_position(node, key, list(props)), key, _fresh(item, props.get(key, {})))
        return node
    if isinstance(value, list) and isinstance(node, CommentedSeq):
        items = schema.get("items", {})
        del node[len(value):]
        for i, item in enumerate(value):
            if i < len(node):
                merged = _merge(node[i], item, items)
                if merged is not node[i]:
                    list.__setitem__(node, i, merged)
            else:
                node.append(_fresh(item, items))
        return node
    if not isinstance(value, (Mapping, list)) and equal(_plain(node), value):
        return node
    if isinstance(value, str) and isinstance(node, (SingleQuotedScalarString, DoubleQuotedScalarString)) \
            and "\n" not in value and not needs_escapes(value):
        return type(node)(value)  # keep the proposer's quoting
    return _fresh(value, schema)


def _position(node: CommentedMap, key: str, order: list[str]) -> int:
    """Where a new key goes: after the last existing key the schema lists before it."""
    rank = {k: i for i, k in enumerate(order)}
    mine = rank.get(key, len(order))
    before = [i for i, k in enumerate(node) if rank.get(k, len(order) + 1) < mine]
    return before[-1] + 1 if before else 0


def _fresh(value: Any, schema: Mapping[str, Any]) -> Any:
    """New YAML nodes for an answer, keys in schema order, multi-line text as literal blocks (as dumps writes).

    Text is written in the style that carries it (document.needs_escapes, block_style). Set on a mapping key or a
    list item by ruamel.yaml's own `node[key] = text`, plain text would take the style of the answer it replaces
    (a folded block, say), which may not carry it: `_merge` sets it underneath that.
    """
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

    schema = resolve(schema)
    if isinstance(value, Mapping):
        props = schema.get("properties", {})
        out = CommentedMap()
        for key in [k for k in props if k in value] + [k for k in value if k not in props]:
            out[key] = _fresh(value[key], props.get(key, {}))
        return out
    if isinstance(value, list):
        return CommentedSeq(_fresh(item, schema.get("items", {})) for item in value)
    if isinstance(value, str) and needs_escapes(value):
        return DoubleQuotedScalarString(value)
    if isinstance(value, str) and block_style(value):
        return LiteralScalarString(value)
    return value


def _plain(node: Any) -> Any:
    """A ruamel scalar as the plain Python value the strict loader gives (ScalarFloat -> float, ...)."""
    if isinstance(node, bool) or node is None:
        return node
    if type(node).__name__ == "ScalarBoolean":
        return bool(node)
    for kind in (int, float, str):
        if isinstance(node, kind):
            return kind(node)
    return node



# ------------------------------------------------------------------------------------------------------- the session


class Session:
    """One proposal being worked on: its answers, the file they are saved to (if any), and their draft."""

    def __init__(self, questionnaire: Questionnaire, file: ProposalFile | None, draft: Path | None = None,
                 note: str = "") -> None:
        self.questionnaire = questionnaire
        self.file = file
        self.note = note  # what a new proposal was started from, written at the top of its file when first saved
        self.draft_path = draft or draft_path_for(file.path if file else None)
        self.offered_draft: Draft | None = None  # a newer draft found on opening, for the user to restore or not

    @classmethod
    def new(cls, target: Path | None = None, *, data: Mapping[str, Any] | None = None, note: str = "") -> Session:
        """A new proposal, to be saved to `target` (asked on first save when None); `data` are answers it starts
        with (unsaved, so they are drafted and saving is asked for) and `note` says where they came from."""
        questionnaire = Questionnaire(data, baseline={}) if data is not None else Questionnaire()
        session = cls(questionnaire, ProposalFile(target, note=note) if target is not None else None, note=note)
        if target is not None:
            session.offered_draft = draft_for(target)
        return session

    @classmethod
    def edit(cls, path: Path) -> Session:
        """An existing proposal (strictly loaded: raises LoadError or UnreadableFile)."""
        file, doc = ProposalFile.open(path)
        session = cls(Questionnaire(doc.data), file)
        session.offered_draft = draft_for(path)
        remember(path)
        return session

    @classmethod
    def resume(cls, draft: Draft) -> Session:
        """Pick up a draft: of its file when that still loads, else as a proposal of its own."""
        if draft.target is not None and draft.target.exists():
            session = cls.edit(draft.target)
            session.restore(draft)
            return session
        file = ProposalFile(draft.target) if draft.target is not None else None
        session = cls(Questionnaire(draft.data, baseline={}), file, draft.path)
        return session

    def restore(self, draft: Draft) -> None:
        """Take the answers of an offered draft."""
        self.questionnaire.data = json.loads(json.dumps(draft.data))
        self.questionnaire.revision += 1
        self.offered_draft = None

    def decline_draft(self) -> None:
        """The proposer chose the file over the draft: the draft goes."""
        if self.offered_draft is not None:
            discard_draft(self.offered_draft.path)
        self.offered_draft = None

    @property
    def path(self) -> Path | None:
        return self.file.path if self.file else None

    @property
    def dirty(self) -> bool:
        return self.questionnaire.dirty

    def autosave(self) -> None:
        """Keep the draft in step with the answers: written while they differ from the file, gone when not."""
        if self.questionnaire.dirty:
            write_draft(self.draft_path, self.path, self.questionnaire.data)
        else:
            discard_draft(self.draft_path)

    def save(self, path: Path | None = None, *, overwrite: bool = False) -> Path:
        """Save to the file (or to `path`, which becomes the file). Raises ChangedOnDisk unless `overwrite`."""
        if path is not None and (self.file is None or path.resolve() != self.file.path.resolve()):
            # Saving as: a fresh file (the caller asked before replacing one).
            target = ProposalFile(path, note=self.note)
        elif self.file is not None:
            target = self.file
        else:
            raise ValueError("a new proposal needs a file name to be saved")
        # The answers are in the draft before anything else, and stay there if the save fails; a draft that cannot
        # be written (a read-only state folder) does not stop the file from being saved
        with contextlib.suppress(OSError):
            self.autosave()
        target.save(self.questionnaire.data, overwrite=overwrite or target is not self.file)
        old_draft = self.draft_path
        self.file = target
        self.draft_path = draft_path_for(target.path)
        self.questionnaire.mark_saved()
        discard_draft(old_draft)
        discard_draft(self.draft_path)
        remember(target.path)
        return target.path

    def discard(self) -> None:
        """Leave without saving: the draft goes too."""
        discard_draft(self.draft_path)
