"""Domain mode end to end: a forward_domain provider for hosts under a domain (docs/proxies.md)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests

from provision.testing.fake_authentik import FakeAuthentik
from tests.e2e.conftest import Cli
from tests.support.versions import AUTHENTIK_VERSIONS

OWNER = "authentik-provision"
TRAEFIK = "/outpost.goauthentik.io/auth/traefik"
DOMAIN = {
    "domain": "home.example.com",
    "auth_host": "auth.home.example.com",
    "name": "Home",
    "groups": ["family"],
}
APPS = [
    {"host": "sonarr.home.example.com", "groups": ["media"]},
    {"host": "radarr.home.example.com", "any_user": True},
]

pytestmark = pytest.mark.parametrize("authentik_version", AUTHENTIK_VERSIONS, indirect=True)


def _ours(fake: FakeAuthentik) -> dict[str, dict[str, Any]]:
    return {a["slug"]: a for a in fake.state.applications() if a["meta_publisher"] == OWNER}


def _providers(fake: FakeAuthentik) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in fake.state.proxy_providers()}


def _served_by(fake: FakeAuthentik, host: str, cookie: tuple[str, str] | None = None) -> str:
    """Which provider the fake outpost serves ``host`` with, asked as Traefik asks."""
    headers = {"X-Forwarded-Host": host, "X-Forwarded-Proto": "https", "X-Forwarded-Uri": "/"}
    if cookie is not None:
        headers["Cookie"] = f"{cookie[0]}={cookie[1]}"
    answer = requests.get(fake.url + TRAEFIK, headers=headers, allow_redirects=False, timeout=5)
    if answer.status_code == 404:
        return "(not bound)"
    if answer.status_code == 302:
        assert "/application/o/authorize/?client_id=" in answer.headers["location"]
        return "(anonymous redirect)"
    assert answer.status_code == 200
    return answer.headers["X-authentik-meta-provider"]


@pytest.fixture
def declared(cli: Cli, fake: FakeAuthentik) -> Cli:
    for group in ("family", "media"):
        fake.state.add_group(group)
    cli.config(APPS, domains=[DOMAIN])
    return cli


def test_sync_creates_the_domain_provider_beside_the_apps(
    declared: Cli, fake: FakeAuthentik
) -> None:
    result = declared("sync")
    assert result.code == 0, result.err
    providers = _providers(fake)
    domain = providers["Provider for Home"]
    assert domain["mode"] == "forward_domain"
    assert domain["cookie_domain"] == "home.example.com"
    assert domain["external_host"] == "https://auth.home.example.com"
    assert providers["Provider for Sonarr"]["mode"] == "forward_single"
    assert providers["Provider for Radarr"]["mode"] == "forward_single"
    apps = _ours(fake)
    assert set(apps) == {"home", "sonarr", "radarr"}
    assert apps["home"]["provider"] == domain["pk"]
    family = next(g["pk"] for g in fake.state.groups() if g["name"] == "family")
    bindings = [b for b in fake.state.policy_bindings() if b["target"] == apps["home"]["pk"]]
    assert [b["group"] for b in bindings] == [family]
    outpost = set(fake.state.embedded_outpost()["providers"])
    assert {p["pk"] for p in providers.values()} <= outpost
    assert "access: groups family  (domain home.example.com, login at auth.home" in result.out
    assert re.search(r"provider.cookie_domain +\"home.example.com\"", result.out)


def test_resync_writes_nothing(declared: Cli, fake: FakeAuthentik) -> None:
    assert declared("sync").code == 0
    fake.clear_log()
    again = declared("sync")
    assert again.code == 0, again.err
    assert fake.writes() == []
    assert "No changes" in again.out


def test_outpost_serves_undeclared_hosts_through_the_domain(
    declared: Cli, fake: FakeAuthentik
) -> None:
    assert declared("sync").code == 0
    fake.add_user("alice", groups=("family", "media"))
    # One login per provider: the domain's cookie serves every host under the domain that has
    # no provider of its own; sonarr keeps its own provider, so its own login.
    home = fake.login("alice", "auth.home.example.com")
    sonarr = fake.login("alice", "sonarr.home.example.com")
    assert _served_by(fake, "jellyfin.home.example.com", home) == "Provider for Home"
    assert _served_by(fake, "auth.home.example.com", home) == "Provider for Home"
    assert _served_by(fake, "sonarr.home.example.com", sonarr) == "Provider for Sonarr"
    assert _served_by(fake, "sonarr.home.example.com", home) == "(anonymous redirect)"
    assert _served_by(fake, "jellyfin.home.example.com") == "(anonymous redirect)"
    assert _served_by(fake, "jellyfin.example.org", home) == "(not bound)"


def test_verify_finds_the_auth_host_protected(declared: Cli, fake: FakeAuthentik) -> None:
    assert declared("sync").code == 0
    result = declared("verify")
    assert result.code == 0, result.out
    assert "ok    auth.home.example.com  protected" in result.out
    assert "all 3 hosts demand a login" in result.out


def test_prune_removes_a_domain_cleanly(declared: Cli, fake: FakeAuthentik) -> None:
    assert declared("sync").code == 0
    domain_pk = _providers(fake)["Provider for Home"]["pk"]
    declared.config(APPS)
    kept = declared("sync")
    assert kept.code == 0 and "'home' is owned but no longer declared; kept" in kept.out
    fake.clear_log()
    pruned = declared("sync", "--prune")
    assert pruned.code == 0, pruned.err
    assert set(_ours(fake)) == {"sonarr", "radarr"}
    assert "Provider for Home" not in _providers(fake)
    assert domain_pk not in fake.state.embedded_outpost()["providers"]
    writes = [f"{r.method} {r.path}" for r in fake.writes()]
    assert writes.index("DELETE /api/v3/core/applications/home/") < writes.index(
        f"DELETE /api/v3/providers/proxy/{domain_pk}/"
    )
    assert any(w.startswith("PATCH /api/v3/outposts/instances/") for w in writes[:1])
    assert _served_by(fake, "jellyfin.home.example.com") == "(not bound)"


def test_suffix_clash_is_refused_before_any_request(cli: Cli, fake: FakeAuthentik) -> None:
    cli.config([{"host": "myhome.example.com", "any_user": True}], domains=[DOMAIN])
    fake.clear_log()
    result = cli("sync")
    assert result.code == 78
    assert "domains[0].domain: domain 'home.example.com' would also match" in result.err
    assert "'myhome.example.com' (apps[0].host)" in result.err
    assert fake.requests == []


def test_doctor_checks_the_domain_provider(declared: Cli, fake: FakeAuthentik) -> None:
    assert declared("sync").code == 0
    result = declared("doctor")
    line = next(x for x in result.out.splitlines() if "host auth.home.example.com:" in x)
    assert line.split()[0] == "ok", result.out
    assert "in forward_domain for https://auth.home.example.com" in line


def test_plan_json_and_validate_show_the_domain_with_its_access(declared: Cli) -> None:
    result = declared("plan", "--output", "json")
    assert result.code == 0, result.err
    (home,) = [a for a in json.loads(result.out)["plan"]["apps"] if a["slug"] == "home"]
    assert home == {
        "slug": "home",
        "host": "auth.home.example.com",
        "domain": "home.example.com",
        "access": {"any_user": False, "groups": ["family"]},
    }
    validated = declared("validate")
    assert validated.code == 0, validated.err
    assert "OK, 2 apps and 1 domain declared" in validated.out
