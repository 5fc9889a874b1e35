"""The token never goes through an environment proxy to an address of this machine, however
spelled: the proxy is a real local HTTP server that records every request it is sent."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from provision.authentik import AuthentikClient, RetryPolicy
from provision.authentik.proxies import is_this_machine
from provision.errors import TransientAPIError
from provision.testing.fake_authentik import FakeAuthentik
from tests.client.conftest import CANARY_TOKEN
from tests.support.scripted import json_answer, scripted_server

VERSION = "/api/v3/admin/version/"
ONCE = RetryPolicy(attempts=1, initial=0.01, maximum=0.01, jitter=0.0, total=1.0)
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


def _proxy_env(monkeypatch: pytest.MonkeyPatch, proxy: str, no_proxy: str = "") -> None:
    for name in (*PROXY_VARIABLES, "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, proxy)
    if no_proxy:
        monkeypatch.setenv("NO_PROXY", no_proxy)


def _proxy_answer(path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
    return json_answer({"version_current": "2025.10.3"})


# Spellings of this machine that reach the fake on 127.0.0.1, and those that reach only an
# IPv6 listener (the fake has none: the request must fail directly, not go to the proxy).
REACH_127 = [
    "127.0.0.1",
    "localhost",
    "LOCALHOST",
    "0.0.0.0",  # noqa: S104 - a URL host under test, nothing binds to it
    "0",
    "127.1",
    "0x7f.1",
    "0177.0.0.1",
    "2130706433",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
]
REACH_IPV6 = ["[::1]", "[0:0:0:0:0:0:0:1]", "[::]"]


@pytest.mark.parametrize("host", REACH_127)
def test_an_environment_proxy_is_not_used_for_this_machine(
    host: str, fake: FakeAuthentik, monkeypatch: pytest.MonkeyPatch
) -> None:
    with scripted_server(_proxy_answer) as (proxy, seen):
        _proxy_env(monkeypatch, proxy)
        url = fake.url.replace("127.0.0.1", host)
        with AuthentikClient(url, SecretStr(CANARY_TOKEN), retry=ONCE) as client:
            assert client.proxy is None
            client.version()
    assert seen == []  # the proxy never saw the request, nor the token
    assert [r.path for r in fake.requests] == [VERSION]


@pytest.mark.parametrize("host", REACH_IPV6)
def test_an_environment_proxy_is_not_used_for_ipv6_loopback(
    host: str, fake: FakeAuthentik, monkeypatch: pytest.MonkeyPatch
) -> None:
    with scripted_server(_proxy_answer) as (proxy, seen):
        _proxy_env(monkeypatch, proxy)
        url = fake.url.replace("127.0.0.1", host)
        with AuthentikClient(url, SecretStr(CANARY_TOKEN), retry=ONCE) as client:
            assert client.proxy is None
            with pytest.raises(TransientAPIError, match="cannot connect to"):
                client.version()  # tried directly: nothing listens on ::1
    assert seen == []


def test_a_configured_proxy_is_used_even_for_loopback(fake: FakeAuthentik) -> None:
    with (
        scripted_server(_proxy_answer) as (proxy, seen),
        AuthentikClient(fake.url, SecretStr(CANARY_TOKEN), proxy=proxy) as client,
    ):
        assert client.version() == {"version_current": "2025.10.3"}
        assert client.proxy == proxy
    assert seen == [fake.url + VERSION]  # a proxy request carries the absolute URL
    assert fake.requests == []


def test_other_hosts_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with scripted_server(_proxy_answer) as (proxy, seen):
        _proxy_env(monkeypatch, proxy)
        with AuthentikClient("http://authentik.invalid", SecretStr("t"), retry=ONCE) as client:
            assert client.proxy == proxy
            client.version()
    assert seen == ["http://authentik.invalid" + VERSION]


def test_no_proxy_is_respected(monkeypatch: pytest.MonkeyPatch) -> None:
    with scripted_server(_proxy_answer) as (proxy, seen):
        _proxy_env(monkeypatch, proxy, no_proxy="authentik.invalid")
        with AuthentikClient("http://authentik.invalid", SecretStr("t"), retry=ONCE) as client:
            assert client.proxy is None
            with pytest.raises(TransientAPIError):
                client.version()  # direct: the name does not resolve
    assert seen == []


def test_proxy_credentials_are_never_shown() -> None:
    client = AuthentikClient("http://a.example", None, proxy="http://me:pw@proxy.example:3128")
    assert client.proxy == "http://***@proxy.example:3128"
    client.close()


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:9000", True),
        ("http://127.8.9.10", True),
        ("http://[::1]:9000", True),
        ("http://localhost.:9000", True),
        ("http://auth.localhost", True),
        ("http://Auth.LocalHost.", True),
        ("http://127.0.0.2", True),
        ("http://[::1%25lo]:9000", True),
        ("http://[::ffff:127.0.0.1]", True),
        ("http://[::ffff:0.0.0.0]", True),
        ("http://0.0.0.0:9000", True),
        ("http://[::]:9000", True),
        ("http://127.1", True),
        ("http://0x7f.1", True),
        ("http://0x7f000001", True),
        ("http://017700000001", True),
        ("http://127.0.0.1.", True),
        ("http://10.0.0.1", False),
        ("http://0x0a.1", False),  # 10.0.0.1
        ("http://[::ffff:10.0.0.1]", False),
        ("http://[::127.0.0.1]", False),  # IPv4-compatible: not routed to 127.0.0.1
        ("http://0.0.0.1", False),
        ("http://localhost.example.com", False),
        ("http://notlocalhost", False),
        ("http://deadbeef", False),
        ("https://auth.example.com", False),
    ],
)
def test_addresses_of_this_machine(url: str, loopback: bool) -> None:
    assert is_this_machine(url) is loopback


@pytest.mark.parametrize("host", ["0.0.0.0", "127.1", "[::ffff:127.0.0.1]"])  # noqa: S104
def test_the_anonymous_questions_to_this_machine_skip_the_environment_proxy(
    host: str, fake: FakeAuthentik, monkeypatch: pytest.MonkeyPatch
) -> None:
    # doctor and verify ask the outpost (outpost.address) and --through this way.
    with scripted_server(_proxy_answer) as (proxy, seen):
        _proxy_env(monkeypatch, proxy)
        with AuthentikClient("http://authentik.invalid", None, retry=ONCE) as client:
            answer = client.ask_anonymously(fake.url.replace("127.0.0.1", host) + VERSION)
    assert seen == []
    assert answer.status == 403  # the fake itself refused the token-less request
