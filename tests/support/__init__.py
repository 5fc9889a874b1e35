"""Support shared by the tests: the expected outpost headers, loopback ports, outpost bindings.

The real Traefik lives in ``tests.support.traefik``, the stdlib backend in
``tests.support.backends``.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence

import requests

from provision.testing.fake_authentik import FakeAuthentik

# docs/forward-auth.md: the headers the outpost answers with, in its order. The tests keep their
# own copy, so a change to the renderer's list cannot pass unnoticed.
IDENTITY_HEADERS = (
    "X-authentik-username",
    "X-authentik-groups",
    "X-authentik-entitlements",
    "X-authentik-email",
    "X-authentik-name",
    "X-authentik-uid",
    "X-authentik-jwt",
    "X-authentik-meta-jwks",
    "X-authentik-meta-outpost",
    "X-authentik-meta-provider",
    "X-authentik-meta-app",
    "X-authentik-meta-version",
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bind_on_embedded_outpost(fake: FakeAuthentik, pks: Sequence[int]) -> None:
    """Set the embedded outpost's providers to ``pks`` through the fake's API, as by hand."""
    outpost = fake.state.embedded_outpost()
    response = requests.patch(
        f"{fake.url}/api/v3/outposts/instances/{outpost['pk']}/",
        json={"providers": list(pks)},
        headers={"Authorization": f"Bearer {fake.token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def serve_hosts(fake: FakeAuthentik, hosts: Sequence[str]) -> list[int]:
    """What a sync leaves behind: per host a forward_single provider with an application, all
    on the embedded outpost (the outpost serves only providers attached to an application)."""
    pks = []
    for host in hosts:
        pk = int(fake.state.add_proxy_provider(f"Provider for {host}", f"https://{host}")["pk"])
        fake.state.add_application(host, host.split(".")[0], provider=pk)
        pks.append(pk)
    bind_on_embedded_outpost(fake, pks)
    return pks
