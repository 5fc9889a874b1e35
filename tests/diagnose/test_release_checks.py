"""``provision doctor`` on the newer release lines: the page cap it reads from
``/admin/settings/`` (2025.12 on), the access-default flag that would close every ``any_user``
app (``core_default_app_access``, 2026.5 models) and the trusted proxy networks (2026.8 notes)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from provision.release_checks import check_trusted_proxy
from provision.testing.fake_authentik import FakeAuthentik
from tests.diagnose.conftest import Cli, Result
from tests.support.scripted import scripted_server
from tests.support.versions import EVERY_MODE

SETTINGS = "/api/v3/admin/settings/"
WITH_SETTINGS = ("2026.2.2", "2026.8.0-rc1")  # the releases whose page cap is a setting


def _checks(result: Result) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in result.json()["checks"]}


def _doctor(cli: Cli) -> dict[str, dict[str, Any]]:
    result = cli("doctor", "--output", "json")
    assert result.code == 0, result.out
    return _checks(result)


@pytest.mark.parametrize("authentik_version", EVERY_MODE, indirect=True)
def test_the_page_cap_is_shown_where_the_release_has_the_setting(
    cli: Cli, fake: FakeAuthentik, authentik_version: str
) -> None:
    cli.sync()
    fake.clear_log()
    checks = _doctor(cli)
    asked = SETTINGS in [r.path for r in fake.requests]
    if authentik_version in WITH_SETTINGS:
        assert asked
        assert checks["page cap"]["status"] == "ok"
        assert checks["page cap"]["reason"].startswith("pagination_max_page_size 100:")
    else:
        assert not asked and "page cap" not in checks
    assert "default app access" not in checks  # no recorded build has the flag


@pytest.mark.parametrize("authentik_version", ["2026.8.0-rc1"], indirect=True)
def test_a_lowered_page_cap_is_shown_as_lowered(cli: Cli, fake: FakeAuthentik) -> None:
    cli.sync()
    lowered = requests.patch(
        fake.url + SETTINGS,
        json={"pagination_max_page_size": 50},
        headers={"Authorization": f"Bearer {fake.token}"},
        timeout=5,
        proxies={"http": "", "https": ""},
    )
    assert lowered.status_code == 200
    reason = _doctor(cli)["page cap"]["reason"]
    assert reason == (
        "pagination_max_page_size 50 (lowered from the default 100): lists are read 50 a page"
    )


@pytest.mark.parametrize("authentik_version", ["2026.8.0-rc1"], indirect=True)
def test_default_app_access_off_warns_about_every_any_user_app(
    cli: Cli, fake: FakeAuthentik
) -> None:
    cli.sync()
    with fake.state.lock:
        fake.state.store.settings_flags["core_default_app_access"] = False
    check = _doctor(cli)["default app access"]
    assert check["status"] == "warn"
    assert check["reason"].endswith("these any_user apps let nobody in: jellyfin")
    assert "declare groups" in check["fix"]
    with fake.state.lock:
        fake.state.store.settings_flags["core_default_app_access"] = True
    assert _doctor(cli)["default app access"]["status"] == "ok"


@pytest.mark.parametrize("authentik_version", ["2026.8.0-rc1"], indirect=True)
def test_default_app_access_off_without_any_user_app_is_only_noted(
    cli: Cli, fake: FakeAuthentik
) -> None:
    cli.config([{"host": "sonarr.home.example.com", "groups": ["media"]}])
    cli.sync()
    with fake.state.lock:
        fake.state.store.settings_flags["core_default_app_access"] = False
    check = _doctor(cli)["default app access"]
    assert (check["status"], check["reason"]) == (
        "info",
        "core_default_app_access is off: an application without bindings refuses everyone"
        " (no any_user app in this config)",
    )


@pytest.mark.parametrize(
    ("authentik_version", "shown"),
    [("2026.2.2", False), ("2026.8.0-rc1", True)],
    indirect=["authentik_version"],
)
def test_the_trusted_proxy_networks_are_checked_from_2026_8(cli: Cli, shown: bool) -> None:
    cli.sync()
    checks = _doctor(cli)
    assert ("trusted proxy" in checks) is shown
    if shown:  # the fake listens on loopback, which Authentik trusts by default
        assert checks["trusted proxy"]["status"] == "ok"


@pytest.mark.parametrize(
    ("address", "status"),
    [
        ("http://127.0.0.1:9000", "ok"),
        ("http://10.1.2.3:9000", "ok"),
        ("http://192.168.1.5:9000", "ok"),
        ("http://[::1]:9000", "ok"),
        ("http://203.0.113.7:9000", "warn"),  # a public address
        ("http://[fd12:3456::1]:9000", "warn"),  # IPv6 ULA: not in the defaults
        ("http://authentik.lan:9000", "info"),  # a name: the doctor does not resolve it
    ],
)
def test_outpost_addresses_inside_and_outside_the_default_trusted_networks(
    address: str, status: str
) -> None:
    check = check_trusted_proxy(address)
    assert check.status == status
    if status == "warn":
        assert "AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS" in check.fix
        assert "404 page" in check.reason


def test_verify_through_a_proxy_whose_forwarded_headers_are_not_taken_says_so(
    cli: Cli, fake: FakeAuthentik
) -> None:
    """The outpost serves the host when asked directly, but the proxy's question reaches it as
    if without X-Forwarded-* (what Authentik 2026.8 does with a proxy outside its trusted
    networks): Authentik's 404 page, which through the proxy is named as such."""

    def untrusted(path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        answer = requests.get(
            fake.url + "/outpost.goauthentik.io/auth/traefik",
            allow_redirects=False,
            timeout=5,
            proxies={"http": "", "https": ""},
        )
        return answer.status_code, answer.headers.get("Content-Type", ""), answer.content

    cli.sync()
    with scripted_server(untrusted) as (proxy, seen):
        result = cli("verify", "--through", proxy, "--output", "json")
    assert seen
    assert result.code == 65, result.out
    found = {h["host"]: h for h in result.json()["hosts"]}["sonarr.home.example.com"]
    assert found["classification"] == "not_bound"
    assert "although the outpost serves this host when asked directly" in found["detail"]
    assert "AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS" in found["fix"]
