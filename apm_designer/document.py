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

import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
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
        return f"{self.path}:{self.line}:{self.col}: error: {self.message} [{self.code}]"


class UnreadableFile(OSError):
    """The file could not be read at all (missing, a folder, no permission): a usage or I/O error, exit 2."""


class _CoreResolver(yaml.resolver.BaseResolver):
    """Implicit scalar types of the YAML 1.2 core schema: null, bool, int, float; everything else is text."""


_CoreResolver.add_implicit_resolver(BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_CoreResolver.add_implicit_resolver(NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
_CoreResolver.add_implicit_resolver(
    INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_CoreResolver.add_implicit_resolver(
    FLOAT,
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."),
)


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

    def node_at(self, path: Sequence[str | int]) -> tuple[Node | None, Node]:
        """The (key node, value node) at `path`, or the deepest ancestor that exists (key node None at the root)."""
        key_node: Node | None = None
        node: Node = self.root
        for part in path:
            if isinstance(node, MappingNode):
                for k, v in node.value:
                    if k.value == part:
                        key_node, node = k, v
                        break
                else:
                    break
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
    """The file's text, refusing what is too large or not UTF-8 before any parsing."""
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise UnreadableFile(f"{display}: is a folder, not a file")
        if size > max_bytes:
            raise LoadError(display, 1, 1, f"file is {size:,} bytes, over the {max_bytes:,}-byte limit", "too-large")
        with path.open("rb") as f:
            raw = f.read(max_bytes + 1)
    except LoadError:
        raise
    except UnreadableFile:
        raise
    except OSError as e:
        raise UnreadableFile(f"{display}: cannot read: {e.strerror or e}") from None
    if len(raw) > max_bytes:  # grew between stat and read
        raise LoadError(display, 1, 1, f"file is over the {max_bytes:,}-byte limit", "too-large")
    return decode(raw, display)


def decode(raw: bytes, display: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        before = raw[: e.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        raise LoadError(display, line, col, f"byte 0x{raw[e.start]:02x} is not valid UTF-8; save the file as UTF-8",
                        "encoding") from None
    return text.removeprefix("\ufeff")


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
            line = re.split("\r\n|[\n\r\x85\u2028\u2029]", text)[m.line].removeprefix("\ufeff")
            alias = re.match(r"\*[^\s\[\]{},]*", line[m.column:])  # libyaml's message does not name it
            what = f"alias {alias.group() if alias else '*'}"
            raise LoadError(display, *_at(m), _alias_message(what), "alias") from None
        raise _syntax_error(e, display) from None
    except yaml.YAMLError as e:
        raise _syntax_error(e, display) from None
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


def _syntax_error(e: yaml.YAMLError, display: str) -> LoadError:
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        line, col = _at(mark) if mark else (1, 1)
        return LoadError(display, line, col, f"invalid YAML: {_yaml_problem(e)}", "yaml-syntax")
    return LoadError(display, 1, 1, f"invalid YAML: {e}", "yaml-syntax")


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
            raise _syntax_error(e, display) from None
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


def _scalar(node: ScalarNode, display: str) -> Any:
    value, tag = node.value, node.tag
    if tag == STR:
        return value
    if tag == NULL:
        return None
    if tag == BOOL:
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
    elif tag == INT:
        try:
            if value.startswith(("0o", "0x")):
                return int(value[2:], 8 if value[1] == "o" else 16)
            return int(value, 10)
        except ValueError:
            pass
    elif tag == FLOAT:
        lowered = value.lower()
        if lowered.lstrip("+-") == ".inf" or lowered == ".nan":
            raise LoadError(display, *_where(node), f"{value} is not a usable number", "number")
        try:
            return float(value)
        except ValueError:
            pass
    raise LoadError(display, *_where(node), f"{value!r} is not a valid {_short_tag(tag)} value", "tag")


# --- saving -------------------------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Writes plain YAML that our loader reads back identically.

    The dumper quotes a string whenever PyYAML's YAML 1.1 resolver would read it as something else; we add the
    YAML 1.2 core patterns too, so text like `0o17` or `.5` is also quoted and stays text on the way back.
    """


for _first, _resolvers in _CoreResolver.yaml_implicit_resolvers.items():
    for _tag, _regexp in _resolvers:
        _Dumper.add_implicit_resolver(_tag, _regexp, [_first])


# YAML reads NEL, LS and PS as line breaks. PyYAML writes them raw in plain, single-quoted and block scalars, where
# they come back as a space or a newline; only double quotes escape them (\N, \L, \P).
_UNICODE_BREAKS = ("\x85", "\u2028", "\u2029")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if any(c in value for c in _UNICODE_BREAKS):
        style: str | None = '"'
    else:
        style = "|" if "\n" in value.rstrip("\n") else None
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


def iter_proposal_files(paths: Sequence[str]) -> Iterator[tuple[str, Path | None]]:
    """(display path, file) for each argument: files as given, folders searched for *.yaml and *.yml in name order.

    A missing path yields (display, None) so the caller can report it and carry on.
    """
    for arg in paths:
        p = Path(arg)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file()
                           and not any(part.startswith(".") for part in f.relative_to(p).parts))
            for f in found:
                yield str(f), f
        elif p.exists():
            yield arg, p
        else:
            yield arg, None
