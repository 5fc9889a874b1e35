"""Read the actual state: one paged list per kind of object, never a GET per host."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from provision.errors import PlanError
from provision.model import (
    ActualState,
    GroupBinding,
    parse_application,
    parse_group_binding,
    parse_outpost,
    parse_proxy_provider,
)

log = logging.getLogger(__name__)


class Reader(Protocol):
    def list_flows(self) -> list[dict[str, Any]]: ...
    def list_groups(self) -> list[dict[str, Any]]: ...
    def list_proxy_providers(self) -> list[dict[str, Any]]: ...
    def list_applications(self) -> list[dict[str, Any]]: ...
    def list_policy_bindings(self, target: str | None = None) -> list[dict[str, Any]]: ...
    def find_outpost(self, managed: str) -> dict[str, Any] | None: ...


def observe(client: Reader, outpost_managed: str) -> ActualState:
    """List flows, groups, proxy providers, applications, bindings and the embedded outpost."""
    outpost = client.find_outpost(outpost_managed)
    if outpost is None:
        raise PlanError(
            f"no outpost with managed = {outpost_managed!r} exists; Authentik creates the embedded"
            " outpost at start-up (check outpost.managed)"
        )
    applications = tuple(parse_application(a) for a in client.list_applications())
    targets = {a.pk for a in applications}
    bindings: list[GroupBinding] = []
    for raw in client.list_policy_bindings():
        binding = parse_group_binding(raw)
        if binding is not None and binding.target in targets:
            bindings.append(binding)
    state = ActualState(
        providers=tuple(parse_proxy_provider(p) for p in client.list_proxy_providers()),
        applications=applications,
        bindings=tuple(bindings),
        outpost=parse_outpost(outpost),
        flows={str(f["slug"]): str(f["pk"]) for f in client.list_flows()},
        groups={str(g["name"]): str(g["pk"]) for g in client.list_groups()},
    )
    log.debug(
        "observed %d providers, %d applications, %d group bindings, outpost %s",
        len(state.providers),
        len(state.applications),
        len(state.bindings),
        state.outpost.pk,
    )
    return state
