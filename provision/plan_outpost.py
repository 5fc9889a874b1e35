"""The changes after the apps: the one outpost PATCH, and the deletions of ``--prune``."""

from __future__ import annotations

from collections.abc import Mapping

from provision.changes import (
    Change,
    DeleteApplication,
    DeleteProvider,
    FieldDiff,
    NewProvider,
    ProviderRef,
    UpdateOutpost,
)
from provision.model import ActualState, Application, DesiredState
from provision.plan_index import StateIndex


def plan_prune(
    undeclared: list[Application], index: StateIndex
) -> tuple[list[Change], frozenset[int]]:
    """Delete owned applications no longer declared, with their providers (whose pks go)."""
    changes: list[Change] = []
    removed = set()
    for app in undeclared:
        changes.append(DeleteApplication(app=app.slug, name=app.name, slug=app.slug))
        provider = index.providers.get(app.provider) if app.provider is not None else None
        if provider is not None:
            changes.append(DeleteProvider(app=app.slug, name=provider.name, pk=provider.pk))
            removed.add(provider.pk)
    return changes, frozenset(removed)


def plan_outpost(
    desired: DesiredState,
    actual: ActualState,
    bound: Mapping[str, ProviderRef],
    removed: frozenset[int],
) -> UpdateOutpost | None:
    """Providers to put on the outpost and owned ones to drop; config keys that differ."""
    current = actual.outpost.providers
    add = tuple(
        sorted(pk for pk in bound.values() if isinstance(pk, int) and pk not in current)
    ) + tuple(ref for ref in bound.values() if isinstance(ref, NewProvider))
    remove = removed & current
    config = {
        key: value
        for key, value in desired.outpost_config.items()
        if actual.outpost.config.get(key) != value
    }
    if not (add or remove or config):
        return None
    diffs = tuple(
        FieldDiff(f"config.{key}", actual.outpost.config.get(key), value)
        for key, value in config.items()
    )
    if add or remove:
        kept = sorted((current | {p for p in add if isinstance(p, int)}) - remove)
        listed: tuple[ProviderRef, ...] = (*kept, *(p for p in add if isinstance(p, NewProvider)))
        diffs = (FieldDiff("providers", tuple(sorted(current)), listed), *diffs)
    return UpdateOutpost(
        app="",
        name=actual.outpost.name,
        diffs=diffs,
        pk=actual.outpost.pk,
        add=add,
        remove=remove,
        config=config,
    )
