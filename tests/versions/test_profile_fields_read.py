"""Every ``VersionProfile`` field is read by the tool where its difference is decided.

A field only tests read would claim a difference the tool does not respect (issue 19).
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from provision.versions import VersionProfile

PACKAGE = Path(__file__).resolve().parents[2] / "provision"


def _attributes_read() -> dict[str, set[str]]:
    """Attribute name -> the modules reading it, outside the profile's own and the fake's."""
    read: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "testing" or relative == Path("versions.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                read.setdefault(node.attr, set()).add(str(relative))
    return read


def test_every_profile_field_is_read_outside_the_profile() -> None:
    read = _attributes_read()
    unread = [f.name for f in dataclasses.fields(VersionProfile) if f.name not in read]
    assert unread == []


def test_the_scan_finds_a_field_read_and_misses_one_never_named() -> None:
    read = _attributes_read()
    assert "release_checks.py" in read["trusted_proxy_networks"]
    assert "check_access.py" in read["group_parent_field"]
    assert "naming.py" in read["slug_max_length"]
    assert "no_such_profile_field" not in read
