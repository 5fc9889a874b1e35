"""``provision verify`` against the fake Authentik's outpost, over real sockets."""

from __future__ import annotations

import requests

from provision.testing.fake_authentik import FakeAuthentik
from tests.diagnose.conftest import APPS, Cli, assert_login_redirect
from tests.support import free_port

HOSTS = [app["host"] for app in APPS]


def _by_host(document: dict[str, object]) -> dict[str, dict[str, object]]:
    hosts = document["hosts"]
    assert isinstance(hosts, list)
    return {h["host"]: h for h in hosts}


def test_after_a_sync_every_host_demands_a_login(cli: Cli) -> None:
    cli.sync()
    result = cli("verify", "--output", "json")
    assert result.code == 0, result.out + result.err
    hosts = _by_host(result.json())
    assert sorted(hosts) == sorted(HOSTS)
    for host, found in hosts.items():
        assert_login_redirect(found, host)


def test_text_output_after_a_sync(cli: Cli) -> None:
    cli.sync()
    result = cli("verify")
    assert result.code == 0
    lines = result.out.splitlines()
    assert [line.split()[:3] for line in lines[:2]] == [
        ["ok", host, "protected:"] for host in HOSTS
    ]
    assert lines[-1] == "verify: all 2 hosts demand a login"


def test_sync_verify_checks_the_outpost_at_the_end(cli: Cli) -> None:
    result = cli("sync", "--verify")
    assert result.code == 0, result.err
    assert "verify: all 2 hosts demand a login" in result.out


def test_unbound_host_is_named_not_bound(cli: Cli, fake: FakeAuthentik) -> None:
    """A provider and application exist, but the provider is not on the embedded outpost."""
    cli.sync()
    unbound = fake.state.add_proxy_provider(
        "Provider for Radarr", "https://radarr.home.example.com", mode="forward_single"
    )
    fake.state.add_application(
        "Radarr", "radarr", provider=unbound["pk"], meta_publisher="authentik-provision"
    )
    cli.config([*APPS, {"host": "radarr.home.example.com", "groups": ["media"]}])
    result = cli("verify", "--output", "json")
    assert result.code == 65
    hosts = _by_host(result.json())
    assert hosts["radarr.home.example.com"]["classification"] == "not_bound"
    assert hosts["radarr.home.example.com"]["status"] == 404
    assert "not bound to the embedded outpost" in str(hosts["radarr.home.example.com"]["detail"])
    assert hosts["sonarr.home.example.com"]["classification"] == "protected"


def test_unbound_host_text_line_names_the_fix(cli: Cli) -> None:
    result = cli("verify")
    assert result.code == 65
    first = result.out.splitlines()[0]
    assert first.startswith("FAIL  sonarr.home.example.com  not_bound: ")
    assert "fix: run `provision sync`" in first
    assert result.out.splitlines()[-1] == "verify: 2 of 2 hosts FAIL; 0 demand a login"


def test_wrong_port_is_connection_refused_and_exit_75(cli: Cli) -> None:
    cli.sync()
    cli.config(outpost={"address": f"http://127.0.0.1:{free_port()}"})
    result = cli("verify", "--output", "json")
    hosts = _by_host(result.json())
    assert {h["classification"] for h in hosts.values()} == {"connection_refused"}
    assert "nothing listens at" in str(hosts[HOSTS[0]]["detail"])
    assert result.json()["exit_code"] == 75
    assert result.code == 75


def test_verify_sends_the_token_only_to_the_api(cli: Cli, fake: FakeAuthentik) -> None:
    """One list of the providers (with the token), then anonymous questions to the outpost."""
    cli.sync()
    before = len(fake.requests)
    assert cli("verify").code == 0
    seen = fake.requests[before:]
    api, *asked = seen
    assert (api.method, api.path) == ("GET", "/api/v3/providers/proxy/")
    assert "authorization" in api.headers  # the fake keeps it redacted
    assert [r.path for r in asked] == ["/outpost.goauthentik.io/auth/traefik"] * len(HOSTS)
    assert all("authorization" not in r.headers for r in asked)


def test_verify_without_a_token_is_a_config_error(cli: Cli) -> None:
    cli.sync()
    result = cli("verify", environ={"RUNTIME_DIRECTORY": str(cli.workdir)})
    assert result.code == 78, result.err
    assert "AUTHENTIK_TOKEN" in result.err


def _provider_pk(fake: FakeAuthentik, name: str) -> int:
    return int(next(p["pk"] for p in fake.state.proxy_providers() if p["name"] == name))


def test_a_hand_made_provider_serving_a_host_is_named(cli: Cli, fake: FakeAuthentik) -> None:
    """The fake's outpost, as the real one, logs visitors in with whichever provider it serves."""
    cli.sync()
    made = fake.state.add_proxy_provider("Sonarr (by hand)", f"https://{HOSTS[0]}")
    fake.state.add_application("Sonarr by hand", "sonarr-by-hand", provider=made["pk"])
    ours = _provider_pk(fake, "Provider for Sonarr")
    bound = fake.state.embedded_outpost()["providers"]
    fake.state.set_outpost_providers([made["pk"], *(pk for pk in bound if pk != ours)])
    fake.outpost.refresh()
    result = cli("verify", "--output", "json")
    assert result.code == 65, result.out
    sonarr = _by_host(result.json())[HOSTS[0]]
    assert sonarr["classification"] == "served_by_other_provider"
    assert (sonarr["provider"], sonarr["client_id"]) == ("Sonarr (by hand)", made["client_id"])
    assert _by_host(result.json())[HOSTS[1]]["classification"] == "protected"


def test_a_skip_regex_opening_root_is_unprotected(cli: Cli, fake: FakeAuthentik) -> None:
    cli.sync()
    pk = _provider_pk(fake, "Provider for Sonarr")
    answer = requests.patch(
        f"{fake.url}/api/v3/providers/proxy/{pk}/",
        json={"mode": "forward_single", "skip_path_regex": "^/"},
        headers={"Authorization": f"Bearer {fake.token}"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    fake.outpost.refresh()
    result = cli("verify")
    assert result.code == 65
    line = result.out.splitlines()[0]
    assert line.startswith(f"FAIL  {HOSTS[0]}  unprotected: UNPROTECTED: the outpost (")
    assert "the provider's skip_path_regex matches '/' (skip_path_regex '^/')" in line
