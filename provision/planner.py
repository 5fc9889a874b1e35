"""The pure planner: ``plan(desired, actual) -> Plan``. No I/O happens or is imported here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from provision.errors import ConflictError, MissingReferenceError
from provision.model import (
    ActualState,
    Application,
    DesiredApp,
    DesiredState,
    GroupBinding,
    ProxyProvider,
    normalise_host_url,
)
from provision.plan import Change, FieldDiff, GroupRef, OutpostChange, Plan


@dataclass
class _Index:
    """Lookups over the actual state, built once per plan so planning stays linear."""

    actual: ActualState
    owner: str
    apps: dict[str, Application] = field(default_factory=dict)
    providers: dict[int, ProxyProvider] = field(default_factory=dict)
    app_by_provider: dict[int, Application] = field(default_factory=dict)
    by_name: dict[str, ProxyProvider] = field(default_factory=dict)
    by_host: dict[str, list[ProxyProvider]] = field(default_factory=dict)
    bindings: dict[str, list[GroupBinding]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.apps = {a.slug: a for a in self.actual.applications}
        self.providers = {p.pk: p for p in self.actual.providers}
        self.by_name = {p.name: p for p in self.actual.providers}
        for provider in self.actual.providers:
            host = normalise_host_url(provider.external_host)
            self.by_host.setdefault(host, []).append(provider)
        for app in self.actual.applications:
            if app.provider is not None:
                self.app_by_provider.setdefault(app.provider, app)
        for binding in self.actual.bindings:
            self.bindings.setdefault(binding.target, []).append(binding)

    def owned(self, app: Application) -> bool:
        return app.meta_publisher == self.owner

    def app_of(self, provider: ProxyProvider) -> Application | None:
        return self.app_by_provider.get(provider.pk)


def plan(
    desired: DesiredState,
    actual: ActualState,
    *,
    prune: bool = False,
    adopt: bool = False,
) -> Plan:
    """Compare desired with actual; raise ConflictError/MissingReferenceError, else a Plan.

    How the server's release behaves comes with the actual state (``actual.profile``).
    """
    index = _Index(actual, desired.owner)
    _check_references(desired, actual)
    changes: list[Change] = []
    conflicts: list[str] = []
    bound: dict[str, int | None] = {}  # app slug -> provider pk (None: created in this run)
    for app in desired.targets:
        provider = _plan_app(app, index, adopt, changes, conflicts)
        bound[app.slug] = provider.pk if provider else None
    if conflicts:
        raise ConflictError(conflicts)
    declared = {a.slug for a in desired.targets}
    undeclared = [a for a in actual.applications if index.owned(a) and a.slug not in declared]
    removed = _plan_prune(undeclared, index, changes) if prune else frozenset()
    outpost = _plan_outpost(desired, actual, bound, removed, changes)
    changes.sort(key=lambda c: c.order)
    kept = () if prune else tuple(a.slug for a in undeclared)
    owned = sum(1 for a in actual.applications if index.owned(a))
    current = actual.outpost.providers
    newly_bound = tuple(slug for slug, pk in bound.items() if pk is None or pk not in current)
    return Plan(tuple(changes), outpost, kept, owned, newly_bound)


def _check_references(desired: DesiredState, actual: ActualState) -> None:
    missing = []
    for app in desired.targets:
        for flow in (app.authorization_flow, app.invalidation_flow):
            if flow not in actual.flows:
                missing.append(f"{app.slug}: flow {flow!r} does not exist in Authentik")
        for group in app.access.groups:
            if group not in actual.groups:
                missing.append(f"{app.slug}: group {group!r} does not exist in Authentik")
    if missing:
        raise MissingReferenceError(sorted(set(missing)))


def _plan_app(
    app: DesiredApp, index: _Index, adopt: bool, changes: list[Change], conflicts: list[str]
) -> ProxyProvider | None:
    existing = index.apps.get(app.slug)
    adopting = existing is not None and not index.owned(existing)
    if adopting and not adopt:
        conflicts.append(f"application {app.slug!r} exists and is not owned by {index.owner!r}")
        return None
    provider, taken_over = _find_provider(app, existing, index, adopt, conflicts)
    if existing is None and (provider is None or _restricted(app)):
        _plan_new_application(
            app, provider, taken_over, index=index, changes=changes, conflicts=conflicts
        )
        return None  # the provider is created in this run
    if provider is None:
        body = _provider_body(app, index.actual)
        changes.append(Change("create", "provider", app.slug, app.provider_name, body=body))
    else:
        _update_provider(app, provider, index, adopting or taken_over, changes)
    _plan_application(app, existing, provider, index, changes)
    return provider


def _restricted(app: DesiredApp) -> bool:
    return not app.access.any_user


def _plan_new_application(
    app: DesiredApp,
    provider: ProxyProvider | None,
    taken_over: bool,
    *,
    index: _Index,
    changes: list[Change],
    conflicts: list[str],
) -> None:
    """A new application, created with its provider and bindings in one transaction.

    Authentik lets every user through an application with no binding, and a binding needs
    the application's pk: only the transactional endpoint creates a restricted application
    that is never open. An orphan provider of this tool is replaced (it serves nothing); an
    unowned one cannot be attached that way, so it is a conflict.
    """
    if provider is not None and taken_over:
        conflicts.append(
            f"proxy provider {provider.name!r} (pk {provider.pk}) has no application; a new"
            f" restricted application {app.slug!r} cannot be attached to it without a moment"
            " open to every user. Delete that provider, or create its application in Authentik"
            " first and then --adopt both"
        )
        return
    if provider is not None:
        changes.append(Change("delete", "orphan", app.slug, provider.name, pk=provider.pk))
    want = _application_fields(app, None, index)
    body = {"slug": app.slug} | {k: v for k, v in want.items() if k != "provider"}
    names = {pk: name for name, pk in index.actual.groups.items()}
    groups = tuple(index.actual.groups[g] for g in app.access.groups)
    changes.append(
        Change(
            "create",
            "application",
            app.slug,
            app.name,
            body=body,
            provider_body=_provider_body(app, index.actual),
            bindings=tuple(GroupRef(pk, names[pk]) for pk in groups),
            icon=_icon_after_write(app, index),
        )
    )


def _find_provider(
    app: DesiredApp, existing: Application | None, index: _Index, adopt: bool, conflicts: list[str]
) -> tuple[ProxyProvider | None, bool]:
    """The provider to converge and whether it is taken over.

    It is the application's own, else an orphan of an interrupted run (same derived name, no
    application), else (with --adopt) an unowned provider that has no application yet.
    """
    if existing is not None and existing.provider in index.providers:
        own = index.providers[existing.provider]
        _check_host_shared(app, own, index, conflicts)
        return own, False
    named = index.by_name.get(app.provider_name)
    hosted = index.by_host.get(normalise_host_url(app.external_host), [])
    candidates = ([named] if named else []) + [p for p in hosted if p is not named]
    for provider in candidates:
        owner_app = index.app_of(provider)
        same_name = provider is named
        if owner_app is not None and owner_app.slug == app.slug:
            continue
        if owner_app is not None:
            what = "name" if same_name else "external host"
            conflicts.append(
                f"proxy provider {provider.name!r} (pk {provider.pk}) has the {what} of"
                f" {app.slug!r} but belongs to application {owner_app.slug!r}"
            )
            return None, False
        if same_name and _is_own_orphan(app, provider):
            return provider, False  # an orphan left by an interrupted run: reuse it
        if not adopt:
            conflicts.append(
                f"proxy provider {provider.name!r} (pk {provider.pk}) has the"
                f" {'name' if same_name else 'external host'} of {app.slug!r}"
                f" ({provider.external_host}) and is not owned by {index.owner!r}"
            )
            return None, False
        return provider, True
    return None, False


def _is_own_orphan(app: DesiredApp, provider: ProxyProvider) -> bool:
    """Whether everything that marks a provider as this tool's own matches: the derived name,
    the mode (``forward_single``, or ``forward_domain`` for a domain) and the declared host.
    A hand-made provider that merely shares the name is not taken over without --adopt."""
    return (
        provider.name == app.provider_name
        and provider.mode == app.mode
        and normalise_host_url(provider.external_host) == normalise_host_url(app.external_host)
    )


def _check_host_shared(
    app: DesiredApp, own: ProxyProvider, index: _Index, conflicts: list[str]
) -> None:
    """Two providers for one host on the outpost make its routing ambiguous: refuse that."""
    for other in index.by_host.get(normalise_host_url(app.external_host), []):
        if other.pk != own.pk and other.pk in index.actual.outpost.providers:
            conflicts.append(
                f"proxy provider {other.name!r} (pk {other.pk}) also serves {app.external_host}"
                " on the embedded outpost; remove it from the outpost or change its external host"
            )


def _icon_after_write(app: DesiredApp, index: _Index) -> str:
    """The icon URL to set separately, where the release ignores ``meta_icon`` in bodies."""
    return app.icon if app.icon and not index.actual.profile.icon_in_body else ""


def _application_fields(
    app: DesiredApp, provider: ProxyProvider | None, index: _Index
) -> dict[str, Any]:
    want: dict[str, Any] = {
        "name": app.name,
        "provider": provider.pk if provider else None,
        "meta_launch_url": app.launch_url,
        "meta_description": app.description,
        "meta_publisher": index.owner,
        "group": app.group,
        "policy_engine_mode": "any",
    }
    if app.icon and index.actual.profile.icon_in_body:
        want["meta_icon"] = app.icon
    return want


def _provider_body(app: DesiredApp, actual: ActualState) -> dict[str, Any]:
    body = {
        "name": app.provider_name,
        "mode": app.mode,
        "external_host": app.external_host,
        "authorization_flow": actual.flows[app.authorization_flow],
        "invalidation_flow": actual.flows[app.invalidation_flow],
        "access_token_validity": app.access_token_validity,
        "skip_path_regex": app.skip_path_regex,
    }
    if app.is_domain:  # the outpost serves hosts under it (DESIGN §10)
        body["cookie_domain"] = app.cookie_domain
    return body


def _update_provider(
    app: DesiredApp, provider: ProxyProvider, index: _Index, adopting: bool, changes: list[Change]
) -> None:
    want = _provider_body(app, index.actual)
    have = {
        "name": provider.name,
        "mode": provider.mode,
        "external_host": provider.external_host,
        "authorization_flow": provider.authorization_flow,
        "invalidation_flow": provider.invalidation_flow,
        "access_token_validity": provider.access_token_validity,
        "skip_path_regex": provider.skip_path_regex,
        "cookie_domain": provider.cookie_domain,
    }
    diffs = _diff(have, want, same={"external_host": normalise_host_url})
    if diffs:
        # Authentik resets `mode` to proxy when a PATCH omits it (transcript 03d).
        body = {"mode": app.mode} | {d.field: d.new for d in diffs}
        changes.append(
            Change(
                "update", "provider", app.slug, provider.name, diffs, body, provider.pk, adopting
            )
        )


def _plan_application(
    app: DesiredApp,
    existing: Application | None,
    provider: ProxyProvider | None,
    index: _Index,
    changes: list[Change],
) -> None:
    want = _application_fields(app, provider, index)
    icon = _icon_after_write(app, index)
    if existing is None:
        # Only an application open to every user is created this way (it has no bindings).
        body = {"slug": app.slug} | want
        changes.append(Change("create", "application", app.slug, app.name, body=body, icon=icon))
        return
    have = {key: getattr(existing, key) for key in want}
    diffs = _diff(have, want)
    icon_diff = icon and existing.meta_icon != icon
    if icon_diff:
        diffs = (*diffs, FieldDiff("meta_icon", existing.meta_icon or None, icon))
    if provider is None:
        diffs = (
            *tuple(d for d in diffs if d.field != "provider"),
            FieldDiff("provider", existing.provider, "(new)"),
        )
    if diffs:
        body = {d.field: want[d.field] for d in diffs if d.field in want}
        adopting = not index.owned(existing)
        changes.append(
            Change(
                "update",
                "application",
                app.slug,
                app.name,
                diffs,
                body,
                existing.slug,
                adopting,
                icon=icon if icon_diff else "",
            )
        )
    _plan_bindings(app, existing, index, changes)


def _plan_bindings(
    app: DesiredApp, existing: Application, index: _Index, changes: list[Change]
) -> None:
    """Bindings of an existing application: the missing ones are created before any binding
    is deleted (see APPLY_ORDER), so a change of groups never leaves it with none."""
    current = index.bindings.get(existing.pk, [])
    have = {b.group for b in current}
    wanted = [index.actual.groups[g] for g in app.access.groups]
    names = {pk: name for name, pk in index.actual.groups.items()}
    for order, group_pk in enumerate(wanted):
        if group_pk not in have:
            body = {"target": existing.pk, "group": group_pk, "order": order}
            changes.append(
                Change(
                    "create",
                    "binding",
                    app.slug,
                    f"{app.slug} -> group {names[group_pk]}",
                    body=body,
                )
            )
    kept: set[str] = set()
    for binding in current:
        # Authentik accepts the same binding twice (transcript 09); keep one of each.
        if binding.group in wanted and binding.group not in kept:
            kept.add(binding.group)
        else:
            label = f"{app.slug} -> group {names.get(binding.group, binding.group)}"
            changes.append(Change("delete", "binding", app.slug, label, pk=binding.pk))


def _plan_prune(
    undeclared: list[Application], index: _Index, changes: list[Change]
) -> frozenset[int]:
    removed = set()
    for app in undeclared:
        changes.append(Change("delete", "application", app.slug, app.name, pk=app.slug))
        provider = index.providers.get(app.provider) if app.provider is not None else None
        if provider is not None:
            changes.append(Change("delete", "provider", app.slug, provider.name, pk=provider.pk))
            removed.add(provider.pk)
    return frozenset(removed)


def _plan_outpost(
    desired: DesiredState,
    actual: ActualState,
    bound: Mapping[str, int | None],
    removed: frozenset[int],
    changes: list[Change],
) -> OutpostChange | None:
    current = actual.outpost.providers
    add_pks = frozenset(pk for pk in bound.values() if pk is not None and pk not in current)
    add_apps = tuple(slug for slug, pk in bound.items() if pk is None)
    remove = removed & current
    config = {
        key: value
        for key, value in desired.outpost_config.items()
        if actual.outpost.config.get(key) != value
    }
    if not (add_pks or add_apps or remove or config):
        return None
    change = OutpostChange(actual.outpost.pk, add_apps, add_pks, remove, config)
    diffs = tuple(
        FieldDiff(f"config.{key}", actual.outpost.config.get(key), value)
        for key, value in config.items()
    )
    if add_pks or add_apps or remove:
        label = _outpost_label(current, change)
        diffs = (FieldDiff("providers", sorted(current), label), *diffs)
    changes.append(
        Change("update", "outpost", "", actual.outpost.name, diffs, pk=actual.outpost.pk)
    )
    return change


def _outpost_label(current: frozenset[int], change: OutpostChange) -> list[int | str]:
    kept = sorted((current | change.add_pks) - change.remove_pks)
    return [*kept, *(f"(new: {slug})" for slug in change.add_apps)]


def _diff(
    have: Mapping[str, Any], want: Mapping[str, Any], same: Mapping[str, Any] | None = None
) -> tuple[FieldDiff, ...]:
    same = same or {}
    diffs = []
    for key, new in want.items():
        old = have.get(key)
        norm = same.get(key, lambda v: v)
        if norm(old if old is not None else "") != norm(new if new is not None else ""):
            diffs.append(FieldDiff(key, old, new))
    return tuple(diffs)
