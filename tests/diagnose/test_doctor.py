"""``provision doctor`` against the fake Authentik: each classic failure is named, with its code."""

from __future__ import annotations

from typing import Any

from provision.testing.fake_authentik import FakeAuthentik
from tests.conftest import Encrypt
from tests.diagnose.conftest import Cli, Result
from tests.support import free_port
from tests.support.scripted import json_answer, scripted_server

INVALIDATION = "default-provider-invalidation-flow"


def _checks(result: Result) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in result.json()["checks"]}


def _statuses(result: Result) -> dict[str, str]:
    return {name: c["status"] for name, c in _checks(result).items()}


def test_a_synced_set_up_has_no_failure(cli: Cli) -> None:
    cli.sync()
    result = cli("doctor", "--output", "json")
    statuses = _statuses(result)
    assert result.code == 0, result.out
    assert "FAIL" not in statuses.values()
    for name in (
        "config",
        "secrets",
        "reachable",
        "TLS",
        "token",
        "version",
        f"flow {INVALIDATION}",
        "flow default-provider-authorization-implicit-consent",
        "embedded outpost",
        "outpost authentik_host",
        "host sonarr.home.example.com",
        "host jellyfin.home.example.com",
        "outpost.address",
        "host sonarr.home.example.com at the outpost",
    ):
        assert statuses[name] == "ok", name
    assert statuses["secret key"] == "warn"
    assert "not checked" in _checks(result)["secret key"]["reason"]


def test_text_output_has_one_line_per_check_and_a_summary(cli: Cli) -> None:
    cli.sync()
    result = cli("doctor")
    lines = result.out.splitlines()
    assert lines[0].startswith("ok    config: ")
    assert "ok    token: accepted" in result.out
    assert lines[-1].startswith("doctor: ")
    assert lines[-1].endswith(" 0 FAIL, 0 skipped")


def test_removed_flow_fails_with_65(cli: Cli, fake: FakeAuthentik) -> None:
    cli.sync()
    fake.state.remove_flow(INVALIDATION)
    result = cli("doctor", "--output", "json")
    flow = _checks(result)[f"flow {INVALIDATION}"]
    assert flow["status"] == "FAIL"
    assert flow["reason"].startswith(f"no flow with slug '{INVALIDATION}' exists")
    assert "defaults.invalidation_flow" in flow["fix"]
    assert result.code == 65


def test_bad_token_fails_with_77_and_skips_what_needs_it(cli: Cli, fake: FakeAuthentik) -> None:
    environ = cli.environ | {"AUTHENTIK_TOKEN": "not-the-token"}
    result = cli("doctor", "--output", "json", environ=environ)
    checks = _checks(result)
    assert checks["token"]["status"] == "FAIL"
    assert "Token invalid/expired" in checks["token"]["reason"]
    assert checks["token"]["exit_code"] == 77
    assert checks["embedded outpost"]["status"] == "skip"
    assert checks["host sonarr.home.example.com"]["status"] == "skip"
    assert checks["reachable"]["status"] == "ok"
    assert result.code == 77
    assert "not-the-token" not in result.out + result.err


def test_empty_authentik_host_fails(cli: Cli, fake: FakeAuthentik) -> None:
    cli.sync()
    fake.state.set_outpost_config(authentik_host="")
    result = cli("doctor", "--output", "json")
    check = _checks(result)["outpost authentik_host"]
    assert check["status"] == "FAIL"
    assert check["reason"].startswith("is empty, not a full URL")
    assert "authentik_host" in check["fix"]
    assert result.code == 65


def test_unsynced_hosts_are_named_per_host(cli: Cli) -> None:
    result = cli("doctor", "--output", "json")
    checks = _checks(result)
    host = checks["host sonarr.home.example.com"]
    assert host["status"] == "FAIL"
    assert host["reason"] == "no application with slug 'sonarr'"
    at_outpost = checks["host sonarr.home.example.com at the outpost"]
    assert at_outpost["reason"].startswith("not_bound: ")
    assert result.code == 65


def test_unreachable_authentik_fails_with_75_and_skips_the_api(cli: Cli) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    cli.config(authentik={"url": closed}, outpost={"address": closed})
    result = cli("doctor", "--output", "json")
    statuses = _statuses(result)
    assert statuses["reachable"] == "FAIL"
    assert _checks(result)["reachable"]["exit_code"] == 75
    assert statuses["TLS"] == "skip"
    assert statuses["token"] == "skip"
    assert statuses["host sonarr.home.example.com"] == "skip"
    assert statuses["outpost.address"] == "FAIL"
    assert statuses["host sonarr.home.example.com at the outpost"] == "skip"
    assert result.code == 75


