"""Proposal documents on disk: strict, safe YAML loading with a location for every node, and atomic saving.

Loading accepts the YAML a proposer writes and nothing more:

* YAML 1.2 core scalars only. PyYAML resolves YAML 1.1, where `NO` and `off` are booleans and `2024-01-01` is a
  date; a proposer who types those into a text answer must get that text back. Only `true`/`false` are booleans
  and dates stay strings (the schema checks their format).
* No anchors or aliases (proposals never need them, and they are how a 300-byte file expands to gigabytes),
  no tags outside the YAML core schema, no duplicate keys (PyYAML keeps the last one silently), text keys only.
* Size and nesting limits, checked before the work they protect.

Every failure is a `LoadError` with a 1-based line and column. A loaded `Document` keeps the composed node tree,
so locating a schema problem costs nothing until a file has one.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # libyaml's C parser when PyYAML was built with it; the pure-Python one otherwise
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 24
# libyaml's composer (in C, recursive) crashes the process on nesting some tens of thousands deep, which a file
# well under MAX_BYTES can reach (`[[[[...` or `- - - ...`). Texts that could nest deeper than this are checked
# on the (iterative) event stream before composing; below it composing is safe and `_build` enforces max_depth.
COMPOSE_GUARD_DEPTH = 1000
TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, MAP, SEQ = (TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq"))
CORE_TAGS = {STR, INT, FLOAT, BOOL, NULL, MAP, SEQ}


@dataclass(frozen=True)
class LoadError(Exception):
    """A document that cannot be loaded, with where and why. `code` names the kind of failure."""

    path: str
    line: int
    col: int
    message: str
    code: str

    def __str__(self) -> str:
        from apm_designer.problems import inert

        return f"{inert(self.path)}:{self.line}:{self.col}: error: {inert(self.message)} [{self.code}]"


class UnreadableFile(OSError):
    """The file could not be read at all (missing, a folder, no permission): a usage or I/O error, exit 2."""


class _CoreResolver(yaml.resolver.BaseResolver):
    """Implicit scalar types of the YAML 1.2 core schema: null, bool, int, float; everything else is text."""


# The YAML 1.2 core schema's scalars, as whole values (\Z: a trailing newline is not part of a number)
CORE_PATTERNS = {
    BOOL: re.compile(r"\A(?:true|True|TRUE|false|False|FALSE)\Z"),
    NULL: re.compile(r"\A(?:~|null|Null|NULL|)\Z"),
    INT: re.compile(r"\A(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z"),
    FLOAT: re.compile(
        r"\A(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z"),
}
for _tag, _first in ((BOOL, "tTfF"), (NULL, ["~", "n", "N", ""]), (INT, "-+0123456789"), (FLOAT, "-+0123456789.")):
    _CoreResolver.add_implicit_resolver(_tag, CORE_PATTERNS[_tag], list(_first))


class _Loader(_BaseLoader):
    """libyaml's parser and composer with the YAML 1.2 core resolver. We construct values ourselves (see _build)."""

    def resolve(self, kind: type[Node], value: str | None, implicit: Any) -> str:
        # The composer calls this for every node. BaseResolver.resolve also handles path and wildcard resolvers,
        # which the core resolver has none of; this is the same lookup without them, at about half the cost.
        if kind is ScalarNode:
            if implicit[0]:
                for tag, regexp in _IMPLICIT.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return STR
        return SEQ if kind is SequenceNode else MAP


for _attr in ("yaml_implicit_resolvers", "yaml_path_resolvers"):
    setattr(_Loader, _attr, getattr(_CoreResolver, _attr))
assert not _CoreResolver.yaml_path_resolvers and None not in _CoreResolver.yaml_implicit_resolvers  # see resolve
_IMPLICIT = _CoreResolver.yaml_implicit_resolvers


