"""Which providers the embedded outpost serves, and for which host (docs/forward-auth.md).

The real outpost does not read the provider list on each request: it refreshes its own copy,
1-16 s after the outpost PATCH in the recordings (file 13, refresh trials), for a newly bound
provider and for an unbound one alike. ``OutpostView`` models that lag.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from .store import Record, Store


class OutpostView:
    """The outpost's copy of the embedded outpost's provider list, ``refresh_delay`` seconds old.

    Every change of the list the fake notices (after each API request, and before each outpost
    request) is kept with its time; the outpost serves the list as it was ``refresh_delay``
    seconds ago. So a provider added to the list is served that long after the change, and a
    provider taken off it is still served that long. 0 follows the list at once. ``refresh()``
    picks up the current list now, like a restart of the outpost.
    """

    def __init__(self, refresh_delay: float = 0.0) -> None:
        self.refresh_delay = refresh_delay
        # (monotonic time of the change, the list from then on); the first entry is the list
        # the outpost started with: nothing.
        self._history: list[tuple[float, frozenset[int]]] = [(float("-inf"), frozenset())]

    def observe(self, store: Store) -> None:
        """Note the embedded outpost's current list if it changed since last seen."""
        listed = frozenset(store.embedded_outpost()["providers"])
        if listed != self._history[-1][1]:
            self._history.append((time.monotonic(), listed))
        self._forget_old()

    def refresh(self) -> None:
        """Serve the list as last observed, whatever the delay."""
        self._history = [(float("-inf"), self._history[-1][1])]

    def served_pks(self) -> frozenset[int]:
        """The providers the outpost's copy holds now."""
        if self.refresh_delay <= 0:
            return self._history[-1][1]
        cutoff = time.monotonic() - self.refresh_delay
        return next(pks for since, pks in reversed(self._history) if since <= cutoff)

    def _forget_old(self) -> None:
        """Drop changes older than the one the outpost serves now (it can never go back)."""
        cutoff = time.monotonic() - max(self.refresh_delay, 0.0)
        while len(self._history) > 1 and self._history[1][0] <= cutoff:
            self._history.pop(0)


def served_providers(store: Store, view: OutpostView) -> list[Record]:
    """Forward-auth providers the outpost serves: in its copy, still there, with an application."""
    view.observe(store)
    picked_up = view.served_pks()
    # The list's order first (it decides ties), then providers unbound but still served.
    ordered = dict.fromkeys([*store.embedded_outpost()["providers"], *sorted(picked_up)])
    served = []
    for pk in ordered:
        provider = store.providers.get(pk)
        if pk not in picked_up or provider is None or provider["mode"] == "proxy":
            continue
        if store.application_of(pk) is not None:
            served.append(provider)
    return served


def bound_provider(store: Store, host: str, view: OutpostView | None = None) -> Record | None:
    """The provider serving ``host``, matched as the real outpost does (docs/forward-auth.md).

    First the exact host (port included, case-sensitive) of each ``external_host``; only when
    none matches, the ``forward_domain`` provider whose ``cookie_domain`` (a leading dot
    dropped) is the longest suffix of ``host``, compared as plain strings: no dot boundary,
    and an empty one never wins.
    """
    providers = served_providers(store, view or OutpostView())
    for provider in providers:
        if urlsplit(provider["external_host"]).netloc == host:
            return provider
    best: Record | None = None
    longest = 0
    for provider in providers:
        domain = provider["cookie_domain"].removeprefix(".")
        if provider["mode"] == "forward_domain" and host.endswith(domain) and len(domain) > longest:
            best, longest = provider, len(domain)
    return best
