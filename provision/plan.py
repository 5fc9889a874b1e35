"""The Plan value object: ordered, frozen changes with field-level diffs and a summary."""

from __future__ import annotations

from dataclasses import dataclass

from provision.changes import (
    APPLY_ORDER,
    Action,
    Change,
    FieldDiff,
    GroupRef,
    Kind,
    NewProvider,
    ProviderRef,
    UpdateOutpost,
)
from provision.errors import UnsafePlanError

__all__ = [
    "APPLY_ORDER",
    "Action",
    "Change",
    "FieldDiff",
    "GroupRef",
    "Kind",
    "NewProvider",
    "Plan",
    "ProviderRef",
]


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    kept: tuple[str, ...] = ()  # owned but undeclared objects left in place (no --prune)
    owned_apps: int = 0
    newly_bound: tuple[str, ...] = ()  # slugs whose provider this plan puts on the outpost
    # Pages a list of every proxy provider takes once this plan's are made: reading the new
    # providers' pks back costs that, or one GET per new application, whichever is fewer.
    provider_pages: int = 1

    @property
    def outpost(self) -> UpdateOutpost | None:
        """The outpost PATCH, if the plan has one (it has at most one)."""
        return next((c for c in self.changes if isinstance(c, UpdateOutpost)), None)

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
        return 1 if self.outpost is not None else 0

    def raise_if_unsafe(self, *, force: bool) -> None:
        """Refuse mass deletions/updates of owned apps unless forced (docs/ownership.md)."""
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