@dataclass
class Document:
    """A loaded proposal: its data, and the composed YAML nodes to locate any part of it."""

    path: str
    data: dict[str, Any]
    root: MappingNode
    # Each mapping's (key node, value node) by key, made when first looked into: locating every problem of a file
    # with thousands of unknown keys costs the file's size once, not once per problem
    _keys: dict[int, dict[str, tuple[Node, Node]]] = field(default_factory=dict, repr=False)

    def node_at(self, path: Sequence[str | int]) -> tuple[Node | None, Node]:
        """The (key node, value node) at `path`, or the deepest ancestor that exists (key node None at the root)."""
        key_node: Node | None = None
        node: Node = self.root
        for part in path:
            if isinstance(node, MappingNode):
                keys = self._keys.get(id(node))
                if keys is None:
                    keys = self._keys[id(node)] = {k.value: (k, v) for k, v in reversed(node.value)}  # first wins
                if part not in keys:
                    break
                key_node, node = keys[part]
            elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                key_node, node = None, node.value[part]
            else:
                break
        return key_node, node

    def locate(self, path: Sequence[str | int], *, key: bool = False) -> tuple[int, int]:
        """1-based (line, col) of the value at `path` (of its key when `key`), or of its deepest existing ancestor."""
        key_node, node = self.node_at(path)
        return _at((key_node if key and key_node is not None else node).start_mark)


def read_text(path: Path, display: str, max_bytes: int = MAX_BYTES) -> str:
    """The file's text, refusing what is not a regular file, too large or not UTF-8 before any parsing."""
    return decode(read_bytes(path, display, max_bytes), display)


def read_bytes(path: Path, display: str, max_bytes: int = MAX_BYTES) -> bytes:
    """The file's bytes. Only a regular file is read: a named pipe would block until something writes to it, and
    a device may never end. It is opened without blocking and checked as opened, so nothing swapped in between a
    check and the opening gets read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as e:
        raise UnreadableFile(f"{display}: {why_unreadable(e)}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UnreadableFile(f"{display}: is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(f"{display}: is not a regular file (a named pipe, device or socket); "
                                 "give a proposal file")
        if info.st_size > max_bytes:
            raise LoadError(display, 1, 1, f"file is {info.st_size:,} bytes, over the {max_bytes:,}-byte limit",
                            "too-large")
        raw = _read_all(fd, max_bytes + 1)
    except OSError as e:
        if isinstance(e, UnreadableFile):
            raise
        raise UnreadableFile(f"{display}: {why_unreadable(e)}") from None
    finally:
        os.close(fd)
    if len(raw) > max_bytes:  # grew between the check and the reading
        raise LoadError(display, 1, 1, f"file is over the {max_bytes:,}-byte limit", "too-large")
    return raw


def _read_all(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    while limit > 0 and (chunk := os.read(fd, min(limit, 1 << 20))):
        chunks.append(chunk)
        limit -= len(chunk)
    return b"".join(chunks)


def why_unreadable(e: OSError) -> str:
    """What an OSError says about a path, in words: a symlink loop is not a missing file."""
    if e.errno == errno.ENOENT:
        return "no such file or folder"
    if e.errno == errno.ELOOP:
        return "cannot read: a symbolic link that leads back to itself (a symlink loop)"
    if e.errno == errno.EISDIR:
        return "is a folder, not a file"
    return f"cannot read: {e.strerror or e}"


BOM = "\ufeff"


def decode(raw: bytes, display: str, *, keep_bom: bool = False) -> str:
    """UTF-8 text from `raw`, without its byte order mark unless `keep_bom` (which the loader ignores)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        before = raw[: e.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        raise LoadError(display, line, col, f"byte 0x{raw[e.start]:02x} is not valid UTF-8; save the file as UTF-8",
                        "encoding") from None
    return text if keep_bom else text.removeprefix(BOM)


def load(path: str | os.PathLike[str], *, display: str | None = None, max_bytes: int = MAX_BYTES) -> Document:
    """Load and check one proposal file. Raises LoadError (bad content) or UnreadableFile (I/O)."""
    p = Path(path)
    shown = display if display is not None else str(path)
    return loads(read_text(p, shown, max_bytes), shown)


def loads(text: str, display: str = "<string>", *, max_depth: int = MAX_DEPTH) -> Document:
    """Load a proposal from text (see `load`)."""
    if not _has_content(text):
        raise LoadError(display, 1, 1, "file is empty; a proposal starts with its `metadata:` mapping", "empty")
    # Anchors are invisible in the node tree, and composing too deep a text crashes: in either case ask the
    # parser first, but only when the text could hold them (the common case composes straight away).
    if _may_hold_anchors(text) or _may_nest_deeper_than(text, COMPOSE_GUARD_DEPTH):
        _scan_events(text, display, max_depth)
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.composer.ComposerError as e:
        if e.problem and e.problem.startswith("found undefined alias") and e.problem_mark is not None:
            m = e.problem_mark
            line = _LINE_BREAK.split(text)[m.line].removeprefix(BOM)
            alias = re.match(r"\*[^\s\[\]{},]*", line[m.column:])  # libyaml's message does not name it
            what = f"alias {alias.group() if alias else '*'}"
            raise LoadError(display, *_at(m), _alias_message(what), "alias") from None
        raise _syntax_error(e, display, text) from None
    except yaml.YAMLError as e:
        raise _syntax_error(e, display, text) from None
    finally:
        loader.dispose()
    if root is None or root.tag == NULL:  # no document, or one that is only `---` / `~`
        raise LoadError(display, 1, 1, "file holds no YAML document", "empty")
    if not isinstance(root, MappingNode):
        line, col = _where(root)
        message = f"the top level must be a mapping of answers (`metadata:`, `element_1:`, ...), not {_kind(root)}"
        raise LoadError(display, line, col, message, "not-mapping")
    data = _build(root, display, set(), 0, max_depth)
    return Document(display, data, root)


def _has_content(text: str) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines())


