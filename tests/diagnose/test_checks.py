"""The doctor's verdicts from data: version, TLS, token, flows, outpost, hosts, secret key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from provision.authentik.anonymous import Answer
from provision.checklist import Check, doctor_exit_code, doctor_report, fail, ok, skipped, warn
from provision.checks import (
    check_flow,
    check_host_bound,
    check_outpost_health,
    check_outpost_host,
    check_ping,
    check_reachable,
    check_secret_key,
    check_tls,
    check_token,
    check_version,
)
from provision.model import Access, Application, DesiredApp, EmbeddedOutpost, ProxyProvider
from provision.secrets import Secrets

OWNER = "authentik-provision"
APP = DesiredApp(
    host="sonarr.home.example.com", name="Sonarr", slug="sonarr", access=Access(groups=("media",))
)


@pytest.mark.parametrize(
    ("version", "status", "words"),
    [
        ({"version_current": "2025.10.3", "outdated": False}, "ok", "icons by set_icon_url"),
        ({"version_current": "2026.2.2"}, "ok", "profile 2025.12 (page size 100"),
        (
            {"version_current": "2025.8.1", "outdated": True, "version_latest": "2025.10.3"},
            "ok",
            "2025.10.3 is available",
        ),
        ({"version_current": "2027.2.0"}, "warn", "newer than the newest release"),
        ({"version_current": "2024.10.0"}, "FAIL", "older than 2024.12"),
        ({"version_current": "nightly"}, "FAIL", "not a release number"),
    ],
)
def test_version(version: dict[str, object], status: str, words: str) -> None:
    check = check_version(version)
    assert check.status == status
    assert words in check.reason


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("https://auth.example.com", "ok", "verified against the system CAs"),
        ("http://127.0.0.1:9000", "ok", "loopback"),
        ("http://localhost:9000", "ok", "loopback"),
        ("http://[::1]:9000", "ok", "loopback"),
        ("http://auth.lan:9000", "warn", "unencrypted"),
    ],
)
def test_tls(url: str, status: str, words: str) -> None:
    check = check_tls(url, None, Answer(url, 200))
    assert (check.status, words in check.reason) == (status, True)


def test_tls_failure_is_a_fail_naming_ca_bundle() -> None:
    answer = Answer("https://auth.example.com", None, failure="tls_failed", reason="bad cert")
    check = check_tls("https://auth.example.com", None, answer)
    assert check.status == "FAIL"
    assert "ca_bundle" in check.fix
    assert check.exit_code == 78  # as sync: authentik.url or ca_bundle is wrong


def test_tls_names_the_ca_bundle_used() -> None:
    url = "https://auth.example.com"
    assert "/etc/ca.pem" in check_tls(url, "/etc/ca.pem", Answer(url, 200)).reason


def test_reachable_but_not_ready_is_a_warning() -> None:
    url = "http://127.0.0.1:9000"
    check = check_reachable(url, Answer(url, 200), Answer(url, 503))
    assert check.status == "warn"
    assert check_reachable(url, Answer(url, 200), Answer(url, 200)).status == "ok"
    refused = check_reachable(url, Answer(url, None, failure="connection_refused"), None)
    assert (refused.status, refused.exit_code) == ("FAIL", 75)


@pytest.mark.parametrize(
    ("status", "code"), [(404, 78), (302, 78), (401, 78), (502, 75), (503, 75)]
)
def test_a_wrong_health_answer_is_78_unless_it_can_heal(status: int, code: int) -> None:
    url = "http://127.0.0.1:9000/api/v3"  # a base URL with /api/v3: its health path is a 404
    check = check_reachable(url, Answer(url + "/-/health/live/", status), None)
    assert (check.status, check.exit_code) == ("FAIL", code)
    assert "without /api/v3" in check.fix


def test_token_of_a_plain_user_is_a_warning() -> None:
    plain = check_token({"user": {"username": "plainuser", "is_superuser": False}})
    assert plain.status == "warn"
    assert "not a superuser" in plain.reason
    assert check_token({"user": {"username": "akadmin", "is_superuser": True}}).status == "ok"


def test_flow_missing_or_meant_for_something_else() -> None:
    flows = {"implicit": {"slug": "implicit", "designation": "authorization"}}
    missing = check_flow("gone", "invalidation", flows)
    assert (missing.status, missing.exit_code) == ("FAIL", 65)
    assert "defaults.invalidation_flow" in missing.fix
    assert check_flow("implicit", "invalidation", flows).status == "warn"
    assert check_flow("implicit", "authorization", flows).status == "ok"


def _outpost(providers: set[int], **config: object) -> EmbeddedOutpost:
    return EmbeddedOutpost("uuid", "authentik Embedded Outpost", frozenset(providers), config)


@pytest.mark.parametrize(
    ("value", "status"),
    [("", "FAIL"), ("auth.example.com", "FAIL"), ("https://auth.example.com/", "ok")],
)
def test_outpost_authentik_host_must_be_a_full_url(value: str, status: str) -> None:
    check = check_outpost_host(_outpost(set(), authentik_host=value))
    assert check.status == status
    if status == "FAIL":
        assert "authentik_host" in check.fix


def test_outpost_health() -> None:
    none = check_outpost_health([])
    assert (none.status, none.reason) == ("warn", "no outpost instance connected")
    seen = {"hostname": "srv", "last_seen": "2025-11-29T07:00:00Z", "version": "2025.10.3"}
    check = check_outpost_health([seen])
    assert check.status == "ok"
    assert "2025-11-29T07:00:00Z" in check.reason
    assert "2025.10.3" in check.reason
    assert check_outpost_health([seen | {"version_outdated": True}]).status == "warn"


def _provider(
    pk: int = 5, mode: str = "forward_single", host: str = APP.external_host
) -> ProxyProvider:
    return ProxyProvider(pk, APP.provider_name, mode, host, "f1", "f2", "hours=24", "")


def _application(publisher: str = OWNER, provider: int | None = 5) -> Application:
    return Application("app-uuid", "sonarr", "Sonarr", provider, "", "", "", publisher, "", "any")


@pytest.mark.parametrize(
    ("providers", "applications", "bound", "words"),
    [
        ([], [], {5}, "no application with slug 'sonarr'"),
        ([_provider()], [_application(publisher="someone")], {5}, "is not owned"),
        ([], [_application(provider=None)], {5}, "has no proxy provider"),
        ([_provider(mode="proxy")], [_application()], {5}, "mode 'proxy', not forward_single"),
        ([_provider(host="https://other.example.com")], [_application()], {5}, "external_host"),
        ([_provider()], [_application()], {7}, "not on the embedded outpost's provider list"),
    ],
)
def test_host_problems(
    providers: list[ProxyProvider], applications: list[Application], bound: set[int], words: str
) -> None:
    check = check_host_bound(
        APP,
        OWNER,
        {p.pk: p for p in providers},
        {a.slug: a for a in applications},
        _outpost(bound),
    )
    assert (check.status, check.exit_code) == ("FAIL", 65)
    assert words in check.reason
    assert "provision sync" in check.fix


def test_host_bound_with_a_trailing_slash_is_fine() -> None:
    provider = _provider(host=APP.external_host + "/")
    check = check_host_bound(APP, OWNER, {5: provider}, {"sonarr": _application()}, _outpost({5}))
    assert check.status == "ok"
    assert "on the embedded outpost" in check.reason


def test_ping() -> None:
    address = "http://127.0.0.1:9000"
    assert check_ping(address, Answer(address, 204)).status == "ok"
    refused = check_ping(address, Answer(address, None, failure="connection_refused", reason="x"))
    assert (refused.status, refused.exit_code) == ("FAIL", 75)
    assert "wrong port" in refused.reason
    wrong = check_ping(address, Answer(address, 404))
    assert (wrong.status, wrong.exit_code) == ("FAIL", 65)


def test_secret_key_present_or_not_checked() -> None:
    without = Secrets(SecretStr("t"), "$AUTHENTIK_TOKEN", None, None)
    check = check_secret_key(without)
    assert (check.status, "not checked" in check.reason) == ("warn", True)
    key = "k" * 60
    with_key = Secrets(SecretStr("t"), "f", SecretStr(key), str(Path("secrets.yaml")))
    present = check_secret_key(with_key)
    assert present.status == "ok"
    assert key not in present.reason


@pytest.mark.parametrize(
    ("checks", "code"),
    [
        ([ok("a", "fine"), warn("b", "hm")], 0),
        ([fail("a", "x", "y", 65), fail("b", "x", "y", 75)], 75),
        ([fail("a", "x", "y", 65), fail("b", "x", "y", 77)], 77),
        ([fail("a", "x", "y", 77), fail("b", "x", "y", 78)], 78),
        ([fail("a", "x", "y", 65), skipped("c", "a failed")], 65),
    ],
)
def test_the_worst_failure_decides_the_exit_code(checks: list[Check], code: int) -> None:
    assert doctor_exit_code(checks) == code


def test_report_lines() -> None:
    checks = [
        ok("token", "accepted"),
        fail("flow x", "no flow\nat all", "create it"),
        skipped("y", "x failed"),
    ]
    lines = doctor_report(checks).splitlines()
    assert lines == [
        "ok    token: accepted",
        "FAIL  flow x: no flow at all — fix: create it",
        "skip  y: skipped: x failed",
        "doctor: 1 ok, 0 warn, 1 FAIL, 1 skipped",
    ]
