"""No import cycles in provision/: every import counts, in functions and type-only blocks too."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Set
from pathlib import Path

import pytest

import provision

PACKAGE_DIR = Path(provision.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _base(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module a ``from … import`` names (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    anchor = package[: len(package) - (node.level - 1)]
    return ".".join([*anchor, node.module] if node.module else anchor)


def imported_by(path: Path, known: Set[str]) -> set[str]:
    """The project modules ``path`` imports; ``from X import y`` counts X.y when it is one."""
    module = module_name(path)
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = _base(node, module, is_package)
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {name for name in found if name in known and name != module}


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE_DIR.rglob("*.py"))
    known = {module_name(path) for path in paths}
    return {module_name(path): imported_by(path, known) for path in paths}


def find_cycle(graph: Mapping[str, Set[str]]) -> list[str]:
    """One import cycle as ``[a, b, …, a]``, or ``[]`` when there is none."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        trail: list[str] = [start]
        pending: list[list[str]] = [sorted(graph.get(start, ()))]
        while trail:
            if not pending[-1]:
                done.add(trail.pop())
                pending.pop()
                continue
            nxt = pending[-1].pop()
            if nxt in trail:
                return [*trail[trail.index(nxt) :], nxt]
            if nxt not in done:
                trail.append(nxt)
                pending.append(sorted(graph.get(nxt, ())))
    return []


def test_provision_has_no_import_cycle() -> None:
    graph = import_graph()
    assert "provision.cli" in graph and "provision.commands" in graph["provision.cli"]
    cycle = find_cycle(graph)
    assert cycle == [], "import cycle: " + " -> ".join(cycle)


def test_imports_inside_functions_and_relative_imports_are_seen() -> None:
    graph = import_graph()
    assert "provision.commands" in graph["provision.cli"]  # imported inside _dispatch
    fake = "provision.testing.fake_authentik"
    assert f"{fake}.server" in graph[f"{fake}.fake"]  # from .server import …


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b", "c"}, "b": {"c"}, "c": set()}, []),  # a diamond is no cycle
        ({"a": {"b"}, "b": {"a"}}, ["a", "b", "a"]),
        ({"a": {"b"}, "b": {"c"}, "c": {"b"}}, ["b", "c", "b"]),
        ({"a": {"a"}}, ["a", "a"]),
    ],
)
def test_find_cycle_finds_one_in_a_small_graph(
    graph: dict[str, set[str]], expected: list[str]
) -> None:
    assert find_cycle(graph) == expected