def _yaml_problem(e: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (e.context, e.problem) if p]
    return "; ".join(parts) or "unreadable YAML"


def _kind(node: Node) -> str:
    if isinstance(node, SequenceNode):
        return "a list"
    return "a single value" if isinstance(node, ScalarNode) else "this"


def _syntax_error(e: yaml.YAMLError, display: str, text: str) -> LoadError:
    if isinstance(e, yaml.reader.ReaderError) and isinstance(e.character, int):
        # No mark here, only an offset (in bytes from libyaml): the character itself says where, as the reader
        # stops at the first one it does not accept.
        at = text.find(chr(e.character))
        lines = _LINE_BREAK.split(text[:at]) if at >= 0 else [""]
        return LoadError(display, len(lines), len(lines[-1]) + 1,
                         f"invalid YAML: character U+{e.character:04X} is not allowed in a YAML file ({e.reason}); "
                         "remove it, or write it as an escape in a double-quoted answer", "yaml-syntax")
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        line, col = _at(mark) if mark else (1, 1)
        if "tab character" in (e.problem or "") or (mark and _LINE_BREAK.split(text)[mark.line][mark.column:][:1]
                                                       == "\t" and "cannot start any token" in (e.problem or "")):
            return LoadError(display, line, col, "invalid YAML: tabs cannot indent YAML; use spaces", "yaml-syntax")
        return LoadError(display, line, col, f"invalid YAML: {_yaml_problem(e)}", "yaml-syntax")
    return LoadError(display, 1, 1, f"invalid YAML: {e}", "yaml-syntax")


_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # libyaml's line breaks, as it counts lines
_BREAKS = "\n\r\x85\u2028\u2029"  # libyaml's line breaks
_NODE_PROPERTY = re.compile(r"[&!]")


def _may_hold_anchors(text: str) -> bool:
    """Whether an anchor (&name) or a tag (!, which may come before an anchor) could start a node.

    Aliases (*name) need no looking for: one with no anchor before it fails to compose ("undefined alias", refused
    as an alias in `loads`), and Markdown emphasis at the start of a line of a long answer (`**Key point**`) is
    common in proposals. A node starts at a line's start after indentation and block indicators, or after `:` or
    a flow indicator. A superset (it also matches in quoted text and block scalars, e.g. "Note: &this"): True
    only means the event scan runs. Prose like "R&D" or "P&L" in a plain answer is not a node start.
    """
    for m in _NODE_PROPERTY.finditer(text):
        at = m.start()
        if text[at] == "&" and (at + 1 == len(text) or text[at + 1].isspace() or text[at + 1] in "[]{},"):
            continue  # an anchor has a name
        before = at
        while before > 0 and text[before - 1] in " \t?:-":
            before -= 1
        if before == 0 or text[before - 1] in _BREAKS or text[before - 1] in "[]{}," or ":" in text[before:at]:
            return True
    return False


