"""Apply a Plan: write only what differs, stage by stage, one outpost PATCH, then verify it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Protocol, assert_never

from provision.changes import (
    AttachApplication,
    Change,
    CreateApplication,
    CreateBinding,
    CreateProvider,
    DeleteApplication,
    DeleteBinding,
    DeleteOrphan,
    DeleteProvider,
    NewProvider,
    ProviderRef,
    UpdateApplication,
    UpdateOutpost,
    UpdateProvider,
)
from provision.errors import (
    EX_TERMINATED,
    ApplyFailedError,
    AuthentikError,
    ProvisionError,
    TransientAPIError,
)
from provision.plan import Plan

log = logging.getLogger(__name__)
OUTPOST_ATTEMPTS = 5
Json = dict[str, Any]


class Writer(Protocol):
    def list_proxy_providers(self) -> list[Json]: ...
    def get_application(self, slug: str) -> Json | None: ...
    def create_proxy_provider(self, body: Json) -> Json: ...
    def update_proxy_provider(self, pk: int, body: Json) -> Json: ...
    def delete_proxy_provider(self, pk: int) -> None: ...
    def create_application(self, body: Json) -> Json: ...
    def create_application_with_provider(
        self, provider: Json, application: Json, bindings: list[Json]
    ) -> Json: ...
    def update_application(self, slug: str, body: Json) -> Json: ...
    def delete_application(self, slug: str) -> None: ...
    def set_application_icon_url(self, slug: str, url: str) -> None: ...
    def create_policy_binding(self, body: Json) -> Json: ...
    def delete_policy_binding(self, pk: str) -> None: ...
    def get_outpost(self, pk: str) -> Json: ...
    def update_outpost(self, pk: str, body: Json) -> Json: ...


@dataclass
class ApplyResult:
    applied: list[Change] = field(default_factory=list)
    outpost_providers: list[int] = field(default_factory=list)
    outpost_attempts: int = 0


@dataclass
class _Refs:
    """Primary keys learnt while applying (objects created in this run)."""

    providers: dict[str, int] = field(default_factory=dict)  # app slug -> provider pk
    # app slug -> name of the provider a transaction created (its pk is read back once)
    transactional: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def provider(self, ref: ProviderRef) -> int:
        """The pk of an existing provider, or of the one created in this run for an app."""
        if isinstance(ref, NewProvider):
            with self.lock:
                return self.providers[ref.app]
        return ref


class _Stopped(Exception):
    """A write was not started because a stop was asked for."""


def apply(
    plan: Plan,
    client: Writer,
    *,
    concurrency: int = 4,
    on_change: Callable[[Change], None] | None = None,
    stop: threading.Event | None = None,
    stop_code: Callable[[], int] = lambda: EX_TERMINATED,
) -> ApplyResult:
    """Apply ``plan`` in APPLY_ORDER; independent writes of one stage run concurrently.

    Raises:
        ApplyFailedError: a write failed (every failure of its stage is kept) or ``stop`` was
            set; it lists the changes applied before. A bug in this tool is raised as itself.
    """
    result = ApplyResult()
    refs = _Refs()
    stop = stop or threading.Event()
    for _, stage in groupby(plan.changes, key=lambda c: c.stage):
        changes = list(stage)
        try:
            if stop.is_set():
                raise _StageFailed([_Stopped()])
            if isinstance(changes[0], UpdateOutpost):
                _merge(client, changes[0], refs, result, plan.provider_pages)
                _done(result, changes[0], on_change)
                continue
            write = _guarded(lambda c: _write(client, c, refs), stop)
            _run_stage(changes, write, concurrency, result, on_change)
        except _StageFailed as failed:
            raise _failure(failed.errors, result, plan, stop, stop_code) from failed.errors[0]
    return result


class _StageFailed(Exception):
    def __init__(self, errors: list[BaseException]) -> None:
        super().__init__(f"{len(errors)} writes failed")
        self.errors = errors


def _merge(
    client: Writer, change: UpdateOutpost, refs: _Refs, result: ApplyResult, plan_pages: int
) -> None:
    try:
        _read_back_providers(client, refs, plan_pages)
        add = {refs.provider(ref) for ref in change.add}
        result.outpost_providers, result.outpost_attempts = merge_outpost(client, change, add)
    except ProvisionError as exc:
        raise _StageFailed([exc]) from exc


def _guarded(write: Callable[[Change], None], stop: threading.Event) -> Callable[[Change], None]:
    def guarded(change: Change) -> None:
        if stop.is_set():
            raise _Stopped()
        write(change)

    return guarded


def _failure(
    errors: list[BaseException],
    result: ApplyResult,
    plan: Plan,
    stop: threading.Event,
    stop_code: Callable[[], int],
) -> BaseException:
    """The error to raise: a bug as itself, else every failure with what was applied."""
    real = [e for e in errors if not isinstance(e, _Stopped)]
    bugs = [e for e in real if not isinstance(e, ProvisionError)]
    if bugs and len(bugs) == len(real):
        return bugs[0]
    applied = [f"{c.action} {c.kind} {c.name!r}" for c in result.applied]
    signal_code = stop_code() if stop.is_set() else None
    return ApplyFailedError(real, applied, len(plan.changes), signal_code=signal_code)


def _run_stage(
    changes: list[Change],
    write: Callable[[Change], None],
    concurrency: int,
    result: ApplyResult,
    on_change: Callable[[Change], None] | None,
) -> None:
    errors: list[BaseException] = []
    if concurrency <= 1 or len(changes) == 1:
        for change in changes:
            try:
                write(change)
            except Exception as exc:
                raise _StageFailed([exc]) from exc
            _done(result, change, on_change)
        return
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [(change, pool.submit(write, change)) for change in changes]
        for change, future in futures:
            error = future.exception()
            if error is None:
                _done(result, change, on_change)
            else:
                errors.append(error)
    if errors:
        raise _StageFailed(errors)


def _done(result: ApplyResult, change: Change, on_change: Callable[[Change], None] | None) -> None:
    result.applied.append(change)
    if on_change is not None:
        on_change(change)


def _read_back_providers(client: Writer, refs: _Refs, list_pages: int) -> None:
    """Learn the pks of the providers that transactions created: with one GET per new
    application, or one paged list of providers when that takes fewer requests."""
    if not refs.transactional:
        return
    if len(refs.transactional) <= list_pages:
        for slug, name in refs.transactional.items():
            app = client.get_application(slug) or {}
            attached = (app.get("provider_obj") or {}).get("name")
            if app.get("provider") is not None and attached == name:
                refs.providers[slug] = int(app["provider"])
    else:
        wanted = {name: slug for slug, name in refs.transactional.items()}
        for provider in client.list_proxy_providers():
            owner = wanted.get(str(provider.get("name")))
            if owner is not None and provider.get("assigned_application_slug") == owner:
                refs.providers[owner] = int(provider["pk"])
    missing = sorted(set(refs.transactional) - set(refs.providers))
    if missing:
        raise AuthentikError(
            "the transaction reported success, but no proxy provider is attached to"
            f" {', '.join(missing)}",
            method="GET",
            path="/api/v3/providers/proxy/",
        )


def _write(client: Writer, change: Change, refs: _Refs) -> None:
    match change:
        case DeleteOrphan() | DeleteProvider():
            client.delete_proxy_provider(change.pk)
        case CreateProvider():
            created = client.create_proxy_provider(dict(change.body))
            with refs.lock:
                refs.providers[change.app] = int(created["pk"])
        case UpdateProvider():
            client.update_proxy_provider(change.pk, dict(change.body))
        case CreateApplication():
            _create_with_provider(client, change, refs)
        case AttachApplication():
            written = client.create_application(dict(change.body))
            if change.icon:
                client.set_application_icon_url(str(written.get("slug") or change.app), change.icon)
        case UpdateApplication():
            _update_application(client, change, refs)
        case DeleteApplication():
            client.delete_application(change.slug)
        case CreateBinding():
            client.create_policy_binding(dict(change.body))
        case DeleteBinding():
            client.delete_policy_binding(change.pk)
        case UpdateOutpost():
            raise ValueError("the outpost is merged once per run, not written as a change")
        case _:
            assert_never(change)


def _create_with_provider(client: Writer, change: CreateApplication, refs: _Refs) -> None:
    bindings = [{"group": g.pk, "order": order} for order, g in enumerate(change.bindings)]
    client.create_application_with_provider(change.provider.body(), change.body, bindings)
    with refs.lock:
        refs.transactional[change.app] = change.provider.name
    if change.icon:
        client.set_application_icon_url(change.app, change.icon)


def _update_application(client: Writer, change: UpdateApplication, refs: _Refs) -> None:
    body: Json = dict(change.body)
    if change.provider is not None:
        body["provider"] = refs.provider(change.provider)
    if body:
        client.update_application(change.slug, body)
    if change.icon:
        client.set_application_icon_url(change.slug, change.icon)


def merge_outpost(client: Writer, change: UpdateOutpost, add: set[int]) -> tuple[list[int], int]:
    """Merge our providers into the outpost's list, keeping everyone else's, and our config
    keys into its config, keeping every other key (a PATCH replaces the whole config, 11).

    The outpost is re-read right before the PATCH and again after it; if another writer
    replaced it in between, the merge is redone (bounded).
    """
    for attempt in range(1, OUTPOST_ATTEMPTS + 1):
        outpost = client.get_outpost(change.pk)
        current = _providers(outpost)
        wanted = (current - change.remove) | add
        body: Json = {}
        if wanted != current:
            body["providers"] = sorted(wanted)
        config = dict(outpost.get("config") or {})
        if any(config.get(key) != value for key, value in change.config.items()):
            body["config"] = config | dict(change.config)
        if body:
            client.update_outpost(change.pk, body)
        after = client.get_outpost(change.pk)
        held = all((after.get("config") or {}).get(k) == v for k, v in change.config.items())
        if add <= _providers(after) and not (_providers(after) & change.remove) and held:
            return sorted(_providers(after)), attempt
        log.warning("the outpost changed under us; merging again (attempt %d)", attempt)
    # Another writer kept replacing the list: that can pass, so it exits 75 (systemd retries).
    raise TransientAPIError(
        f"the embedded outpost kept changing; {OUTPOST_ATTEMPTS} merges did not hold",
        method="PATCH",
        path=f"/api/v3/outposts/instances/{change.pk}/",
    )


def _providers(outpost: Json) -> set[int]:
    return {int(p) for p in outpost.get("providers") or ()}
