"""The fake outpost picks providers by host as the real one does (docs/forward-auth.md), for
each proxy.

Traefik and Caddy send the original request in ``X-Forwarded-*`` (anonymous: 302 to the
authorize URL naming the provider's client_id); nginx sends ``X-Original-URL`` and the host in
``Host`` (anonymous: 401, nginx redirects).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from provision.testing.fake_authentik import FakeAuthentik
from tests.support import IDENTITY_HEADERS, bind_on_embedded_outpost

TRAEFIK = "/outpost.goauthentik.io/auth/traefik"
CADDY = "/outpost.goauthentik.io/auth/caddy"
NGINX = "/outpost.goauthentik.io/auth/nginx"
NOT_BOUND = 404
LOGIN = 302


def _provider(fake: FakeAuthentik, name: str, external_host: str, **fields: Any) -> int:
    """A provider with its application (the outpost serves only attached providers)."""
    pk = int(fake.state.add_proxy_provider(f"Provider for {name}", external_host, **fields)["pk"])
    fake.state.add_application(name, name.lower(), provider=pk)
    return pk


def _domain(fake: FakeAuthentik, name: str, cookie_domain: str) -> int:
    auth_host = f"https://auth-{name.lower()}.example.test"
    return _provider(fake, name, auth_host, mode="forward_domain", cookie_domain=cookie_domain)


def ask(fake: FakeAuthentik, host: str, path: str = TRAEFIK, **headers: str) -> requests.Response:
    """Ask as Traefik (and Caddy) do: the original request in X-Forwarded-*."""
    sent = {"X-Forwarded-Host": host, "X-Forwarded-Proto": "https", "X-Forwarded-Uri": "/"}
    return requests.get(fake.url + path, headers=sent | headers, allow_redirects=False, timeout=5)


def ask_nginx(fake: FakeAuthentik, host: str, **headers: str) -> requests.Response:
    """Ask as the rendered nginx does: Host and X-Original-URL (and X-Forwarded-Host)."""
    sent = {"Host": host, "X-Original-URL": f"https://{host}/page?a=1", **headers}
    return requests.get(fake.url + NGINX, headers=sent, allow_redirects=False, timeout=5)


def served_by(fake: FakeAuthentik, response: requests.Response) -> str | None:
    """The provider whose client_id the anonymous login redirect names (None: not bound)."""
    if response.status_code == NOT_BOUND:
        return None
    assert response.status_code == LOGIN, response.text
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    names = {p["client_id"]: p["name"] for p in fake.state.proxy_providers()}
    return names[query["client_id"][0]]


def test_exact_host_is_case_sensitive_and_includes_the_port(fake: FakeAuthentik) -> None:
    plain = _provider(fake, "Sonarr", "https://sonarr.example.test")
    ported = _provider(fake, "Radarr", "https://radarr.example.test:8443/")
    fake.state.set_outpost_providers([plain, ported])
    assert ask(fake, "sonarr.example.test").status_code == LOGIN
    assert ask(fake, "Sonarr.example.test").status_code == NOT_BOUND
    assert ask(fake, "sonarr.example.test:443").status_code == NOT_BOUND
    assert ask(fake, "radarr.example.test:8443").status_code == LOGIN
    assert ask(fake, "radarr.example.test").status_code == NOT_BOUND


def test_only_providers_on_the_outpost_and_attached_to_an_application(
    fake: FakeAuthentik,
) -> None:
    attached = _provider(fake, "Sonarr", "https://sonarr.example.test")
    _provider(fake, "Radarr", "https://radarr.example.test")  # not on the outpost
    alone = fake.state.add_proxy_provider("Provider for Lidarr", "https://lidarr.example.test")
    fake.state.set_outpost_providers([attached, int(alone["pk"])])
    assert ask(fake, "sonarr.example.test").status_code == LOGIN
    assert ask(fake, "radarr.example.test").status_code == NOT_BOUND
    assert ask(fake, "lidarr.example.test").status_code == NOT_BOUND


def test_forward_domain_only_without_an_exact_match(fake: FakeAuthentik) -> None:
    single = _provider(fake, "Sonarr", "https://sonarr.example.test")
    domain = _domain(fake, "Domain", "example.test")
    fake.state.set_outpost_providers([domain, single])
    assert served_by(fake, ask(fake, "sonarr.example.test")) == "Provider for Sonarr"
    assert served_by(fake, ask(fake, "other.example.test")) == "Provider for Domain"
    assert served_by(fake, ask(fake, "example.org")) is None


def test_longest_cookie_domain_wins_without_a_dot_boundary(fake: FakeAuthentik) -> None:
    short = _domain(fake, "Short", "example.test")
    long = _domain(fake, "Long", "home.example.test")
    dotted = _domain(fake, "Dotted", ".lan.example.test")
    empty = _domain(fake, "Empty", "")
    fake.state.set_outpost_providers([short, long, dotted, empty])

    def provider(host: str) -> str | None:
        return served_by(fake, ask(fake, host))

    assert provider("a.home.example.test") == "Provider for Long"
    assert provider("a.example.test") == "Provider for Short"
    assert provider("notexample.test") == "Provider for Short"  # no dot boundary
    assert provider("myhome.example.test") == "Provider for Long"
    assert provider("a.lan.example.test") == "Provider for Dotted"
    assert provider("lan.example.test") == "Provider for Dotted"  # the leading dot is dropped
    assert provider("example.org") is None  # the empty cookie domain never matches


def test_a_leading_dot_does_not_count_towards_the_length(fake: FakeAuthentik) -> None:
    dotted = _domain(fake, "Dotted", ".x.example.test")  # 14 characters without its dot
    longer = _domain(fake, "Longer", "yx.example.test")  # 15
    fake.state.set_outpost_providers([dotted, longer])
    assert served_by(fake, ask(fake, "yx.example.test")) == "Provider for Longer"


def test_caddy_endpoint_answers_like_traefik(fake: FakeAuthentik) -> None:
    fake.state.set_outpost_providers([_provider(fake, "Sonarr", "https://sonarr.example.test")])
    anonymous = ask(fake, "sonarr.example.test", CADDY, **{"X-Forwarded-Uri": "/x?y=1"})
    assert served_by(fake, anonymous) == "Provider for Sonarr"
    assert anonymous.headers["Location"].startswith(f"{fake.url}/application/o/authorize/?")
    fake.add_user("alice", ["media"])
    name, value = fake.login("alice", "sonarr.example.test")
    answer = ask(fake, "sonarr.example.test", CADDY, Cookie=f"{name}={value}")
    assert answer.status_code == 200
    assert all(header in answer.headers for header in IDENTITY_HEADERS)
    assert answer.headers["X-authentik-username"] == "alice"
    assert ask(fake, "radarr.example.test", CADDY).status_code == NOT_BOUND


class TestNginx:
    @pytest.fixture(autouse=True)
    def bound(self, fake: FakeAuthentik) -> None:
        fake.state.set_outpost_providers([_provider(fake, "Sonarr", "https://sonarr.example.test")])

    def test_anonymous_is_401_without_a_redirect(self, fake: FakeAuthentik) -> None:
        answer = ask_nginx(fake, "sonarr.example.test")
        assert answer.status_code == 401
        assert "Location" not in answer.headers

    def test_session_gets_the_identity_headers(self, fake: FakeAuthentik) -> None:
        fake.add_user("alice", ["media", "admins"])
        name, value = fake.login("alice", "sonarr.example.test")
        answer = ask_nginx(fake, "sonarr.example.test", Cookie=f"{name}={value}")
        assert answer.status_code == 200
        assert all(header in answer.headers for header in IDENTITY_HEADERS)
        assert answer.headers["X-authentik-groups"] == "media|admins"

    def test_x_forwarded_host_wins_over_host(self, fake: FakeAuthentik) -> None:
        sent = {"X-Forwarded-Host": "sonarr.example.test"}
        assert ask_nginx(fake, "radarr.example.test", **sent).status_code == 401
        other = {"X-Forwarded-Host": "radarr.example.test"}
        assert ask_nginx(fake, "sonarr.example.test", **other).status_code == NOT_BOUND

    def test_host_not_bound_falls_through_to_not_found(self, fake: FakeAuthentik) -> None:
        answer = ask_nginx(fake, "radarr.example.test")
        assert answer.status_code == NOT_BOUND
        assert "Not Found" in answer.text

    def test_missing_original_url_is_a_configuration_error(self, fake: FakeAuthentik) -> None:
        answer = requests.get(fake.url + NGINX, headers={"Host": "sonarr.example.test"}, timeout=5)
        assert answer.status_code == 500
        assert answer.text == "configuration error\n"

    def test_x_original_uri_is_read_before_x_original_url(self, fake: FakeAuthentik) -> None:
        provider = fake.state.proxy_providers()[0]["pk"]
        fake.state.set_outpost_providers([])
        skipping = _provider(
            fake, "Radarr", "https://radarr.example.test", skip_path_regex="^/api/"
        )
        fake.state.set_outpost_providers([provider, skipping])
        sent = {"X-Original-URL": "https://radarr.example.test/"}
        assert ask_nginx(fake, "radarr.example.test", **sent).status_code == 401
        spoofed = ask_nginx(fake, "radarr.example.test", **sent, **{"X-Original-URI": "/api/x"})
        assert (spoofed.status_code, spoofed.text) == (200, "")  # the bypass renderings must close


class TestRefreshDelay:
    def test_default_serves_a_new_binding_at_once(self, fake: FakeAuthentik) -> None:
        bind_on_embedded_outpost(fake, [_provider(fake, "Sonarr", "https://sonarr.example.test")])
        assert ask(fake, "sonarr.example.test").status_code == LOGIN

    def test_a_new_binding_waits_for_the_refresh(self) -> None:
        with FakeAuthentik(token="t", outpost_refresh_delay=3600) as fake:
            first = _provider(fake, "Sonarr", "https://sonarr.example.test")
            bind_on_embedded_outpost(fake, [first])
            assert ask(fake, "sonarr.example.test").status_code == NOT_BOUND
            fake.outpost.refresh()
            assert ask(fake, "sonarr.example.test").status_code == LOGIN
            second = _provider(fake, "Radarr", "https://radarr.example.test")
            bind_on_embedded_outpost(fake, [first, second])
            assert ask(fake, "radarr.example.test").status_code == NOT_BOUND
            assert ask(fake, "sonarr.example.test").status_code == LOGIN  # still served

    def test_a_new_binding_is_served_once_the_delay_has_passed(self) -> None:
        with FakeAuthentik(token="t", outpost_refresh_delay=0.3) as fake:
            bind_on_embedded_outpost(
                fake, [_provider(fake, "Sonarr", "https://sonarr.example.test")]
            )
            deadline = time.monotonic() + 10
            while ask(fake, "sonarr.example.test").status_code == NOT_BOUND:
                assert time.monotonic() < deadline, "never picked up"
                time.sleep(0.05)

    def test_an_unbound_provider_is_served_until_the_refresh(self) -> None:
        with FakeAuthentik(token="t", outpost_refresh_delay=3600) as fake:
            first = _provider(fake, "Sonarr", "https://sonarr.example.test")
            bind_on_embedded_outpost(fake, [first])
            fake.outpost.refresh()
            bind_on_embedded_outpost(fake, [])
            assert ask(fake, "sonarr.example.test").status_code == LOGIN  # still served
            fake.outpost.refresh()
            assert ask(fake, "sonarr.example.test").status_code == NOT_BOUND

    def test_an_unbound_provider_stops_once_the_delay_has_passed(self) -> None:
        with FakeAuthentik(token="t", outpost_refresh_delay=0.3) as fake:
            bind_on_embedded_outpost(
                fake, [_provider(fake, "Sonarr", "https://sonarr.example.test")]
            )
            fake.outpost.refresh()
            bind_on_embedded_outpost(fake, [])
            unbound_at = time.monotonic()
            assert ask(fake, "sonarr.example.test").status_code == LOGIN
            while ask(fake, "sonarr.example.test").status_code == LOGIN:
                assert time.monotonic() < unbound_at + 10, "never dropped"
                time.sleep(0.05)
            assert time.monotonic() - unbound_at >= 0.3

    def test_login_waits_for_the_refresh_too(self) -> None:
        with FakeAuthentik(token="t", outpost_refresh_delay=3600) as fake:
            bind_on_embedded_outpost(
                fake, [_provider(fake, "Sonarr", "https://sonarr.example.test")]
            )
            with pytest.raises(LookupError, match="serves no provider"):
                fake.login("akadmin", "sonarr.example.test")
            fake.outpost.refresh()
            assert fake.login("akadmin", "sonarr.example.test")[0].startswith("authentik_proxy_")
