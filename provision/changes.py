"""The changes a plan is made of: one frozen type per (action, kind) of write.

An object created in the same run is referenced by value (``NewProvider``); the applier
resolves it from what it created. Nothing here is display text: ``provision.report`` renders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from provision.fields import ApplicationFields, ProviderFields

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
class NewProvider:
    """The proxy provider created in this run for the application ``app`` (its pk is learnt)."""

    app: str


ProviderRef = int | NewProvider
# What a diff shows: Authentik's value (config values pass through as read), or a reference.
DiffValue = str | int | None | NewProvider | tuple[ProviderRef, ...]


@dataclass(frozen=True)
class FieldDiff:
    field: str
    old: DiffValue
    new: DiffValue


@dataclass(frozen=True)
class GroupRef:
    """A group an application is bound to, by pk (for Authentik) and name (for people)."""

    pk: str
    name: str


@dataclass(frozen=True, kw_only=True)
class _Change:
    """What every write has: ``app`` is the slug of the declared (or pruned) application it
    serves, ``name`` the object's name in Authentik, ``adopt`` whether it takes one over."""

    action: ClassVar[Action]
    kind: ClassVar[Kind]
    app: str
    name: str
    diffs: tuple[FieldDiff, ...] = ()
    adopt: bool = False

    @property
    def stage(self) -> int:
        """Where this write comes in APPLY_ORDER."""
        return APPLY_ORDER.index((self.action, self.kind))

    @property
    def objects(self) -> int:
        """Objects this write adds, changes or removes."""
        return 1


def _icon_body(fields: ApplicationFields) -> dict[str, str]:
    return {"meta_icon": fields.icon} if fields.icon else {}


@dataclass(frozen=True, kw_only=True)
class CreateApplication(_Change):
    """A new application created with its proxy provider and group bindings in one
    transaction, so it never exists without them (never open to every user by mistake).

    ``application.icon`` is written in the body as ``meta_icon``; ``icon`` is a URL to set
    after the write through ``set_icon_url`` ("" when none). The planner fills one of the two,
    as the release's ``icon_write`` says.
    """

    action: ClassVar[Action] = "create"
    kind: ClassVar[Kind] = "application"
    provider: ProviderFields[str]
    application: ApplicationFields
    bindings: tuple[GroupRef, ...] = ()
    icon: str = ""

    @property
    def objects(self) -> int:
        return 2 + len(self.bindings)

    @property
    def body(self) -> dict[str, str]:
        fields = self.application
        return {"slug": fields.slug, **fields.attrs(), **_icon_body(fields)}


@dataclass(frozen=True, kw_only=True)
class AttachApplication(_Change):
    """A new application open to every user, attached to an existing provider (reused); its
    icon is written as ``CreateApplication``'s."""

    action: ClassVar[Action] = "create"
    kind: ClassVar[Kind] = "application"
    application: ApplicationFields
    provider: int
    icon: str = ""

    @property
    def body(self) -> dict[str, str | int]:
        fields = self.application
        return {
            "slug": fields.slug,
            **fields.attrs_with(self.provider),
            **_icon_body(fields),
        }


@dataclass(frozen=True, kw_only=True)
class CreateProvider(_Change):
    """A provider for an existing application that has none (it is attached afterwards)."""

    action: ClassVar[Action] = "create"
    kind: ClassVar[Kind] = "provider"
    fields: ProviderFields[str]

    @property
    def body(self) -> dict[str, str]:
        return self.fields.body()


@dataclass(frozen=True, kw_only=True)
class UpdateProvider(_Change):
    """A PATCH of the fields that differ; it always carries ``mode`` (Authentik resets it to
    ``proxy`` when a PATCH omits it, transcript 03d)."""

    action: ClassVar[Action] = "update"
    kind: ClassVar[Kind] = "provider"
    pk: int
    body: Mapping[str, str]


@dataclass(frozen=True, kw_only=True)
class UpdateApplication(_Change):
    """A PATCH of the fields that differ, and of its provider when ``provider`` is set;
    ``icon`` is a URL to set after the write ("" when none)."""

    action: ClassVar[Action] = "update"
    kind: ClassVar[Kind] = "application"
    slug: str
    body: Mapping[str, str] = field(default_factory=dict)
    provider: ProviderRef | None = None
    icon: str = ""


@dataclass(frozen=True, kw_only=True)
class CreateBinding(_Change):
    """A group binding of an existing application (``target`` is its pk)."""

    action: ClassVar[Action] = "create"
    kind: ClassVar[Kind] = "binding"
    target: str
    group: GroupRef
    order: int

    @property
    def body(self) -> dict[str, str | int]:
        return {"target": self.target, "group": self.group.pk, "order": self.order}


@dataclass(frozen=True, kw_only=True)
class DeleteBinding(_Change):
    """A binding that is not exactly a declared one: another group, a duplicate, disabled,
    negated, or of a user or a policy (``PolicyBinding.grants_group``)."""

    action: ClassVar[Action] = "delete"
    kind: ClassVar[Kind] = "binding"
    pk: str


@dataclass(frozen=True, kw_only=True)
class DeleteOrphan(_Change):
    """A provider of this tool left without application by an interrupted run; it goes
    before the transaction that replaces it (its name must be free)."""

    action: ClassVar[Action] = "delete"
    kind: ClassVar[Kind] = "orphan"
    pk: int


@dataclass(frozen=True, kw_only=True)
class UpdateOutpost(_Change):
    """The single outpost PATCH: providers to add and owned pks to drop, merged into its
    list, and config keys to set, merged into its whole config (a PATCH replaces it)."""

    action: ClassVar[Action] = "update"
    kind: ClassVar[Kind] = "outpost"
    pk: str
    add: tuple[ProviderRef, ...] = ()
    remove: frozenset[int] = frozenset()
    config: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class DeleteApplication(_Change):
    action: ClassVar[Action] = "delete"
    kind: ClassVar[Kind] = "application"
    slug: str


@dataclass(frozen=True, kw_only=True)
class DeleteProvider(_Change):
    action: ClassVar[Action] = "delete"
    kind: ClassVar[Kind] = "provider"
    pk: int


Change = (
    CreateApplication
    | AttachApplication
    | CreateProvider
    | UpdateProvider
    | UpdateApplication
    | CreateBinding
    | DeleteBinding
    | DeleteOrphan
    | UpdateOutpost
    | DeleteApplication
    | DeleteProvider
)
