"""``provision verify`` and ``sync --verify`` against outposts answering as the recorded ones.

The API is the fake's; ``outpost.address`` points at a loopback outpost that answers each
question with the recorded answer of a real outpost (file 13), made out for the provider the
fake's embedded outpost lists for the host (``tests.diagnose.recorded``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from provision.testing.fake_authentik import FakeAuthentik
from tests.diagnose.conftest import APPS, Cli, StartTraefik
from tests.diagnose.recorded import VERSIONS, ReplayedOutpost, like_the_recorded_outpost
from tests.diagnose.test_through_nginx_caddy import PROXIES
from tests.support import free_port
from tests.support.backends import Backend

SONARR = "sonarr.home.example.com"
JELLYFIN = "jellyfin.home.example.com"
RECORDED = "2025.10.3"


@pytest.fixture
def real_outpost(fake: FakeAuthentik, cli: Cli) -> Iterator[ReplayedOutpost]:
    with ReplayedOutpost(like_the_recorded_outpost(fake, RECORDED)) as outpost:
        cli.config(outpost={"address": outpost.url})
        yield outpost


def _by_host(result: Any) -> dict[str, dict[str, Any]]:
    return {h["host"]: h for h in result.json()["hosts"]}


def _client_id(fake: FakeAuthentik, name: str) -> str:
    return str(next(p for p in fake.state.proxy_providers() if p["name"] == name)["client_id"])


@pytest.mark.parametrize("version", VERSIONS)
def test_each_releases_login_redirect_is_protected_and_names_the_provider(
    version: str, cli: Cli, fake: FakeAuthentik
) -> None:
    cli.sync()
    with ReplayedOutpost(like_the_recorded_outpost(fake, version)) as outpost:
        cli.config(outpost={"address": outpost.url})
        result = cli("verify", "--output", "json")
    assert result.code == 0, result.out + result.err
    for host, found in _by_host(result).items():
        name = f"Provider for {host.split('.', maxsplit=1)[0].title()}"
        assert found["classification"] == "protected"
        assert found["provider"] == name
        assert found["client_id"] == _client_id(fake, name)
        assert str(found["location"]).startswith(f"{fake.url}/application/o/authorize/?")
    assert sorted(outpost.asked) == sorted(app["host"] for app in APPS)


def test_text_line_names_the_provider(cli: Cli, real_outpost: ReplayedOutpost) -> None:
    cli.sync()
    result = cli("verify")
    assert result.code == 0, result.out
    first = result.out.splitlines()[0]
    assert first == (
        f"ok    {SONARR}  protected: anonymous request sent to log in at"
        f" {cli.fake.url}/application/o/authorize/ with provider 'Provider for Sonarr'"
    )
    assert "state=" not in result.out  # the login's state JWT is not worth printing


def _hand_made(fake: FakeAuthentik, host: str) -> dict[str, Any]:
    """A provider made by hand for ``host``, put on the embedded outpost instead of ours."""
    made = fake.state.add_proxy_provider("Sonarr (by hand)", f"https://{host}")
    fake.state.add_application("Sonarr by hand", "sonarr-by-hand", provider=made["pk"])
    bound = fake.state.embedded_outpost()["providers"]
    ours = next(p["pk"] for p in fake.state.proxy_providers() if p["name"] == "Provider for Sonarr")
    fake.state.set_outpost_providers([made["pk"], *(pk for pk in bound if pk != ours)])
    return made


def test_a_host_served_by_another_provider_is_its_own_finding(
    cli: Cli, fake: FakeAuthentik, real_outpost: ReplayedOutpost
) -> None:
    cli.sync()
    made = _hand_made(fake, SONARR)
    result = cli("verify", "--output", "json")
    assert result.code == 65, result.out
    sonarr = _by_host(result)[SONARR]
    assert sonarr["classification"] == "served_by_other_provider"
    assert (sonarr["provider"], sonarr["client_id"]) == ("Sonarr (by hand)", made["client_id"])
    assert "not with this config's 'Provider for Sonarr'" in sonarr["detail"]
    assert _by_host(result)[JELLYFIN]["classification"] == "protected"
    line = cli("verify").out.splitlines()[0]
    assert line.startswith(f"FAIL  {SONARR}  served_by_other_provider: the outpost (")
    assert "with provider 'Sonarr (by hand)'" in line
    assert "fix: another proxy provider serves this host on the outpost" in line


def test_a_host_never_synced_but_served_by_a_hand_made_provider(
    cli: Cli, fake: FakeAuthentik, real_outpost: ReplayedOutpost
) -> None:
    made = fake.state.add_proxy_provider("Sonarr (by hand)", f"https://{SONARR}")
    fake.state.add_application("Sonarr by hand", "sonarr-by-hand", provider=made["pk"])
    fake.state.set_outpost_providers([made["pk"]])
    result = cli("verify", "--output", "json")
    assert result.code == 65
    hosts = _by_host(result)
    assert hosts[SONARR]["classification"] == "served_by_other_provider"
    assert "no provider of this config for the host (never synced?)" in hosts[SONARR]["detail"]
    assert hosts[JELLYFIN]["classification"] == "not_bound"


def test_a_skip_regex_opening_root_is_unprotected(
    cli: Cli, fake: FakeAuthentik, real_outpost: ReplayedOutpost
) -> None:
    """Someone edited the provider's skip_path_regex by hand: the outpost lets '/' through."""
    cli.sync()
    pk = next(p["pk"] for p in fake.state.proxy_providers() if p["name"] == "Provider for Sonarr")
    answer = requests.patch(
        f"{fake.url}/api/v3/providers/proxy/{pk}/",
        json={"mode": "forward_single", "skip_path_regex": "^/api/\n^/"},
        headers={"Authorization": f"Bearer {fake.token}"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    result = cli("verify", "--output", "json")
    assert result.code == 65
    sonarr = _by_host(result)[SONARR]
    assert sonarr["classification"] == "unprotected"
    assert "skip_path_regex '^/api/\\n^/'" in sonarr["detail"]
    assert "then run `provision sync`; it also undoes a hand edit" in sonarr["fix"]
    assert cli("sync").code == 0  # the declared regex comes back
    assert cli("verify").code == 0


def test_sync_verify_reads_the_providers_it_made(
    cli: Cli, fake: FakeAuthentik, real_outpost: ReplayedOutpost
) -> None:
    result = cli("sync", "--verify", "--output", "json")
    assert result.code == 0, result.out + result.err
    verified = {h["host"]: h for h in result.json()["verify"]}
    assert verified[SONARR]["provider"] == "Provider for Sonarr"
    assert verified[SONARR]["client_id"] == _client_id(fake, "Provider for Sonarr")


@pytest.mark.parametrize("kind", ["traefik", "nginx", "caddy"])
def test_through_each_proxy_the_real_outposts_answer_is_a_login(
    kind: str,
    cli: Cli,
    fake: FakeAuthentik,
    real_outpost: ReplayedOutpost,
    backend: Backend,
    start_traefik: StartTraefik,
    tmp_path: Path,
) -> None:
    """Traefik and Caddy pass the outpost's 302 to authorize on; nginx turns its 401 into a
    redirect to ``start``: a login either way, and the provider is named."""
    port = free_port()
    sections = {
        "traefik": {"traefik": {"entrypoints": ["web"], "cert_resolver": None}},
        "nginx": PROXIES["nginx"][1](port),
        "caddy": PROXIES["caddy"][1](port),
    }
    apps = [{**app, "backend": backend.url} for app in APPS]
    cli.config(apps, outpost={"address": real_outpost.url}, **sections[kind])
    cli.sync()
    rendered = tmp_path / ("rendered.yaml" if kind == "traefik" else f"rendered.{kind}")
    assert cli("render", kind, "-o", str(rendered)).code == 0
    with contextlib.ExitStack() as running:
        if kind == "traefik":
            proxy = start_traefik(rendered)
        else:
            proxy = running.enter_context(PROXIES[kind][0](tmp_path, rendered, port))
        result = cli("verify", "--through", proxy, "--output", "json")
    assert result.code == 0, result.out
    for host, found in _by_host(result).items():
        assert (found["classification"], found["via"]) == ("protected", "proxy")
        assert found["provider"] == f"Provider for {host.split('.', maxsplit=1)[0].title()}"
        login = "/outpost.goauthentik.io/start" if kind == "nginx" else "/application/o/authorize/"
        assert login in str(found["location"])
    assert backend.requests == []


def test_through_traefik_a_skip_regex_opening_root_is_named(
    cli: Cli,
    fake: FakeAuthentik,
    real_outpost: ReplayedOutpost,
    backend: Backend,
    start_traefik: StartTraefik,
    tmp_path: Path,
) -> None:
    """The backend answers through the proxy; the outpost's 200 says why: the skip regex."""
    cli.config(
        [{**app, "backend": backend.url} for app in APPS],
        outpost={"address": real_outpost.url},
        traefik={"entrypoints": ["web"], "cert_resolver": None},
    )
    cli.sync()
    pk = next(p["pk"] for p in fake.state.proxy_providers() if p["name"] == "Provider for Sonarr")
    answer = requests.patch(
        f"{fake.url}/api/v3/providers/proxy/{pk}/",
        json={"mode": "forward_single", "skip_path_regex": "^/"},
        headers={"Authorization": f"Bearer {fake.token}"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    rendered = tmp_path / "rendered.yaml"
    assert cli("render", "traefik", "-o", str(rendered)).code == 0
    proxy = start_traefik(rendered)
    result = cli("verify", "--through", proxy, "--output", "json")
    assert result.code == 65
    sonarr = _by_host(result)[SONARR]
    assert (sonarr["classification"], sonarr["via"]) == ("unprotected", "outpost")
    assert "skip_path_regex '^/'" in sonarr["detail"]
    assert f"{SONARR} /" in backend.requests  # the proxy did let it through