def _may_nest_deeper_than(text: str, depth: int) -> bool:
    """Whether `text` could nest deeper than `depth`, from an upper bound on its nesting that is cheap to test.

    Flow collections each open with their own `[` or `{`. Block collections nest by indentation: a child starts
    to the right of its parent, except a list under a mapping key, which may share the key's column; so every
    two block levels take at least one column, and a block collection starts within its line's prefix of
    indentation and indicators (libyaml allows `- `, `? ` and keys only there). Plus one for the scalar inside:
    bound = flow + 2 * (widest line prefix + 1) + 1, which is over `depth` when a prefix is `wide` or wider.
    """
    wide = (depth - text.count("[") - text.count("{") - 1) // 2
    if wide <= 0:
        return True
    first_line_prefix = len(text) - len(text.lstrip(" \t?:-"))
    # Starting the pattern with a plain "\n" lets the regex engine jump from line to line; other breaks are rare
    breaks = _BREAKS if any(b in text for b in _BREAKS[1:]) else "\n"
    return first_line_prefix >= wide or re.search(f"[{breaks}][ \t?:-]{{{wide}}}", text) is not None


def _scan_events(text: str, display: str, max_depth: int) -> None:
    """Refuse anchors, aliases and nesting deeper than `max_depth` from the parser's events, before composing."""
    loader = _Loader(text)
    depth = 0  # collections open around the next node, which is that node's depth (the root's is 0)
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                m = event.start_mark
                what = f"alias *{event.anchor}" if isinstance(event, yaml.AliasEvent) else f"anchor &{event.anchor}"
                raise LoadError(display, *_at(m), _alias_message(what), "alias")
            if isinstance(event, yaml.NodeEvent) and depth > max_depth:
                raise LoadError(display, *_where(event), f"nesting is deeper than {max_depth} levels", "too-deep")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.StreamEndEvent):
                break
    except yaml.YAMLError as e:
        if not _is_nesting_limit(e):
            raise _syntax_error(e, display, text) from None
        # PyYAML 6.0.4's scanner gives up at 1,000 open flow collections, before the parser has sent the event
        # of the one that first went too deep. The text up to where it gave up holds that event: scan just that.
        mark = e.problem_mark
        if mark.index < len(text):
            _scan_events(text[:mark.index], display, max_depth)
        raise LoadError(display, *_at(mark), f"nesting is deeper than {max_depth} levels", "too-deep") from None
    finally:
        loader.dispose()


def _is_nesting_limit(e: yaml.YAMLError) -> bool:
    return isinstance(e, yaml.MarkedYAMLError) and e.problem_mark is not None and "nesting depth" in (e.problem or "")


def _alias_message(what: str) -> str:
    return f"{what}: anchors and aliases are not allowed in proposals; write the answer out"


def _where(node: Node | yaml.Event) -> tuple[int, int]:
    return _at(node.start_mark)


def _at(mark: yaml.Mark) -> tuple[int, int]:
    """A parser mark as a 1-based (line, col)."""
    return mark.line + 1, mark.column + 1


def _build(node: Node, display: str, seen: set[int], depth: int, max_depth: int) -> Any:
    """Construct plain Python data from the node tree, checking each rule on the way down."""
    if node.tag == STR and depth <= max_depth and node.__class__ is ScalarNode:  # most nodes: plain text
        return node.value
    if id(node) in seen:  # the composer shares one node for an anchor and its aliases
        raise LoadError(display, *_where(node), "aliases are not allowed in proposals; write the answer out", "alias")
    if depth > max_depth:
        raise LoadError(display, *_where(node), f"nesting is deeper than {max_depth} levels", "too-deep")
    if node.tag not in CORE_TAGS:
        raise LoadError(display, *_where(node),
                        f"tag {_short_tag(node.tag)} is not allowed; proposals use plain YAML values", "tag")
    if isinstance(node, ScalarNode):
        return _scalar(node, display)
    seen.add(id(node))
    if isinstance(node, SequenceNode):
        if node.tag != SEQ:
            raise LoadError(display, *_where(node), f"tag {_short_tag(node.tag)} does not fit a list", "tag")
        return [_build(item, display, seen, depth + 1, max_depth) for item in node.value]
    if node.tag != MAP:
        raise LoadError(display, *_where(node), f"tag {_short_tag(node.tag)} does not fit a mapping", "tag")
    out: dict[str, Any] = {}
    key_nodes: dict[str, Node] = {}
    inner = depth + 1
    for key_node, value_node in node.value:
        # Plain-text keys and values (most of them) are taken here rather than in a call of their own
        if key_node.tag == STR and inner <= max_depth and key_node.__class__ is ScalarNode:
            key = key_node.value
        else:
            key = _build(key_node, display, seen, inner, max_depth)
            if not isinstance(key, str):
                raise LoadError(display, *_where(key_node), f"key {key_node.value!r} must be text, like `title:`",
                                "key-type")
        if key in out:
            first = key_nodes[key].start_mark.line + 1
            raise LoadError(display, *_where(key_node),
                            f"duplicate key '{key}' (first given on line {first}); give each answer once",
                            "duplicate-key")
        key_nodes[key] = key_node
        if value_node.tag == STR and inner <= max_depth and value_node.__class__ is ScalarNode:
            out[key] = value_node.value
        else:
            out[key] = _build(value_node, display, seen, inner, max_depth)
    return out


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(TAG) if tag.startswith(TAG) else tag


