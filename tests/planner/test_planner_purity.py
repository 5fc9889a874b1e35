"""The planner is pure: it imports nothing that does I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import provision

PURE_MODULES = [
    "planner.py",
    "plan_apps.py",
    "plan_outpost.py",
    "plan_index.py",
    "plan.py",
    "changes.py",
    "fields.py",
    "model.py",
]
# The renderers take Settings (whose validators check that a CA bundle file exists) but do
# no I/O of their own: their direct imports are checked.
RENDERERS = ["render/traefik.py", "render/blueprint.py"]
FORBIDDEN = {
    "requests",
    "subprocess",
    "socket",
    "urllib",
    "http",
    "os",
    "pathlib",
    "shutil",
    "tenacity",
    "io",
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _closure(module: str, package_dir: Path, seen: set[str]) -> set[str]:
    """Every module the given project module imports, transitively within provision/."""
    if module in seen:
        return set()
    seen.add(module)
    path = package_dir / (module.removeprefix("provision.").replace(".", "/") + ".py")
    found = _imports(path)
    for name in list(found):
        if name.startswith("provision."):
            found |= _closure(name, package_dir, seen)
    return found


def test_planner_imports_no_io() -> None:
    package_dir = Path(provision.__file__).parent
    for module in PURE_MODULES:
        imported = _closure(f"provision.{module.removesuffix('.py')}", package_dir, set())
        roots = {name.split(".")[0] for name in imported}
        assert not roots & FORBIDDEN, f"{module} reaches I/O modules: {roots & FORBIDDEN}"


def test_renderers_import_no_io_themselves() -> None:
    package_dir = Path(provision.__file__).parent
    for module in RENDERERS:
        roots = {name.split(".")[0] for name in _imports(package_dir / module)}
        assert not roots & FORBIDDEN, f"{module} imports I/O modules: {roots & FORBIDDEN}"
