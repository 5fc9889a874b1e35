"""Domain mode rendered for real Traefik, nginx and Caddy, in front of the fake's outpost.

One domain (``dom.example.test``, logging in at ``auth.dom.example.test``, its backend behind
every host under it) and one declared app under it with its own backend. Each proxy must send
an undeclared host under the domain through the domain's provider, and the declared host
through its own (the outpost's exact match, docs/forward-auth.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from provision.config import Config
from provision.render import render_caddy, render_nginx, render_traefik
from provision.testing.fake_authentik import FakeAuthentik
from tests.render.render_support import load_case, write_config
from tests.support import bind_on_embedded_outpost, free_port
from tests.support.backends import Backend
from tests.support.caddy import NO_SUCH_HOST as CADDY_NO_SUCH_HOST
from tests.support.caddy import running_caddy
from tests.support.nginx import NO_SUCH_HOST as NGINX_NO_SUCH_HOST
from tests.support.nginx import running_nginx
from tests.support.stack import SPOOFED, SPOOFED_HEADERS, x_authentik
from tests.support.traefik import running_traefik

DOMAIN = "dom.example.test"
AUTH_HOST = f"auth.{DOMAIN}"
APP_HOST = f"alpha.{DOMAIN}"
UNDECLARED = f"media.{DOMAIN}"
DEEP = f"tv.media.{DOMAIN}"
DOMAIN_PROVIDER = "Provider for Dom"
PROXIES = ("traefik", "nginx", "caddy")
# Each proxy's answer for a host no rendered block names (the test harness's default servers).
NO_ROUTE = {"traefik": 404, "nginx": NGINX_NO_SUCH_HOST, "caddy": CADDY_NO_SUCH_HOST}


@dataclass
class DomainStack:
    proxy: str
    fake: FakeAuthentik
    url: str
    backends: dict[str, Backend]

    def get(self, host: str, path: str = "/", **headers: str) -> requests.Response:
        sent = {"Host": host, **headers}
        return requests.get(self.url + path, headers=sent, allow_redirects=False, timeout=10)

    def cookie(self, host: str) -> str:
        name, value = self.fake.login("alice", host)
        return f"{name}={value}"


def _serve(fake: FakeAuthentik) -> None:
    """What a sync of the config below leaves in Authentik: both providers on the outpost."""
    domain = fake.state.add_proxy_provider(
        DOMAIN_PROVIDER, f"https://{AUTH_HOST}", mode="forward_domain", cookie_domain=DOMAIN
    )
    fake.state.add_application("Dom", "dom", provider=int(domain["pk"]))
    app = fake.state.add_proxy_provider("Provider for Alpha", f"https://{APP_HOST}")
    fake.state.add_application("Alpha", "alpha", provider=int(app["pk"]))
    bind_on_embedded_outpost(fake, [int(domain["pk"]), int(app["pk"])])
    fake.add_user("alice", ["admins"])


def _document(fake: FakeAuthentik, backends: dict[str, Backend], port: int) -> dict[str, Any]:
    return {
        "secrets": {"sops_file": None},
        "outpost": {"address": fake.url},
        "traefik": {"entrypoints": ["web"], "cert_resolver": None},
        "nginx": {"listen": f"127.0.0.1:{port}"},
        "caddy": {"auto_https": False, "port": port},
        "apps": [{"host": APP_HOST, "any_user": True, "backend": backends["app"].url}],
        "domains": [
            {
                "domain": DOMAIN,
                "auth_host": AUTH_HOST,
                "name": "Dom",
                "any_user": True,
                "backend": backends["domain"].url,
            }
        ],
    }


Runner = Callable[[Path, Config, int], AbstractContextManager[str]]


@contextmanager
def _traefik(directory: Path, config: Config, port: int) -> Iterator[str]:
    dynamic = directory / "dynamic.yaml"
    dynamic.write_text(render_traefik(config.settings, config.desired), encoding="utf-8")
    with running_traefik(directory, dynamic, ["web"]) as traefik:
        yield traefik.url("web")
        assert traefik.errors() == []


@contextmanager
def _nginx(directory: Path, config: Config, port: int) -> Iterator[str]:
    rendered = directory / "authentik.conf"
    rendered.write_text(render_nginx(config.settings, config.desired), encoding="utf-8")
    with running_nginx(directory, rendered, port) as nginx:
        yield nginx.url
        assert nginx.errors() == []


@contextmanager
def _caddy(directory: Path, config: Config, port: int) -> Iterator[str]:
    rendered = directory / "authentik.caddy"
    rendered.write_text(render_caddy(config.settings, config.desired), encoding="utf-8")
    with running_caddy(directory, rendered, port) as caddy:
        yield caddy.url
        assert caddy.errors() == []


RUNNERS: dict[str, Runner] = {"traefik": _traefik, "nginx": _nginx, "caddy": _caddy}


@pytest.fixture(scope="module", params=PROXIES)
def running_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DomainStack]:
    proxy: str = request.param
    directory = tmp_path_factory.mktemp(f"domain-{proxy}")
    port = free_port()
    with FakeAuthentik(token="t") as fake, Backend("app") as app, Backend("domain") as domain:
        _serve(fake)
        backends = {"app": app, "domain": domain}
        config = load_case(write_config(directory, _document(fake, backends, port)))
        with RUNNERS[proxy](directory, config, port) as url:
            yield DomainStack(proxy, fake, url, backends)


@pytest.fixture
def stack(running_stack: DomainStack) -> DomainStack:
    for backend in running_stack.backends.values():
        backend.seen.clear()
    return running_stack


def _backend_and_provider(stack: DomainStack, host: str) -> tuple[str, list[str]]:
    response = stack.get(host, "/page", Cookie=stack.cookie(host))
    assert response.status_code == 200, response.text
    record = response.json()
    return record["backend"], x_authentik(record)["x-authentik-meta-provider"]


def test_an_undeclared_host_is_served_through_the_domain_provider(stack: DomainStack) -> None:
    assert _backend_and_provider(stack, UNDECLARED) == ("domain", [DOMAIN_PROVIDER])


def test_the_declared_host_keeps_its_own_provider_and_backend(stack: DomainStack) -> None:
    assert _backend_and_provider(stack, APP_HOST) == ("app", ["Provider for Alpha"])


def test_the_auth_host_is_protected_by_the_domain_provider(stack: DomainStack) -> None:
    assert _backend_and_provider(stack, AUTH_HOST) == ("domain", [DOMAIN_PROVIDER])


def test_anonymous_requests_under_the_domain_never_reach_a_backend(stack: DomainStack) -> None:
    for host in (UNDECLARED, AUTH_HOST, APP_HOST):
        response = stack.get(host, "/page", **SPOOFED_HEADERS)
        assert response.status_code == 302, (host, response.text)
        # nginx's own redirect to start, or the outpost's straight to authorize.
        location = response.headers["Location"]
        login = ("/outpost.goauthentik.io/start?rd=", "/application/o/authorize/?client_id=")
        assert any(part in location for part in login), location
    assert all(not b.seen for b in stack.backends.values())


def test_spoofed_headers_do_not_reach_the_domain_backend(stack: DomainStack) -> None:
    response = stack.get(UNDECLARED, Cookie=stack.cookie(UNDECLARED), **SPOOFED_HEADERS)
    assert response.status_code == 200, response.text
    headers = x_authentik(response.json())
    assert headers["x-authentik-username"] == ["alice"]
    assert {n: v for n, v in headers.items() if SPOOFED in v} == {}


def test_outpost_paths_under_the_domain_reach_the_outpost(stack: DomainStack) -> None:
    for host in (UNDECLARED, AUTH_HOST):
        ping = stack.get(host, "/outpost.goauthentik.io/ping")
        assert ping.status_code == 204, (host, ping.text)
        start = stack.get(host, f"/outpost.goauthentik.io/start?rd=http://{host}/")
        assert start.status_code == 302
        assert start.headers["Location"].startswith(stack.fake.url)
    assert all(not b.seen for b in stack.backends.values())


def test_hosts_two_labels_down(stack: DomainStack) -> None:
    """Traefik's HostRegexp and nginx's ``.domain`` take any depth; Caddy's ``*`` one label."""
    if stack.proxy == "caddy":
        assert stack.get(DEEP, Cookie=stack.cookie(AUTH_HOST)).status_code == CADDY_NO_SUCH_HOST
    else:
        assert _backend_and_provider(stack, DEEP) == ("domain", [DOMAIN_PROVIDER])


def test_a_host_outside_the_domain_is_not_routed(stack: DomainStack) -> None:
    """``notdom.example.test`` ends with the domain but is not under it: no block takes it."""
    response = stack.get(f"not{DOMAIN}", Cookie=stack.cookie(AUTH_HOST))
    assert response.status_code == NO_ROUTE[stack.proxy], response.text
    assert all(not b.seen for b in stack.backends.values())
