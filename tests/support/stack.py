"""A proxy in front of the fake's outpost and one echo backend per host, as the tests see it.

The real proxy (nginx, Caddy) is started by each test module; this holds what they share:
requests sent as a browser would, the fake's session cookie, and what the backends saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from provision.testing.fake_authentik import FakeAuthentik
from tests.support.backends import Backend

HOSTS = ("alpha.example.test", "beta.example.test")
SPOOFED = "admin"
# Every spelling a client might try; none of them may reach a backend with the client's value.
SPOOFED_HEADERS = {
    "x-AUTHENTIK-username": SPOOFED,
    "X-Authentik-Groups": SPOOFED,
    "X-authentik-entitlements": SPOOFED,  # the outpost answers it empty
    "X-authentik-meta-app": SPOOFED,
    "X-authentik-foo": SPOOFED,  # a name the outpost never sends
    "X-AUTHENTIK-META-TENANT": SPOOFED,
    "X_authentik_username": SPOOFED,  # read as X-authentik-username by CGI/WSGI/PHP backends
    "x_AUTHENTIK_groups": SPOOFED,
}


@dataclass
class Stack:
    fake: FakeAuthentik
    url: str
    backends: dict[str, Backend]

    def get(
        self, host: str, path: str = "/", headers: dict[str, str] | None = None
    ) -> requests.Response:
        sent = {"Host": host, **(headers or {})}
        return requests.get(self.url + path, headers=sent, allow_redirects=False, timeout=10)

    def cookie(self, host: str, username: str = "alice") -> dict[str, str]:
        """The outpost cookie a browser login of the stored ``username`` on ``host`` leaves."""
        name, value = self.fake.login(username, host)
        return {"Cookie": f"{name}={value}"}

    def seen_by_backends(self) -> int:
        return sum(len(b.seen) for b in self.backends.values())

    def clear(self) -> None:
        for backend in self.backends.values():
            backend.seen.clear()


def x_authentik(record: dict[str, Any]) -> dict[str, list[str]]:
    """The backend's X-authentik-* headers (any case, dashes or underscores) by lower name."""
    found: dict[str, list[str]] = {}
    for name, value in record["headers"]:
        if name.lower().replace("_", "-").startswith("x-authentik-"):
            found.setdefault(name.lower(), []).append(value)
    return found
