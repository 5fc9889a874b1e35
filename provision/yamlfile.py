"""Read one YAML config file safely: bounded size, bounded alias expansion, line numbers.

A YAML alias repeats a whole subtree, so a file of a few hundred bytes can stand for billions
of nodes ("billion laughs") or for itself (``&a [*a]``). The composed node graph is walked once
with a budget before anything is built from it: more than ``MAX_NODES`` nodes after expansion,
nesting deeper than ``MAX_DEPTH``, or an alias inside its own anchor is a ``ConfigError``
naming the file and line, found in bounded time and memory.

Only the plain YAML types reach the settings: text, numbers, booleans, null, lists and
mappings. Any other tag (``!!binary`` bytes, a date, ``!!set``, an unknown ``!foo``) is
refused with its file and line before anything is built, so no field can receive a value that
turns into text only after it was checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from provision.errors import ConfigError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_BYTES = 1024 * 1024  # a config of hundreds of hosts is a few dozen KiB
MAX_NODES = 100_000  # after alias expansion
MAX_DEPTH = 64
Loc = tuple[str | int, ...]
_CORE = "tag:yaml.org,2002:"
SCALAR_TAGS = frozenset(_CORE + t for t in ("str", "int", "float", "bool", "null"))
COLLECTION_TAGS = frozenset({_CORE + "seq", _CORE + "map"})
MERGE_TAG = _CORE + "merge"  # the ``<<`` key of a merge


def dotted(loc: Loc) -> str:
    """``("apps", 0, "host")`` -> ``apps[0].host``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def read_yaml(path: Path) -> tuple[dict[str, Any], dict[Loc, int]]:
    """The top-level mapping of ``path`` and the line of each key path in it."""
    node = _compose(path, _read_text(path))
    if node is None:
        raise ConfigError(f"{path}: the config file is empty (see examples/provision.yaml)")
    index = _Index(path)
    index.walk(node, (), 0)
    if index.duplicates or index.tags:
        raise ConfigError(index.tags + index.duplicates)
    data = _construct(node)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    return data, index.lines


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as file:
            content = file.read(MAX_BYTES + 1)
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{path}: config file not found (use --config or $PROVISION_CONFIG)"
        ) from exc
    except PermissionError as exc:
        raise ConfigError(f"{path}: config file is not readable (permission denied)") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{path}: is a directory, not a config file") from exc
    if len(content) > MAX_BYTES:
        raise ConfigError(f"{path}: the config file is larger than {MAX_BYTES // 1024} KiB")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not a text file (invalid UTF-8)") from exc


def _compose(path: Path, text: str) -> yaml.Node | None:
    loader = _Loader(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{where}: YAML syntax error: {problem}") from exc
    finally:
        loader.dispose()


def _construct(node: yaml.Node) -> Any:
    loader = _Loader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


@dataclass
class _Index:
    """One bounded walk of the node graph: line numbers, duplicate keys, the limits."""

    path: Path
    lines: dict[Loc, int] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    count: int = 0
    open_nodes: set[int] = field(default_factory=set)

    def refuse(self, node: yaml.Node, loc: Loc, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}:{node.start_mark.line + 1}: {dotted(loc)}: {problem}")

    def walk(self, node: yaml.Node, loc: Loc, depth: int) -> None:
        self.count += 1
        if self.count > MAX_NODES:
            problem = f"more than {MAX_NODES} YAML nodes after alias expansion (an alias bomb?)"
            raise self.refuse(node, loc, problem)
        if depth > MAX_DEPTH:
            raise self.refuse(node, loc, f"nested deeper than {MAX_DEPTH} levels")
        if id(node) in self.open_nodes:
            raise self.refuse(node, loc, "a YAML alias refers to itself (its own anchor)")
        self.lines.setdefault(loc, node.start_mark.line + 1)
        self._check_tag(node, loc)
        self.open_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            self._mapping(node, loc, depth)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.walk(item, (*loc, index), depth + 1)
        self.open_nodes.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, loc: Loc, depth: int) -> None:
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.refuse(key_node, loc, "a key must be a plain value, not a collection")
            if key_node.tag != MERGE_TAG:
                self._check_tag(key_node, loc)
            key = str(key_node.value)
            if key in seen:
                line = key_node.start_mark.line + 1
                self.duplicates.append(f"{self.path}:{line}: {dotted((*loc, key))}: duplicate key")
            seen.add(key)
            self.lines[(*loc, key)] = key_node.start_mark.line + 1
            self.walk(value_node, (*loc, key), depth + 1)

    def _check_tag(self, node: yaml.Node, loc: Loc) -> None:
        allowed = SCALAR_TAGS if isinstance(node, yaml.ScalarNode) else COLLECTION_TAGS
        if node.tag in allowed:
            return
        line = node.start_mark.line + 1
        self.tags.append(f"{self.path}:{line}: {dotted(loc)}: {tag_problem(node.tag)}")


def tag_problem(tag: str) -> str:
    """Why a value of this YAML tag is refused, and what to write instead."""
    name = "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag
    if tag == _CORE + "timestamp":
        return "YAML reads this as a date or time; quote it if it is text"
    if tag == _CORE + "binary":
        return "a !!binary value is bytes, not text; write the value as plain text"
    if tag.startswith(_CORE):
        return f"the YAML type {name} is not accepted here; write plain text, lists and mappings"
    return f"unknown YAML tag {name!r}; remove it"
