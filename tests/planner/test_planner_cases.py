"""The planner as a table: one file per case under tests/data/plans/ (desired, actual, expected).

A case lists its changes (`expect`), some bodies, and every update's `[field, old, new]` diffs
under `diffs` by `kind app` (`outpost -`), as the JSON output shows them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from provision.changes import CreateApplication
from provision.config import desired_state
from provision.errors import PlanError
from provision.model import (
    ActualState,
    parse_application,
    parse_outpost,
    parse_policy_binding,
    parse_proxy_provider,
)
from provision.plan import Change, Plan
from provision.planner import plan
from provision.report import change_json
from provision.settings import Settings
from provision.versions import profile_for

CASES_DIR = Path(__file__).resolve().parents[1] / "data" / "plans"
CASES = sorted(p for p in CASES_DIR.glob("[0-9]*.yaml"))
BASE = yaml.safe_load((CASES_DIR / "_base.yaml").read_text())


def _actual(overrides: dict[str, Any]) -> ActualState:
    data = BASE | overrides
    return ActualState(
        providers=tuple(parse_proxy_provider(p) for p in data["providers"]),
        applications=tuple(parse_application(a) for a in data["applications"]),
        bindings=tuple(parse_policy_binding(b) for b in data["bindings"]),
        outpost=parse_outpost(data["outpost"]),
        flows=data["flows"],
        groups=data["groups"],
    )


def _line(change: Change) -> str:
    adopt = " (adopt)" if change.adopt else ""
    text = f"{change.action} {change.kind} {change.app}{adopt}"
    if change.kind == "binding":  # which binding, and why it goes: "sonarr -> user bob"
        text = f"{change.action} binding {change.name}"
    if change.action == "update":
        text += ": " + ", ".join(d.field for d in change.diffs)
    if isinstance(change, CreateApplication):
        groups = ", ".join(g.name for g in change.bindings) or "none"
        text += f" with provider, groups {groups}"
    if getattr(change, "icon", ""):
        text += " + set_icon_url"
    return text


def _run(case: dict[str, Any]) -> Plan:
    settings = Settings(
        apps=case["desired"], defaults=case.get("defaults", {}), **case.get("settings", {})
    )
    desired = desired_state(settings)
    actual = _actual(case.get("actual", {}))
    if "version" in case:
        actual = replace(actual, profile=profile_for(case["version"]))
    return plan(desired, actual, **case.get("options", {}))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_planner_case(path: Path) -> None:
    case = yaml.safe_load(path.read_text())
    if "error" in case:
        with pytest.raises(PlanError) as caught:
            _run(case)
        kind, _, text = case["error"].partition(": ")
        assert type(caught.value).__name__ == kind
        assert text in str(caught.value)
        return
    result = _run(case)
    assert [_line(c) for c in result.changes] == case["expect"]
    for label, body in case.get("bodies", {}).items():
        kind, app = label.split()
        (change,) = [c for c in result.changes if c.kind == kind and c.app == app]
        written = getattr(change, "body", None)  # the JSON a create or update sends
        assert written is not None and dict(written) == body
    assert list(result.kept) == case.get("kept", [])
    if "outpost" in case:
        outpost = result.outpost
        assert outpost is not None
        assert sorted(p for p in outpost.add if isinstance(p, int)) == case["outpost"]["add"]
        assert sorted(outpost.remove) == case["outpost"]["remove"]
        assert dict(outpost.config) == case["outpost"].get("config", {})
    assert _diffs(result) == case.get("diffs", {})


def _diffs(result: Plan) -> dict[str, list[list[Any]]]:
    """Each update's ``[field, old, new]`` as the JSON output shows them, by ``kind app``."""
    return {
        f"{c.kind} {c.app or '-'}": [
            [d["field"], d["old"], d["new"]] for d in change_json(c)["diffs"]
        ]
        for c in result.changes
        if c.action == "update"
    }


def test_planner_is_deterministic() -> None:
    case = yaml.safe_load((CASES_DIR / "01-create-from-empty.yaml").read_text())
    assert _run(case) == _run(case)


def test_unsafe_prune_needs_force() -> None:
    from provision.errors import UnsafePlanError

    owned = [
        {
            "pk": f"a{i}",
            "slug": f"app{i}",
            "name": f"App{i}",
            "provider": None,
            "meta_publisher": "authentik-provision",
        }
        for i in range(10)
    ]
    desired = desired_state(Settings(apps=[]))
    result = plan(desired, _actual({"applications": owned}), prune=True)
    assert result.count("delete") == 10
    with pytest.raises(UnsafePlanError, match="deletes 10 of 10 owned applications"):
        result.raise_if_unsafe(force=False)
    result.raise_if_unsafe(force=True)
