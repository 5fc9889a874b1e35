"""The changes of one declared app: its proxy provider, application and policy bindings."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from provision.bindings import bound_groups
from provision.changes import (
    AttachApplication,
    Change,
    CreateApplication,
    CreateBinding,
    CreateProvider,
    DeleteBinding,
    DiffValue,
    FieldDiff,
    GroupRef,
    NewProvider,
    ProviderRef,
    UpdateApplication,
    UpdateProvider,
)
from provision.fields import ProviderFields
from provision.model import Application, DesiredApp, ProxyProvider
from provision.names import served_form
from provision.plan_index import StateIndex


def provider_fields(app: DesiredApp, index: StateIndex) -> ProviderFields[str]:
    return ProviderFields.for_target(app, index.flow_pk)


def new_application(app: DesiredApp, index: StateIndex) -> CreateApplication:
    """The application with its provider and bindings, for the transactional endpoint."""
    application, icon = index.application_fields(app)
    return CreateApplication(
        app=app.slug,
        name=app.name,
        provider=provider_fields(app, index),
        application=application,
        bindings=tuple(GroupRef(index.actual.groups[g], g) for g in app.access.groups),
        icon=icon,
    )


def new_provider(app: DesiredApp, index: StateIndex) -> CreateProvider:
    return CreateProvider(app=app.slug, name=app.provider_name, fields=provider_fields(app, index))


def update_provider(
    app: DesiredApp, provider: ProxyProvider, index: StateIndex, adopting: bool
) -> list[Change]:
    """A PATCH of the provider's fields that differ from the declared ones, if any."""
    want = provider_fields(app, index).body()
    have = {key: getattr(provider, key) for key in want}  # ProxyProvider uses Authentik's names
    # Compared as the outpost matches it: another case or spelling of the host is drift.
    diffs = _diff(have, want, same={"external_host": served_form})
    if not diffs:
        return []
    # Authentik resets `mode` to proxy when a PATCH omits it (transcript 03d).
    body = {"mode": app.mode} | {d.field: want[d.field] for d in diffs}
    update = UpdateProvider(
        app=app.slug, name=provider.name, diffs=diffs, adopt=adopting, pk=provider.pk, body=body
    )
    return [update]


def attach_application(
    app: DesiredApp, provider: ProxyProvider, index: StateIndex
) -> AttachApplication:
    """A new application open to every user on an existing provider (it has no bindings)."""
    application, icon = index.application_fields(app)
    return AttachApplication(
        app=app.slug, name=app.name, application=application, provider=provider.pk, icon=icon
    )


def plan_existing_application(
    app: DesiredApp, existing: Application, provider: ProxyProvider | None, index: StateIndex
) -> list[Change]:
    """The update and bindings of an application (``provider`` None: created in this run)."""
    update = _update_application(app, existing, provider, index)
    return ([update] if update else []) + _plan_bindings(app, existing, index)


def _update_application(
    app: DesiredApp, existing: Application, provider: ProxyProvider | None, index: StateIndex
) -> UpdateApplication | None:
    fields, icon = index.application_fields(app)
    want: dict[str, DiffValue] = dict(fields.attrs_with(provider.pk if provider else None))
    if fields.icon:
        want["meta_icon"] = fields.icon
    have = {key: getattr(existing, key) for key in want}
    diffs = _diff(have, want)
    if icon and existing.meta_icon != icon:
        diffs = (*diffs, FieldDiff("meta_icon", existing.meta_icon or None, icon))
    else:
        icon = ""
    ref: ProviderRef | None = provider.pk if provider else None
    if provider is None:
        ref = NewProvider(app.slug)
        diffs = (
            *(d for d in diffs if d.field != "provider"),
            FieldDiff("provider", existing.provider, ref),
        )
    if not diffs:
        return None
    changed = {d.field for d in diffs}
    body = {k: v for k, v in want.items() if k in changed and isinstance(v, str)}
    return UpdateApplication(
        app=app.slug,
        name=app.name,
        diffs=diffs,
        adopt=not index.owned(existing),
        slug=existing.slug,
        body=body,
        provider=ref if "provider" in changed else None,
        icon=icon,
    )


def _plan_bindings(app: DesiredApp, existing: Application, index: StateIndex) -> list[Change]:
    """Exactly one enabled, plain binding per declared group, and no other binding.

    Anything else on the application is drift (``provision.bindings``): another group, a
    duplicate (Authentik accepts the same binding twice, transcript 09), a disabled or negated
    binding, a user or a policy. The missing bindings are created before any binding is
    deleted (see APPLY_ORDER), so a repair never leaves a restricted application with none.
    """
    wanted = [index.actual.groups[g] for g in app.access.groups]
    judged = bound_groups(index.bindings.get(existing.pk, []), wanted)
    names = index.group_names
    changes: list[Change] = [
        CreateBinding(
            app=app.slug,
            name=f"{app.slug} -> group {names[pk]}",
            target=existing.pk,
            group=GroupRef(pk, names[pk]),
            order=wanted.index(pk),
        )
        for pk in judged.missing
    ]
    labels = judged.labels(names)
    for binding, label in zip(judged.drift, labels, strict=True):
        changes.append(DeleteBinding(app=app.slug, name=f"{app.slug} -> {label}", pk=binding.pk))
    return changes


def _diff(
    have: Mapping[str, DiffValue],
    want: Mapping[str, DiffValue],
    same: Mapping[str, Callable[[str], str]] | None = None,
) -> tuple[FieldDiff, ...]:
    same = same or {}
    diffs = []
    for key, new in want.items():
        old = have.get(key)
        norm = same.get(key)
        a = "" if old is None else old
        b = "" if new is None else new
        if (norm(str(a)) != norm(str(b))) if norm else a != b:
            diffs.append(FieldDiff(key, old, new))
    return tuple(diffs)
