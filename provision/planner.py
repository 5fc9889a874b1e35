"""The pure planner: ``plan(desired, actual) -> Plan``. No I/O happens or is imported here."""

from __future__ import annotations

from provision.changes import Change, DeleteOrphan, NewProvider, ProviderRef
from provision.errors import ConflictError, MissingReferenceError
from provision.model import ActualState, Application, DesiredApp, DesiredState, ProxyProvider
from provision.plan import Plan
from provision.plan_apps import (
    attach_application,
    new_application,
    new_provider,
    plan_existing_application,
    update_provider,
)
from provision.plan_index import StateIndex
from provision.plan_outpost import plan_outpost, plan_prune


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
    index = StateIndex(actual, desired.owner)
    _check_references(desired, actual)
    changes: list[Change] = []
    conflicts: list[str] = []
    bound: dict[str, ProviderRef] = {}  # app slug -> its provider's pk, or one made now
    for app in desired.targets:
        provider = _plan_app(app, index, adopt, changes, conflicts)
        bound[app.slug] = provider.pk if provider else NewProvider(app.slug)
    if conflicts:
        raise ConflictError(conflicts)
    declared = {a.slug for a in desired.targets}
    undeclared = [a for a in actual.applications if index.owned(a) and a.slug not in declared]
    deletions, removed = plan_prune(undeclared, index) if prune else ([], frozenset())
    outpost = plan_outpost(desired, actual, bound, removed)
    changes += [*deletions, *([outpost] if outpost else [])]
    changes.sort(key=lambda c: c.stage)
    kept = () if prune else tuple(a.slug for a in undeclared)
    owned = sum(1 for a in actual.applications if index.owned(a))
    created = sum(1 for ref in bound.values() if isinstance(ref, NewProvider))
    pages = -(-(len(actual.providers) + created) // actual.profile.page_size) or 1
    newly_bound = _newly_bound(bound, actual.outpost.providers)
    return Plan(tuple(changes), kept, owned, newly_bound, provider_pages=pages)


def _newly_bound(bound: dict[str, ProviderRef], current: frozenset[int]) -> tuple[str, ...]:
    """The slugs whose provider the plan puts on the outpost (new, or not listed yet)."""
    return tuple(
        slug for slug, ref in bound.items() if isinstance(ref, NewProvider) or ref not in current
    )


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
    app: DesiredApp, index: StateIndex, adopt: bool, changes: list[Change], conflicts: list[str]
) -> ProxyProvider | None:
    """Plan one app; its existing provider, or None when one is created in this run."""
    existing = index.apps.get(app.slug)
    adopting = existing is not None and not index.owned(existing)
    if adopting and not adopt:
        conflicts.append(f"application {app.slug!r} exists and is not owned by {index.owner!r}")
        return None
    provider, taken_over = _find_provider(app, existing, index, adopt, conflicts)
    if existing is None:
        if provider is None or _restricted(app):
            changes.extend(_plan_new_application(app, provider, taken_over, index, conflicts))
            return None  # the provider is created in this run
        changes.extend(update_provider(app, provider, index, taken_over))
        changes.append(attach_application(app, provider, index))
        return provider
    if provider is None:
        changes.append(new_provider(app, index))
    else:
        changes.extend(update_provider(app, provider, index, adopting or taken_over))
    changes.extend(plan_existing_application(app, existing, provider, index))
    return provider


def _restricted(app: DesiredApp) -> bool:
    return not app.access.any_user


def _plan_new_application(
    app: DesiredApp,
    provider: ProxyProvider | None,
    taken_over: bool,
    index: StateIndex,
    conflicts: list[str],
) -> list[Change]:
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
        return []
    changes: list[Change] = []
    if provider is not None:
        changes.append(DeleteOrphan(app=app.slug, name=provider.name, pk=provider.pk))
    return [*changes, new_application(app, index)]


def _find_provider(
    app: DesiredApp,
    existing: Application | None,
    index: StateIndex,
    adopt: bool,
    conflicts: list[str],
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
    hosted = index.by_host.get(app.served_at.key, [])
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
        if same_name and _is_own_orphan(app, provider, index):
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


def _is_own_orphan(app: DesiredApp, provider: ProxyProvider, index: StateIndex) -> bool:
    """Whether everything that marks a provider as this tool's own matches: the derived name,
    the mode (``forward_single``, or ``forward_domain`` for a domain) and the declared host.
    A hand-made provider that merely shares the name is not taken over without --adopt."""
    return (
        provider.name == app.provider_name
        and provider.mode == app.mode
        and index.served_at[provider.pk] == app.served_at
    )


def _check_host_shared(
    app: DesiredApp, own: ProxyProvider, index: StateIndex, conflicts: list[str]
) -> None:
    """Two providers for one host on the outpost make its routing ambiguous: refuse that.

    The outpost keys providers by host and port alone, so a provider for ``http://<host>``
    or ``https://<HOST>`` (or the host in Unicode) serves the same requests as the declared
    ``https://<host>``, and may be the one the outpost picks.
    """
    served = index.actual.outpost.providers
    for other in index.by_host.get(app.served_at.key, []):
        if other.pk != own.pk and other.pk in served:
            conflicts.append(
                f"proxy provider {other.name!r} (pk {other.pk}) also serves {app.external_host}"
                f" on the embedded outpost (its external host is {other.external_host!r});"
                " remove it from the outpost or change its external host"
            )
    # Two forward_domain providers for one cookie domain tie on the outpost's suffix match.
    for other in index.by_cookie_domain.get(app.cookie_domain, []) if app.is_domain else []:
        if other.pk != own.pk and other.pk in served:
            conflicts.append(
                f"proxy provider {other.name!r} (pk {other.pk}) also serves the domain"
                f" {app.cookie_domain} on the embedded outpost (its cookie domain is"
                f" {other.cookie_domain!r}); remove it from the outpost or change its domain"
            )
