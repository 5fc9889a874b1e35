"""Which policy bindings of an application are exactly the declared ones, and which are drift.

One rule for the planner (which repairs) and ``verify --access`` (which names): per declared
group, the first enabled, plain binding of that group alone is kept; every other binding on
the application is drift. With ``policy_engine_mode: any`` a negated, user or policy binding
can let in people the config does not name, and a disabled one admits nobody (an application
left with only disabled bindings is open to every user). From 2026.8 a binding may carry
``expiring``/``expires``: one that expires is never the declared binding, expired or not (an
expired one still appears in lists), so it is drift and a plain binding takes its place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from provision.model import PolicyBinding


@dataclass(frozen=True)
class BoundGroups:
    """The bindings of one application judged against its declared groups."""

    kept: Mapping[str, PolicyBinding]  # declared group pk -> the binding that admits it
    missing: tuple[str, ...]  # declared group pks (in declared order) without such a binding
    drift: tuple[PolicyBinding, ...]  # every other binding, in the order listed

    def labels(self, group_names: Mapping[str, str]) -> tuple[str, ...]:
        """Each drift binding for people: ``group media (disabled)``, ``user bob``..."""
        return tuple(self.label(b, group_names) for b in self.drift)

    def label(self, binding: PolicyBinding, group_names: Mapping[str, str]) -> str:
        duplicate = binding.grants_group() in self.kept
        return binding.describe(group_names) + (" (duplicate)" if duplicate else "")


def bound_groups(bindings: Sequence[PolicyBinding], wanted: Sequence[str]) -> BoundGroups:
    """Judge ``bindings`` (one application's, each pk once) against the group pks ``wanted``."""
    kept: dict[str, PolicyBinding] = {}
    for binding in bindings:
        group = binding.grants_group()
        if group is not None and group in wanted and group not in kept:
            kept[group] = binding
    chosen = {b.pk for b in kept.values()}
    return BoundGroups(
        kept=kept,
        missing=tuple(pk for pk in wanted if pk not in kept),
        drift=tuple(b for b in bindings if b.pk not in chosen),
    )
