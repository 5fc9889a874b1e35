"""No forwarding header a client sends reaches the outpost, through each real proxy.

The outpost checks ``skip_path_regex`` against a URL it builds from ``X-Original-URI`` before
``X-Original-URL`` (nginx endpoint) or from ``X-Forwarded-Proto``, ``-Host`` and ``-Uri``
(Traefik and Caddy endpoints), and picks the provider by ``X-Forwarded-Host``: a client's value
would open ``/`` on a host whose provider skips ``^/api/`` (the real outpost fell for
``X-Original-URI`` through nginx), or have another provider decide. Each header is sent alone, in
three spellings, by an anonymous client on ``GET /``: the backend never sees it, and the outpost
sees only the proxy's own values.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from provision.render import render_caddy, render_nginx, render_traefik
from provision.testing.fake_authentik import FakeAuthentik
from tests.render.render_support import load_case, write_config
from tests.support import bind_on_embedded_outpost, free_port
from tests.support.backends import Backend
from tests.support.caddy import CURRENT, DEBIAN, running_caddy
from tests.support.nginx import running_nginx
from tests.support.traefik import DIRECT, running_traefik

HOST = "alpha.example.test"
OPEN_HOST = "open.example.test"  # bound, every path skipped, not rendered: never the backend's
AUTH = "/outpost.goauthentik.io/auth/"
# traefik-behind-proxy: its entry point trusts the TLS-terminating proxy in front (loopback),
# which sets X-Forwarded-Proto itself but may pass a client's other X-Forwarded-* along.
PROXIES = ("nginx", f"caddy-{DEBIAN}", f"caddy-{CURRENT}", "traefik", "traefik-behind-proxy")
TRUSTED = "web"
# Each header the outpost reads (or might), with a value that would open the backend.
INJECTED = {
    "X-Original-URI": "/api/x",
    "X-Original-URL": f"http://{HOST}/api/x",
    "X-Forwarded-Uri": "/api/x",
    "X-Forwarded-Host": OPEN_HOST,
    "X-Forwarded-Proto": f"http://{HOST}/api/x#",
    "X-Forwarded-Method": "OPTIONS",
    "X-Forwarded-Prefix": "/api",
}
# What the outpost may see of them: the proxy's own values; any header not named must be absent.
OWN_VALUES = {
    "nginx": {
        "x-original-url": f"http://{HOST}/",
        "x-forwarded-host": HOST,
        "x-forwarded-proto": "http",
    },
    "caddy": {
        "x-forwarded-uri": "/",
        "x-forwarded-host": HOST,
        "x-forwarded-proto": "http",
        "x-forwarded-method": "GET",
    },
    "traefik": {
        "x-forwarded-uri": "/",
        "x-forwarded-host": HOST,
        "x-forwarded-proto": "http",
        "x-forwarded-method": "GET",
    },
}


@dataclass
class ProxyStack:
    proxy: str
    fake: FakeAuthentik
    url: str
    backend: Backend

    def get(self, path: str = "/", **headers: str) -> requests.Response:
        sent = {"Host": HOST, **headers}
        return requests.get(self.url + path, headers=sent, allow_redirects=False, timeout=10)

    def outpost_saw(self) -> dict[str, str]:
        """The forwarding headers of the last auth request the outpost received."""
        asked = [r for r in self.fake.requests if r.path.startswith(AUTH)]
        assert asked, "the proxy never asked the outpost"
        names = {name.lower() for name in INJECTED}
        return {k: v for k, v in asked[-1].headers.items() if k in names}


def _serve(fake: FakeAuthentik) -> None:
    pks = []
    for host, skip in ((HOST, "^/api/"), (OPEN_HOST, "^/")):
        provider = fake.state.add_proxy_provider(
            f"Provider for {host}", f"http://{host}", skip_path_regex=skip
        )
        fake.state.add_application(host, host.split(".")[0], provider=int(provider["pk"]))
        pks.append(int(provider["pk"]))
    bind_on_embedded_outpost(fake, pks)


def _start(
    proxy: str, directory: Path, fake: FakeAuthentik, backend: Backend, up: ExitStack
) -> str:
    port = free_port()
    document: dict[str, Any] = {
        "secrets": {"sops_file": None},
        "outpost": {"address": fake.url},
        "nginx": {"listen": f"127.0.0.1:{port}"},
        "caddy": {"auto_https": False, "port": port},
        "traefik": {"entrypoints": [DIRECT, TRUSTED], "cert_resolver": None},
        "apps": [{"host": HOST, "any_user": True, "backend": backend.url}],
    }
    config = load_case(write_config(directory, document))
    if proxy.startswith("traefik"):
        dynamic = directory / "dynamic.yaml"
        dynamic.write_text(render_traefik(config.settings, config.desired), encoding="utf-8")
        traefik = up.enter_context(running_traefik(directory, dynamic, [DIRECT, TRUSTED]))
        return str(traefik.url(TRUSTED if proxy.endswith("-behind-proxy") else DIRECT))
    rendered = directory / "rendered.conf"
    if proxy == "nginx":
        rendered.write_text(render_nginx(config.settings, config.desired), encoding="utf-8")
        return str(up.enter_context(running_nginx(directory, rendered, port)).url)
    rendered.write_text(render_caddy(config.settings, config.desired), encoding="utf-8")
    build = proxy.removeprefix("caddy-")
    return str(up.enter_context(running_caddy(directory, rendered, port, build=build)).url)


@pytest.fixture(scope="module", params=PROXIES)
def running_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProxyStack]:
    proxy: str = request.param
    directory = tmp_path_factory.mktemp(f"forwarding-{proxy}")
    with ExitStack() as up:
        fake = up.enter_context(FakeAuthentik(token="t"))
        backend = up.enter_context(Backend(HOST))
        _serve(fake)
        yield ProxyStack(proxy, fake, _start(proxy, directory, fake, backend, up), backend)


@pytest.fixture
def stack(running_stack: ProxyStack) -> ProxyStack:
    running_stack.backend.seen.clear()
    running_stack.fake.clear_log()
    return running_stack


def test_the_skipped_path_itself_is_open(stack: ProxyStack) -> None:
    """The control: the outpost really skips ``/api/`` here, so the checks below can fail."""
    response = stack.get("/api/x")
    assert response.status_code == 200, response.text
    assert stack.backend.requests == [f"{HOST} /api/x"]


@pytest.mark.parametrize("name", INJECTED)
@pytest.mark.parametrize("spelling", [str, str.lower, str.upper], ids=["as-is", "lower", "upper"])
def test_a_client_forwarding_header_never_opens_the_backend(
    stack: ProxyStack, name: str, spelling: Any
) -> None:
    value = INJECTED[name]
    if stack.proxy == "traefik-behind-proxy" and name == "X-Forwarded-Proto":
        value = "https"  # the trusted proxy's own: the only value the outpost may take from it
    response = stack.get("/", **{spelling(name): value})
    assert response.status_code in (302, 307), response.text
    assert stack.backend.seen == []
    expected = dict(OWN_VALUES[stack.proxy.split("-")[0]])
    if value == "https":
        expected["x-forwarded-proto"] = "https"
    assert stack.outpost_saw() == expected
