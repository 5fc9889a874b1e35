"""The client's anonymous mode: no token, answers as data, the API's proxy rules."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from provision.asking import ask_outpost, ping_outpost
from provision.authentik import AuthentikClient
from provision.findings import Finding
from provision.testing.fake_authentik import FakeAuthentik
from tests.client.conftest import CANARY_TOKEN
from tests.client.test_client_proxy import _proxy_env
from tests.support.scripted import json_answer, scripted_server

HOST = "sonarr.home.example.com"


def _answer(path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
    return json_answer({"detail": "from the proxy"}, 502)


def test_an_anonymous_request_carries_no_token(fake: FakeAuthentik) -> None:
    with AuthentikClient(fake.url, SecretStr(CANARY_TOKEN)) as client:
        answer = ask_outpost(client, fake.url, HOST)
    assert answer.status == 404  # not bound: Authentik's 404 page
    assert [r.path for r in fake.requests] == ["/outpost.goauthentik.io/auth/traefik"]
    headers = {k.lower(): v for k, v in fake.requests[0].headers.items()}
    assert "authorization" not in headers
    assert headers["x-forwarded-host"] == HOST


def test_an_error_status_is_an_answer_not_an_exception(fake: FakeAuthentik) -> None:
    with AuthentikClient(fake.url, None) as client:
        answer = client.ask_anonymously(fake.url + "/no/such/page/")
    assert answer.status == 404
    assert answer.failure == ""


def test_nothing_listening_is_named_not_raised() -> None:
    with scripted_server(_answer) as (url, _seen):
        pass  # the server is gone: its port refuses
    with AuthentikClient(url, None) as client:
        answer = ping_outpost(client, url)
    assert answer.status is None
    assert answer.failure == Finding.CONNECTION_REFUSED


def test_a_configured_proxy_carries_the_anonymous_requests_too(fake: FakeAuthentik) -> None:
    with (
        scripted_server(_answer) as (proxy, seen),
        AuthentikClient(fake.url, None, proxy=proxy) as client,
    ):
        answer = ping_outpost(client, fake.url)
    assert answer.status == 502
    assert seen == [fake.url + "/outpost.goauthentik.io/ping"]
    assert fake.requests == []


def test_an_environment_proxy_is_not_used_for_a_loopback_outpost(
    fake: FakeAuthentik, monkeypatch: pytest.MonkeyPatch
) -> None:
    with scripted_server(_answer) as (proxy, seen):
        _proxy_env(monkeypatch, proxy)
        with AuthentikClient("http://authentik.invalid", None) as client:
            answer = ping_outpost(client, fake.url)
    assert answer.status == 204
    assert seen == []
