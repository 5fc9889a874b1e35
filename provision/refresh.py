"""``sync --verify``: wait for the outpost to serve the hosts this run bound (docs/forward-auth.md).

The outpost picks up a newly bound provider only on its next refresh (a push on save and a
random delay of up to 9 s, else every 5 minutes), and answers its 404 page for the host until
then; a host another provider served before keeps that one's login redirect until then.
Each newly bound host is asked again every ``interval`` seconds until the outpost answers
for it or ``wait`` seconds have passed; hosts bound before are asked once, as ``verify`` does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import requests

from provision.asking import AsksAnonymously, ask_outpost
from provision.declared_providers import NOT_READ, DeclaredProviders
from provision.findings import Finding
from provision.verify import HostResult, ask_host, classify_outpost
from provision.verify_text import fix_for

if TYPE_CHECKING:
    from provision.config import Config

log = logging.getLogger(__name__)
POLL_INTERVAL = 0.5
# The outpost's answers while it has not picked a provider up (a standalone one: 400).
_NOT_SERVED = frozenset({Finding.NOT_BOUND, Finding.NO_APP_FOR_HOSTNAME})
# Worth asking again: the provider this run replaced may be served until the refresh.
_NOT_SERVED_YET = _NOT_SERVED | {Finding.SERVED_BY_OTHER_PROVIDER}


def verify_after_binding(
    config: Config,
    newly_bound: Collection[str],
    wait: float,
    providers: DeclaredProviders = NOT_READ,
    *,
    interval: float = POLL_INTERVAL,
    session: requests.Session | None = None,
) -> list[HostResult]:
    """Every declared host's result, after waiting up to ``wait`` s for the newly bound ones.

    ``providers`` (read after the sync) say whose login redirect each host must answer.
    """
    address = config.settings.outpost.address.rstrip("/")
    hosts = [target.host for target in config.desired.targets]
    fresh = [host for host in hosts if host in newly_bound]
    from provision.loading import anonymous_client

    with anonymous_client(config, session) as client:
        if fresh and wait > 0:
            log.info("waiting up to %g s for the outpost to serve %d new hosts", wait, len(fresh))
        unserved = wait_until_served(client, fresh, address, wait, interval, providers=providers)
        results = [ask_host(client, host, address, providers=providers) for host in hosts]
    return [_not_refreshed(r, wait) if r.host in unserved else r for r in results]


def wait_until_served(
    client: AsksAnonymously,
    hosts: Sequence[str],
    address: str,
    wait: float,
    interval: float,
    *,
    providers: DeclaredProviders = NOT_READ,
) -> set[str]:
    """Ask the outpost for each host until it serves all of them or ``wait`` s have passed;
    the hosts it still does not serve."""
    deadline = time.monotonic() + wait
    pending = list(hosts)
    while pending:
        pending = [host for host in pending if not _served(client, host, address, providers)]
        left = deadline - time.monotonic()
        if not pending or left <= 0:
            break
        time.sleep(min(interval, left))
    return set(pending)


def _served(client: AsksAnonymously, host: str, address: str, providers: DeclaredProviders) -> bool:
    answer = ask_outpost(client, address, host)
    return classify_outpost(host, answer, providers).classification not in _NOT_SERVED_YET


def _not_refreshed(result: HostResult, wait: float) -> HostResult:
    if result.classification not in _NOT_SERVED:
        return result
    return replace(
        result,
        classification=Finding.NOT_REFRESHED,
        detail=f"the outpost does not serve this newly bound host yet (waited {wait:g} s):"
        f" {result.detail}",
        fix=fix_for(Finding.NOT_REFRESHED),
    )
