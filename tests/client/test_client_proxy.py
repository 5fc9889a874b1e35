"""The token never goes through an environment proxy to a loopback address."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from provision.authentik import AuthentikClient, RetryPolicy
from provision.authentik.proxies import is_loopback
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


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_an_environment_proxy_is_not_used_for_loopback(
    host: str, fake: FakeAuthentik, monkeypatch: pytest.MonkeyPatch
) -> None:
    with scripted_server(_proxy_answer) as (proxy, seen):
        _proxy_env(monkeypatch, proxy)
        url = fake.url.replace("127.0.0.1", host)
        with AuthentikClient(url, SecretStr(CANARY_TOKEN), retry=ONCE) as client:
            client.version()
            assert client.proxy is None
    assert seen == []  # the proxy never saw the request, nor the token
    assert [r.path for r in fake.requests] == [VERSION]


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
        ("http://10.0.0.1", False),
        ("https://auth.example.com", False),
    ],
)
def test_loopback_addresses(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback
