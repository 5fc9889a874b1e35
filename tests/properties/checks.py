"""The promise after a successful ``sync``, checked against the fake from the outside.

(a) a second ``plan --detailed-exitcode`` finds nothing to do; (b) the policy engine admits
exactly the declared groups' members (everybody for ``any_user``) to every declared app; (c)
the outpost serves each declared host through the provider declared for it (an anonymous
Traefik-style request gets the login redirect naming that provider's ``client_id``); (d) the
hand-made objects are as they were; and ``verify --access`` agrees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from tests.properties.world import OWNER, Cli, World

TRAEFIK = "/outpost.goauthentik.io/auth/traefik"
UNDECLARED_LABEL = "zz-undeclared"
"""A host under a domain that no app declares: the domain's provider serves it."""


@dataclass(frozen=True)
class Target:
    """A declared host (canonical: A-labels, lowercase) and who may enter it.

    ``groups`` None is every user; ``domain`` is set for a domain's auth host.
    """

    host: str
    groups: frozenset[str] | None
    domain: str | None = None

    def admits(self, member_of: frozenset[str]) -> bool:
        return self.groups is None or bool(self.groups & member_of)


def anonymous_visit(world: World, host: str) -> requests.Response:
    """The outpost's answer to Traefik asking about an anonymous request for ``host``'s ``/``."""
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": host, "X-Forwarded-Uri": "/"}
    return requests.get(world.fake.url + TRAEFIK, headers=headers, allow_redirects=False, timeout=5)


def login_client_id(world: World, host: str) -> str:
    """The ``client_id`` of the login an anonymous browser on ``host`` is sent to."""
    answer = anonymous_visit(world, host)
    assert answer.status_code == 302, f"{host}: the outpost answered {answer.status_code}"
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    return query["client_id"][0]


def declared_application(world: World, target: Target) -> tuple[dict[str, Any], dict[str, Any]]:
    """(provider, application) of the target's host: exactly one provider for it, owned."""
    external_host = f"https://{target.host}"
    providers = [
        p for p in world.fake.state.proxy_providers() if p["external_host"] == external_host
    ]
    assert len(providers) == 1, f"{external_host}: providers {[p['name'] for p in providers]}"
    (provider,) = providers
    mode = "forward_domain" if target.domain else "forward_single"
    assert provider["mode"] == mode, provider
    if target.domain:
        assert provider["cookie_domain"] == target.domain, provider
    apps = [a for a in world.fake.state.applications() if a["provider"] == provider["pk"]]
    assert len(apps) == 1 and apps[0]["meta_publisher"] == OWNER, apps
    return provider, apps[0]


def assert_access_as_declared(world: World, targets: Sequence[Target]) -> None:
    """(b) and (c) for every target."""
    for target in targets:
        provider, app = declared_application(world, target)
        for username, member_of in world.population.items():
            passing = world.passing(app["slug"], username)
            assert passing == target.admits(member_of), (target, username, sorted(member_of))
        assert login_client_id(world, target.host) == provider["client_id"], target
        if target.domain:
            undeclared = f"{UNDECLARED_LABEL}.{target.domain}"
            if undeclared not in {t.host for t in targets}:
                assert login_client_id(world, undeclared) == provider["client_id"], undeclared


def assert_converged(
    cli: Cli, world: World, targets: Sequence[Target], unowned: dict[str, Any]
) -> None:
    """(a)-(d) and ``verify --access`` after a sync that exited 0."""
    planned = cli("plan", "--detailed-exitcode")
    assert planned.code == 0, planned.out + planned.err
    assert_access_as_declared(world, targets)
    assert world.unowned() == unowned
    verified = cli("verify", "--access")
    assert verified.code == 0, verified.out + verified.err
