"""Anonymous questions to the outpost and the reverse proxy, as Traefik or a browser asks them.

They go through the API client's anonymous mode (``AuthentikClient.ask_anonymously``): no
token, redirects not followed, the same TLS verification and proxy rules as the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from provision.authentik.anonymous import Answer
from provision.terms import PING_PATH, TRAEFIK_AUTH_PATH


class AsksAnonymously(Protocol):
    def ask_anonymously(self, url: str, headers: Mapping[str, str] | None = None) -> Answer: ...


def traefik_headers(host: str, proto: str = "https") -> dict[str, str]:
    """The headers Traefik's forwardAuth sends for an anonymous ``GET /`` on ``host``."""
    return {
        "X-Forwarded-Host": host,
        "X-Forwarded-Proto": proto,
        "X-Forwarded-Uri": "/",
        "X-Forwarded-Method": "GET",
    }


def ask_outpost(client: AsksAnonymously, address: str, host: str) -> Answer:
    """The outpost's answer to Traefik's forward-auth question about ``host``."""
    return client.ask_anonymously(address + TRAEFIK_AUTH_PATH, traefik_headers(host))


def ask_through_proxy(client: AsksAnonymously, through: str, host: str) -> Answer:
    """The reverse proxy's answer to a browser's anonymous ``GET /`` on ``host``."""
    return client.ask_anonymously(through, {"Host": host})


def ping_outpost(client: AsksAnonymously, address: str) -> Answer:
    """The outpost's answer to its ping endpoint (204 when something outpost-like listens)."""
    return client.ask_anonymously(address + PING_PATH)