def test_wrong_outpost_port_fails_ping_with_75(cli: Cli) -> None:
    cli.sync()
    cli.config(outpost={"address": f"http://127.0.0.1:{free_port()}"})
    result = cli("doctor", "--output", "json")
    check = _checks(result)["outpost.address"]
    assert check["status"] == "FAIL"
    assert "wrong port?" in check["reason"]
    assert _statuses(result)["host sonarr.home.example.com"] == "ok"
    assert result.code == 75


def test_invalid_config_fails_with_78(cli: Cli) -> None:
    cli.config(apps=[{"host": "Not A Host"}])
    result = cli("doctor", "--output", "json")
    statuses = _statuses(result)
    assert statuses["config"] == "FAIL"
    assert statuses["token"] == "skip"
    assert result.code == 78


def test_provider_dropped_from_the_outpost_is_named(cli: Cli, fake: FakeAuthentik) -> None:
    """The seed's failure: everything exists, but the outpost no longer lists the provider."""
    cli.sync()
    fake.state.set_outpost_providers([])
    result = cli("doctor", "--output", "json")
    checks = _checks(result)
    host = checks["host sonarr.home.example.com"]
    assert host["status"] == "FAIL"
    assert "not on the embedded outpost's provider list" in host["reason"]
    assert checks["host sonarr.home.example.com at the outpost"]["reason"].startswith("not_bound")
    assert result.code == 65


def test_secret_key_from_sops_is_checked(
    cli: Cli, encrypt: Encrypt, sops_environ: dict[str, str]
) -> None:
    secret_key = "k" * 64
    sops_file = encrypt({"AUTHENTIK_TOKEN": cli.fake.token, "AUTHENTIK_SECRET_KEY": secret_key})
    cli.config(secrets={"sops_file": str(sops_file)})
    environ = sops_environ | {"RUNTIME_DIRECTORY": str(cli.workdir)}
    result = cli("doctor", "--output", "json", environ=environ)
    checks = _checks(result)
    assert checks["secrets"]["reason"] == f"token found ({sops_file})"
    assert checks["secret key"]["status"] == "ok"
    assert secret_key not in result.out + result.err


def test_short_secret_key_fails_with_78(
    cli: Cli, encrypt: Encrypt, sops_environ: dict[str, str]
) -> None:
    sops_file = encrypt({"AUTHENTIK_TOKEN": cli.fake.token, "AUTHENTIK_SECRET_KEY": "short"})
    cli.config(secrets={"sops_file": str(sops_file)})
    environ = sops_environ | {"RUNTIME_DIRECTORY": str(cli.workdir)}
    result = cli("doctor", "--output", "json", environ=environ)
    statuses = _statuses(result)
    assert statuses["secrets"] == "FAIL"
    assert "too short" in _checks(result)["secrets"]["reason"]
    assert statuses["token"] == "skip"
    assert statuses["secret key"] == "skip"
    assert statuses["reachable"] == "ok"
    assert result.code == 78


def test_apps_open_to_every_user_are_listed_as_facts(cli: Cli) -> None:
    cli.sync()
    result = cli("doctor", "--output", "json")
    checks = _checks(result)
    assert result.code == 0, result.out
    assert checks["access jellyfin"]["status"] == "info"
    assert "open to every authenticated user" in checks["access jellyfin"]["reason"]
    assert "access sonarr" not in checks
    text = cli("doctor").out
    assert "info  access jellyfin: open to every authenticated user" in text
    assert ", 1 info, " in text.splitlines()[-1]


def test_doctor_names_the_proxy_the_token_goes_through(cli: Cli) -> None:
    with scripted_server(lambda path, query: json_answer({"detail": "x"}, 502)) as (proxy, seen):
        cli.config(authentik={"proxy": proxy, "retries": 1})
        result = cli("doctor")
    assert f"requests to Authentik go through {proxy}" in result.out
    assert seen  # the API checks really went through it


def test_doctor_shows_no_proxy_line_when_direct(cli: Cli) -> None:
    cli.config()
    assert "go through" not in cli("doctor").out


def test_caddy_on_a_port_browsers_must_name_is_a_warning(cli: Cli) -> None:
    cli.sync()
    cli.config(caddy={"auto_https": True, "port": 8443})
    result = cli("doctor", "--output", "json")
    check = _checks(result)["caddy.port"]
    assert check["status"] == "warn"
    assert "Host sonarr.home.example.com:8443" in check["reason"]
    assert "port 443" in check["fix"]
    assert result.code == 0


def test_caddy_on_the_default_port_is_fine_and_unset_is_not_checked(cli: Cli) -> None:
    cli.sync()
    cli.config(caddy={"auto_https": False, "port": 80})
    assert _statuses(cli("doctor", "--output", "json"))["caddy.port"] == "ok"
    cli.config()
    assert "caddy.port" not in _statuses(cli("doctor", "--output", "json"))
