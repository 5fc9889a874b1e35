"""The rendered Traefik config in a real Traefik, with the fake outpost and echo backends.

Each backend answers with the request headers it received, so the tests see exactly what a
protected application would see, including any header a client tried to spoof.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from provision.render import render_traefik
from provision.testing.fake_authentik import FakeAuthentik
from tests.render.render_support import CASE_NAMES, CASES, load_case, write_config
from tests.support import IDENTITY_HEADERS, serve_hosts
from tests.support.backends import Backend
from tests.support.traefik import Traefik, running_traefik

HOSTS = ("alpha.example.test", "beta.example.test")
SPOOFED = "admin"


@dataclass
class Stack:
    fake: FakeAuthentik
    traefik: Traefik
    backends: dict[str, Backend]

    def get(
        self, host: str, path: str = "/", headers: dict[str, str] | None = None
    ) -> requests.Response:
        # X-Forwarded-Proto as a TLS-terminating proxy in front of Traefik would send it.
        sent = {"Host": host, "X-Forwarded-Proto": "https", **(headers or {})}
        return requests.get(
            self.traefik.url("web") + path, headers=sent, allow_redirects=False, timeout=10
        )

    def cookie(self, host: str) -> dict[str, str]:
        name, value = self.fake.login("alice", host)
        return {"Cookie": f"{name}={value}"}

    def seen_by_backends(self) -> int:
        return sum(len(b.seen) for b in self.backends.values())


@pytest.fixture(scope="module")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One Traefik for the module: it only reads its config once, so tests cannot disturb it."""
    directory = tmp_path_factory.mktemp("stack")
    with (
        FakeAuthentik(token="t") as fake,
        Backend(HOSTS[0]) as one,
        Backend(HOSTS[1]) as two,
    ):
        serve_hosts(fake, HOSTS)
        fake.add_user("alice", ["admins"])
        backends = {HOSTS[0]: one, HOSTS[1]: two}
        document = {
            "secrets": {"sops_file": None},
            "outpost": {"address": fake.url},
            "traefik": {"entrypoints": ["web"], "cert_resolver": None},
            "apps": [{"host": h, "any_user": True, "backend": b.url} for h, b in backends.items()],
        }
        config = load_case(write_config(directory, document))
        dynamic = directory / "dynamic.yaml"
        dynamic.write_text(
            render_traefik(config.settings, config.desired, "yaml"), encoding="utf-8"
        )
        routers = {name for a in config.desired.apps for name in (a.slug, f"{a.slug}-outpost")}
        with running_traefik(directory, dynamic, ["web"], routers) as traefik:
            yield Stack(fake, traefik, backends)


@pytest.fixture
def stack(running_stack: Stack) -> Stack:
    for backend in running_stack.backends.values():
        backend.seen.clear()
    return running_stack


def _x_authentik(record: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in record["headers"]:
        if name.lower().replace("_", "-").startswith("x-authentik-"):
            found.setdefault(name.lower(), []).append(value)
    return found


def test_anonymous_requests_are_sent_to_the_outpost_login(stack: Stack) -> None:
    for host in HOSTS:
        response = stack.get(host, "/some/page?x=1")
        # The outpost's own answer, passed on: straight to authorize, back to the host's
        # callback over the scheme the TLS-terminating proxy in front announced.
        assert response.status_code == 302, response.text
        location = response.headers["Location"]
        assert location.startswith(f"{stack.fake.url}/application/o/authorize/?client_id=")
        assert f"%3A%2F%2F{host}%2Foutpost.goauthentik.io%2Fcallback" in location
    assert stack.seen_by_backends() == 0


def test_anonymous_spoofed_user_never_reaches_the_backend(stack: Stack) -> None:
    for host in HOSTS:
        response = stack.get(host, headers={"X-authentik-username": SPOOFED})
        assert response.status_code == 302
    assert stack.seen_by_backends() == 0


def test_logged_in_requests_reach_the_backend_with_the_outposts_user(stack: Stack) -> None:
    for host in HOSTS:
        response = stack.get(host, "/dashboard", headers=stack.cookie(host))
        assert response.status_code == 200, response.text
        record = response.json()
        assert record["backend"] == host
        assert record["path"] == "/dashboard"
        assert _x_authentik(record)["x-authentik-username"] == ["alice"]
    assert stack.seen_by_backends() == 2


def test_logged_in_spoofed_headers_are_replaced_or_removed(stack: Stack) -> None:
    spoofed = dict.fromkeys(IDENTITY_HEADERS, SPOOFED)
    spoofed["X_authentik_username"] = SPOOFED  # an alias some backends read as the real one
    spoofed["X-authentik-meta-tenant"] = SPOOFED  # not one the outpost sends today
    for host in HOSTS:
        response = stack.get(host, headers={**stack.cookie(host), **spoofed})
        assert response.status_code == 200, response.text
        headers = _x_authentik(response.json())
        assert headers["x-authentik-username"] == ["alice"]
        assert "x_authentik_username" not in headers
        assert "x-authentik-meta-tenant" not in headers
        leaked = {name: values for name, values in headers.items() if SPOOFED in values}
        assert leaked == {}


def test_outpost_paths_reach_the_outpost_not_the_backend(stack: Stack) -> None:
    for host in HOSTS:
        ping = stack.get(host, "/outpost.goauthentik.io/ping", headers=stack.cookie(host))
        assert ping.status_code == 204
        start = stack.get(host, f"/outpost.goauthentik.io/start?rd=https://{host}/")
        assert start.status_code == 302
        assert start.headers["Location"].startswith(stack.fake.url)
    assert stack.seen_by_backends() == 0


def test_traefik_loads_the_rendering_without_errors(stack: Stack) -> None:
    routers = stack.traefik.file_objects("routers")
    assert len(routers) == 2 * len(HOSTS)
    for kind in ("routers", "middlewares", "services"):
        for name, item in stack.traefik.file_objects(kind).items():
            assert item["status"] == "enabled", (name, item)
            assert "error" not in item, (name, item)
    for host in HOSTS:
        slug = host.split(".")[0]
        app, outpost = routers[slug], routers[f"{slug}-outpost"]
        assert app["middlewares"] == ["authentik-strip-headers@file", "authentik@file"]
        assert outpost["priority"] > app["priority"]
    # The Traefik is shared by this module: no request of any test may have logged an error.
    assert stack.traefik.errors() == []


def _is_acme(record: dict[str, Any]) -> bool:
    # The cases name a Let's Encrypt resolver; no CA answers in tests, which Traefik logs.
    return str(record.get("providerName", "")).endswith(".acme")


@pytest.mark.parametrize("case", CASE_NAMES)
def test_each_case_loads_in_real_traefik(case: str, tmp_path: Path) -> None:
    dynamic = CASES / case / "traefik.yaml"
    http = yaml.safe_load(dynamic.read_text(encoding="utf-8"))["http"]
    routers = http.get("routers", {})
    entrypoints = sorted({e for r in routers.values() for e in r.get("entryPoints", [])}) or ["web"]
    resolvers = sorted({r["tls"]["certResolver"] for r in routers.values() if "tls" in r})
    with running_traefik(tmp_path, dynamic, entrypoints, set(routers), resolvers) as traefik:
        for kind in ("routers", "middlewares", "services"):
            loaded = traefik.file_objects(kind)
            assert set(loaded) == set(http.get(kind, {}))
            broken = {n for n, o in loaded.items() if o["status"] != "enabled" or "error" in o}
            assert broken == set()
        assert traefik.errors(ignore=_is_acme) == []
