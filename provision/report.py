"""Show a Plan like ``terraform plan`` (text, colour only on a TTY) or as stable JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from provision.changes import (
    AttachApplication,
    Change,
    CreateApplication,
    CreateProvider,
    DiffValue,
    NewProvider,
    UpdateApplication,
)
from provision.model import DesiredApp
from provision.plan import Plan

_SYMBOL = {"create": "+", "update": "~", "delete": "-"}
_COLOUR = {"create": "\033[32m", "update": "\033[33m", "delete": "\033[31m"}
_RESET = "\033[0m"
_KIND = {
    "provider": "proxy provider",
    "orphan": "orphan proxy provider",
    "application": "application",
    "binding": "policy binding",
    "outpost": "outpost",
}
_HIDDEN_ON_CREATE = {"authorization_flow", "invalidation_flow", "target", "group"}


def plan_text(plan: Plan, apps: Sequence[DesiredApp] = (), *, colour: bool = False) -> str:
    """The plan as readable lines, then who may open each declared app, then the summary."""
    lines = []
    for change in plan.changes:
        lines.extend(_change_lines(change, colour))
    for slug in plan.kept:
        lines.append(
            f"  ! application {slug!r} is owned but no longer declared; kept (use --prune)"
        )
    if lines:
        lines.append("")
    if apps:
        lines.extend([*access_lines(apps), ""])
    lines.append(plan.summary)
    return "\n".join(lines)


def access_lines(apps: Sequence[DesiredApp]) -> list[str]:
    """One line per declared app or domain: ``  sonarr  access: groups media, admins``."""
    width = max(len(app.slug) for app in apps) if apps else 0
    return [f"  {app.slug.ljust(width)}  access: {app.access.label}{_domain(app)}" for app in apps]


def _domain(app: DesiredApp) -> str:
    return f"  (domain {app.cookie_domain}, login at {app.host})" if app.is_domain else ""


def access_json(apps: Sequence[DesiredApp]) -> list[dict[str, Any]]:
    """Each declared app (and domain, with its ``domain``) with its ``access`` object."""
    return [
        {"slug": a.slug, "host": a.host, "access": a.access.as_json()}
        | ({"domain": a.cookie_domain} if a.is_domain else {})
        for a in apps
    ]


def _change_lines(change: Change, colour: bool) -> list[str]:
    symbol = _SYMBOL[change.action]
    adopt = " (adopt)" if change.adopt else ""
    head = f"  {symbol} {_KIND[change.kind]} {change.name!r}{adopt}"
    if change.kind in ("provider", "application") and change.name != change.app:
        head += f"  [{change.app}]"
    if colour:
        head = f"{_COLOUR[change.action]}{head}{_RESET}"
    if isinstance(change, CreateApplication):
        head += "  (with its proxy provider and bindings, in one transaction)"
    if change.kind == "orphan":
        head += "  (left by an interrupted run; replaced)"
    rows = _created_rows(change)
    if change.action == "update":
        rows = [(d.field, f"{_show(d.old)} -> {_show(d.new)}") for d in change.diffs]
    width = max((len(k) for k, _ in rows), default=0)
    return [head] + [f"      {k.ljust(width)}  {v}" for k, v in rows]


def _created_rows(change: Change) -> list[tuple[str, str]]:
    """The fields a new provider or application is created with (flows and pks hidden)."""
    if isinstance(change, CreateProvider):
        return _shown(change.body)
    if not isinstance(change, CreateApplication | AttachApplication):
        return []
    rows = _shown(change.body)
    if isinstance(change, CreateApplication):
        rows += [(f"provider.{k}", v) for k, v in _shown(change.provider.body())]
        rows += [("binding", f"group {g.name}") for g in change.bindings]
    if change.icon:
        rows.append(("meta_icon", _show(change.icon)))
    return rows


def _shown(body: Mapping[str, str | int | None]) -> list[tuple[str, str]]:
    return [
        (k, _show(v)) for k, v in body.items() if k not in _HIDDEN_ON_CREATE and v not in (None, "")
    ]


def _show(value: DiffValue) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in _plain_list(value)) + "]"
    plain = _plain(value)
    if isinstance(plain, str):
        return json.dumps(plain, ensure_ascii=False)
    return "(none)" if plain is None else str(plain)


def _plain(value: DiffValue) -> str | int | list[int | str] | None:
    """A diff value as JSON shows it: a provider made in this run is ``(new)``."""
    if isinstance(value, NewProvider):
        return "(new)"
    if isinstance(value, tuple):
        return _plain_list(value)
    return value


def _plain_list(values: tuple[int | NewProvider, ...]) -> list[int | str]:
    """An outpost's providers, those made in this run as ``(new: slug)``."""
    return [f"(new: {v.app})" if isinstance(v, NewProvider) else v for v in values]


def plan_json(plan: Plan, apps: Sequence[DesiredApp] = ()) -> dict[str, Any]:
    """A stable, machine-readable form of the plan, with each declared app's access rule."""
    return {
        "apps": access_json(apps),
        "summary": {
            "add": plan.count("create"),
            "change": sum(1 for c in plan.changes if c.action == "update"),
            "remove": plan.count("delete"),
            "no_changes": plan.empty,
        },
        "changes": [change_json(c) for c in plan.changes],
        "kept": list(plan.kept),
    }


def change_json(change: Change) -> dict[str, Any]:
    return {
        "action": change.action,
        "kind": change.kind,
        "app": change.app,
        "name": change.name,
        "adopt": change.adopt,
        "diffs": [
            {"field": d.field, "old": _plain(d.old), "new": _plain(d.new)} for d in change.diffs
        ],
        **_transaction_json(change),
    }


def _transaction_json(change: Change) -> dict[str, Any]:
    if not isinstance(change, CreateApplication):
        return {}
    return {
        "transaction": True,
        "provider": change.provider.name,
        "bindings": [{"group": g.name} for g in change.bindings],
    }


def counted(number: int, noun: str) -> str:
    """``1 proxy provider``, ``2 proxy providers``: the noun as the number asks."""
    return f"{number} {noun}{'s' * (number != 1)}"


def applied_text(applied: Sequence[Change], outpost_providers: Sequence[int]) -> str:
    """What landed: objects by action, and the writes that made them (a transaction is one)."""
    if not applied:
        return "Nothing to apply."
    counts = {
        a: sum(c.objects for c in applied if c.action == a) for a in ("create", "update", "delete")
    }
    text = (
        f"Applied: {counts['create']} added, {counts['update']} changed,"
        f" {counts['delete']} removed."
    )
    writes = counted(sum(writes_of(c) for c in applied), "write")
    if any(isinstance(c, CreateApplication) for c in applied):
        writes += ", one transaction per new application with its provider and bindings"
    text += f" {writes}."
    if any(c.kind == "outpost" for c in applied):
        listed = counted(len(outpost_providers), "provider")
        text += f"\nThe embedded outpost now lists {listed} (verified)."
    return text


def writes_of(change: Change) -> int:
    """The requests that wrote ``change``: one, and one more for an icon set after it."""
    if isinstance(change, UpdateApplication):
        return bool(change.body or change.provider is not None) + bool(change.icon)
    if isinstance(change, CreateApplication | AttachApplication):
        return 1 + bool(change.icon)
    return 1