# Beyond this a number is not one a proposal can mean, nor one JSON readers or the evaluator's arithmetic can hold
MAX_NUMBER = sys.float_info.max


def _scalar(node: ScalarNode, display: str) -> Any:
    """A scalar's value. A tag (`!!int 80`) asks for a type, but the text must still be written as the YAML 1.2
    core schema writes that type: Python's int() and float() also take `8_0`, ' 80', `nan` and other digits."""
    value, tag = node.value, node.tag
    if tag == STR:
        return value
    if not CORE_PATTERNS[tag].match(value):
        raise LoadError(display, *_where(node), f"{_show(value)} is not a valid {_short_tag(tag)} value", "tag")
    if tag == NULL:
        return None
    if tag == BOOL:
        return value.lower() == "true"
    lowered = value.lower()
    if lowered.lstrip("+-") == ".inf" or lowered == ".nan":
        raise LoadError(display, *_where(node), f"{value} is not a usable number; give a finite number", "number")
    if tag == INT and len(value.lstrip("+-0")) <= 309:  # longer is over MAX_NUMBER (and int() refuses 4,301 digits)
        number: int | float = int(value[2:], 8 if value[1] == "o" else 16) if value.startswith(("0o", "0x")) \
            else int(value, 10)
    elif tag == FLOAT:
        number = float(value)
    else:
        number = MAX_NUMBER * 2  # inf
    if not -MAX_NUMBER <= number <= MAX_NUMBER:
        what = f"{value} is" if len(value) <= 40 else f"a number of {len(value):,} characters is"
        raise LoadError(display, *_where(node), f"{what} too large; proposals take numbers up to {MAX_NUMBER:.1e}",
                        "number")
    return number


def _show(value: str) -> str:
    """A scalar's text in a message: quoted, control characters escaped, and cut short when long."""
    return repr(value if len(value) <= 40 else f"{value[:20]}...{value[-10:]} ({len(value):,} characters)")


