"""Read the actual state: one paged list per kind of object, never a GET per host."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from provision.errors import PlanError
from provision.model import (
    ActualState,
    PolicyBinding,
    parse_application,
    parse_outpost,
    parse_policy_binding,
    parse_proxy_provider,
)
from provision.versions import VersionProfile

log = logging.getLogger(__name__)


class _HasPk(Protocol):
    @property
    def pk(self) -> str | int: ...


Keyed = TypeVar("Keyed", bound=_HasPk)


class Reader(Protocol):
    def version_profile(self) -> VersionProfile: ...
    def list_flows(self) -> list[dict[str, Any]]: ...
    def list_groups(self) -> list[dict[str, Any]]: ...
    def list_proxy_providers(self) -> list[dict[str, Any]]: ...
    def list_applications(self) -> list[dict[str, Any]]: ...
    def list_policy_bindings(self, target: str | None = None) -> list[dict[str, Any]]: ...
    def find_outpost(self, managed: str) -> dict[str, Any] | None: ...


def observe(client: Reader, outpost_managed: str) -> ActualState:
    """List flows, groups, proxy providers, applications, bindings and the embedded outpost.

    The server's version is read first: its profile sets the page size of every list. The six
    lists are independent, so they run at once: a sync waits for the slowest, not their sum.
    """
    profile = client.version_profile()
    with ThreadPoolExecutor(max_workers=6) as pool:
        outpost_f = pool.submit(client.find_outpost, outpost_managed)
        flows_f = pool.submit(client.list_flows)
        groups_f = pool.submit(client.list_groups)
        providers_f = pool.submit(client.list_proxy_providers)
        applications_f = pool.submit(client.list_applications)
        bindings_f = pool.submit(client.list_policy_bindings)
        outpost = outpost_f.result()
        raw = (flows_f.result(), groups_f.result(), providers_f.result(), applications_f.result())
        raw_bindings = bindings_f.result()
    if outpost is None:
        raise PlanError(
            f"no outpost with managed = {outpost_managed!r} exists; Authentik creates the embedded"
            " outpost at start-up (check outpost.managed)"
        )
    flows, groups, providers, applications = raw
    apps = _once(parse_application(a) for a in applications)
    state = ActualState(
        providers=_once(parse_proxy_provider(p) for p in providers),
        applications=apps,
        bindings=_application_bindings(raw_bindings, {a.pk for a in apps}),
        outpost=parse_outpost(outpost),
        flows={str(f["slug"]): str(f["pk"]) for f in flows},
        groups={str(g["name"]): str(g["pk"]) for g in groups},
        profile=profile,
    )
    log.debug(
        "observed %d providers, %d applications, %d bindings, outpost %s",
        len(state.providers),
        len(state.applications),
        len(state.bindings),
        state.outpost.pk,
    )
    return state


def _application_bindings(
    raw: list[dict[str, Any]], targets: set[str]
) -> tuple[PolicyBinding, ...]:
    """Every binding whose target is an application, whatever its subject, once per pk.

    Bindings of other targets (flows, stages) are not this tool's to look at.
    """
    return _once(b for b in (parse_policy_binding(r) for r in raw) if b.target in targets)


def _once(objects: Iterable[Keyed]) -> tuple[Keyed, ...]:
    """Each object once by pk, the last answer winning: an object listed on two pages (added
    or moved while they were read) is one object, never an extra copy to delete."""
    return tuple({o.pk: o for o in objects}.values())
