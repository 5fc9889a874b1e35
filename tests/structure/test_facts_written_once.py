"""Authentik's names, paths and the tool's shared types are written once (issue 19)."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "provision"
# The fake is Authentik's stand-in: it spells Authentik's names on its own side.
SOURCES = [p for p in PACKAGE.rglob("*.py") if "testing" not in p.relative_to(PACKAGE).parts]
# Literals of Authentik's that belong in provision/terms.py only.
TERMS = ("/outpost.goauthentik.io", "forward_single", "forward_domain", "default-provider-")


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _code_strings(tree: ast.Module) -> list[str]:
    """String constants in code, not in docstrings."""
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_authentik_terms_are_spelled_only_in_terms() -> None:
    spelled = {
        str(path.relative_to(PACKAGE)): term
        for path in SOURCES
        if path.name != "terms.py"
        for text in _code_strings(_tree(path))
        for term in TERMS
        if term in text
    }
    assert spelled == {}


def test_shared_names_are_assigned_once() -> None:
    assigned: Counter[str] = Counter()
    for path in SOURCES:
        for node in _tree(path).body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            assigned.update(t.id for t in targets if isinstance(t, ast.Name))
    shared = ("JSONObject", "RESERVED_SLUGS", "FORWARD_SINGLE", "FORWARD_DOMAIN", "START_PATH")
    assert {name: assigned[name] for name in shared} == dict.fromkeys(shared, 1)