# --- saving -------------------------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Writes plain YAML that our loader reads back identically.

    The dumper quotes a string whenever PyYAML's YAML 1.1 resolver would read it as something else; we add the
    YAML 1.2 core patterns too, so text like `0o17` or `.5` is also quoted and stays text on the way back.
    """


for _first, _resolvers in _CoreResolver.yaml_implicit_resolvers.items():
    for _tag, _regexp in _resolvers:
        _Dumper.add_implicit_resolver(_tag, _regexp, [_first])


# What only a double-quoted scalar can carry, escaped: characters outside YAML's printable set (control characters,
# DEL, C1, surrogates), which no loader accepts raw; the breaks YAML reads as a newline or a space when raw (CR,
# NEL, LS, PS); and the byte order mark. Plain, single-quoted and block scalars would change them or not load.
_ESCAPE_ONLY = re.compile("[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


def needs_escapes(text: str) -> bool:
    """Whether `text` can only be written as a double-quoted scalar, with escapes (see _ESCAPE_ONLY)."""
    return _ESCAPE_ONLY.search(text) is not None


def block_style(text: str) -> bool:
    """Whether `text` is written as a literal block (`|`): several lines, each kept exactly as it is.

    A literal block keeps every character but the ones only escapes can carry, and its first line must not start
    with a tab, which libyaml takes for indentation ("found a tab character where an indentation space is
    expected") although YAML allows it.
    """
    return "\n" in text.rstrip("\n") and not text.startswith("\t") and not needs_escapes(text)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if needs_escapes(value) else "|" if block_style(value) else None
    return dumper.represent_scalar(STR, value, style=style)


_Dumper.add_representer(str, _represent_str)


def modeline(target: Path, schema_path: Path) -> str:
    """The yaml-language-server line that lets editors validate and complete the file against our schema."""
    try:
        ref = Path(os.path.relpath(schema_path, target.resolve().parent)).as_posix()
    except ValueError:  # another drive on Windows
        ref = schema_path.as_uri()
    return f"# yaml-language-server: $schema={ref}\n"


def order_like_schema(data: Any, schema: Mapping[str, Any], defs: Mapping[str, Any] | None = None) -> Any:
    """`data` with every mapping's keys in the order the schema lists them (unknown keys last, as they came)."""
    defs = schema.get("$defs", {}) if defs is None else defs
    if "$ref" in schema:
        schema = {**defs[schema["$ref"].rsplit("/", 1)[-1]], **schema}
    if isinstance(data, dict):
        props = schema.get("properties", {})
        ordered = [k for k in props if k in data] + [k for k in data if k not in props]
        return {k: order_like_schema(data[k], props.get(k, {}), defs) for k in ordered}
    if isinstance(data, list):
        return [order_like_schema(item, schema.get("items", {}), defs) for item in data]
    return data


def dumps(data: Mapping[str, Any], *, header: str = "") -> str:
    """The YAML text for a proposal, keys in schema order and multi-line answers as literal blocks."""
    from apm_designer.resources import proposal_schema

    body = yaml.dump(order_like_schema(dict(data), proposal_schema()), Dumper=_Dumper, sort_keys=False,
                     allow_unicode=True, default_flow_style=False, width=100, indent=2)
    return header + body


def save(path: str | os.PathLike[str], data: Mapping[str, Any]) -> None:
    """Write a proposal atomically, with the editor modeline on top."""
    from apm_designer.resources import SCHEMA_PATH

    target = Path(path)
    write_atomic(target, dumps(data, header=modeline(target, SCHEMA_PATH)))


def write_atomic(target: Path, text: str) -> None:
    """Replace `target` with `text` so that a crash leaves either the old file or the new one, never half of each."""
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


PROPOSAL_SUFFIXES = (".yaml", ".yml")


def iter_proposal_files(paths: Sequence[str]) -> Iterator[tuple[str, Path | UnreadableFile]]:
    """(display path, file) for each argument: files as given, folders searched for proposals in name order.

    A folder's proposals are its *.yaml and *.yml files at any depth, in any case (`MINE.YAML`), leaving out
    hidden files and folders (the wizard's drafts). What cannot be searched is not passed over in silence: a
    folder that cannot be read, and a folder with no proposal in it (a CI step that checks nothing must not pass),
    yield (display, UnreadableFile) for the caller to report. A file is yielded as given, even if it does not
    exist, for loading to say what is wrong with it.
    """
    for arg in paths:
        p = Path(arg)
        if p.is_dir():
            found = sorted(_search(p), key=lambda item: Path(item[0]).parts)
            yield from found or [(arg, UnreadableFile(f"{arg}: no *.yaml or *.yml proposal files in this folder"))]
        else:
            yield arg, p


def _search(folder: Path) -> Iterator[tuple[str, Path | UnreadableFile]]:
    """Proposal files under `folder`, following links to folders but each folder once (a link loop ends)."""
    seen: set[tuple[int, int]] = set()
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            info = current.stat()
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(current) as entries:
                found = list(entries)
        except OSError as e:
            yield str(current), UnreadableFile(f"{current}: cannot search this folder: {e.strerror or e}")
            continue
        for entry in found:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            if _is_folder(entry):
                pending.append(path)
            elif entry.name.lower().endswith(PROPOSAL_SUFFIXES):
                yield str(path), path  # loading says what is wrong with a link to nowhere
            elif entry.is_symlink() and (loop := _link_loop(path)) is not None:
                yield str(path), loop  # a folder, maybe, that cannot be searched


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a link loop
        return False


def _link_loop(path: Path) -> UnreadableFile | None:
    try:
        path.stat()
    except OSError as e:
        if e.errno == errno.ELOOP:
            return UnreadableFile(f"{path}: {why_unreadable(e)}")
    return None
