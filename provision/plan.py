"""The Plan value object: ordered, frozen changes with field-level diffs and a summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from provision.errors import UnsafePlanError

Action = Literal["create", "update", "delete"]
Kind = Literal["provider", "orphan", "application", "binding", "outpost"]

# Writes happen in this order. An application with no binding is open to every user, so new
# bindings of existing applications come first (an adopted one is closed by the first write)
# and bindings are deleted only after the new ones exist; an orphan provider goes before the
# transaction that replaces it (its name must be free); prune deletions come after the outpost
# no longer lists them.
APPLY_ORDER: tuple[tuple[Action, Kind], ...] = (
    ("create", "binding"),
    ("delete", "orphan"),
    ("create", "provider"),
    ("update", "provider"),
    ("create", "application"),
    ("update", "application"),
    ("delete", "binding"),
    ("update", "outpost"),
    ("delete", "application"),
    ("delete", "provider"),
)


@dataclass(frozen=True)
class FieldDiff:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class GroupRef:
    """A group an application is bound to, by pk (for Authentik) and name (for people)."""

    pk: str
    name: str


@dataclass(frozen=True)
class Change:
    """One write. ``app`` is the slug of the declared (or pruned) application it serves.

    A new application carries ``provider_body`` and ``bindings`` too: it is created with its
    proxy provider and group bindings in one transaction, so it never exists without them.
    ``icon`` is an icon URL to set after the write, where the release takes it only through
    ``set_icon_url`` (see ``provision.versions``).
    """

    action: Action
    kind: Kind
    app: str
    name: str
    diffs: tuple[FieldDiff, ...] = ()
    body: Mapping[str, Any] = field(default_factory=dict)
    pk: int | str | None = None
    adopt: bool = False
    provider_body: Mapping[str, Any] = field(default_factory=dict)
    bindings: tuple[GroupRef, ...] = ()
    icon: str = ""

    @property
    def transactional(self) -> bool:
        """Whether this is a new application created with its provider and bindings at once."""
        return self.action == "create" and self.kind == "application" and bool(self.provider_body)

    @property
    def objects(self) -> int:
        return 2 + len(self.bindings) if self.transactional else 1

    @property
    def order(self) -> int:
        return APPLY_ORDER.index((self.action, self.kind))


@dataclass(frozen=True)
class OutpostChange:
    """The single outpost PATCH: providers to add (by app slug) and owned pks to drop, and
    config keys to set (merged into the whole config, which a PATCH replaces)."""

    outpost_pk: str
    add_apps: tuple[str, ...] = ()
    add_pks: frozenset[int] = frozenset()
    remove_pks: frozenset[int] = frozenset()
    config: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    outpost: OutpostChange | None = None
    kept: tuple[str, ...] = ()  # owned but undeclared objects left in place (no --prune)
    owned_apps: int = 0
    newly_bound: tuple[str, ...] = ()  # slugs whose provider this plan puts on the outpost

    @property
    def empty(self) -> bool:
        return not self.changes

    def count(self, action: Action) -> int:
        """Objects this plan adds, changes or removes (a transaction adds several)."""
        return sum(c.objects for c in self.changes if c.action == action and c.kind != "outpost")

    @property
    def summary(self) -> str:
        if self.empty:
            return "No changes. Authentik matches the configuration."
        return (
            f"Plan: {self.count('create')} to add, {self.count('update') + self._outpost_count}"
            f" to change, {self.count('delete')} to remove."
        )

    @property
    def _outpost_count(self) -> int:
        return 1 if any(c.kind == "outpost" for c in self.changes) else 0

    def raise_if_unsafe(self, *, force: bool) -> None:
        """Refuse mass deletions/updates of owned apps unless forced (DESIGN §4)."""
        if force or self.owned_apps == 0:
            return
        deletions = {
            c.app for c in self.changes if c.action == "delete" and c.kind == "application"
        }
        updates = {
            c.app
            for c in self.changes
            if c.action == "update" and c.kind in ("provider", "application") and not c.adopt
        }
        max_deletes = max(3, int(self.owned_apps * 0.3))
        problems = []
        if len(deletions) > max_deletes:
            problems.append(
                f"the plan deletes {len(deletions)} of {self.owned_apps} owned applications"
                f" (more than {max_deletes})"
            )
        if len(updates) > self.owned_apps * 0.5 and len(updates) > 1:
            problems.append(
                f"the plan changes {len(updates)} of {self.owned_apps} owned applications"
                " (more than 50 %)"
            )
        if problems:
            raise UnsafePlanError(
                "unsafe plan: " + "; ".join(problems) + ". Review it and re-run with --force."
            )
