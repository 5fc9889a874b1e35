"""Error mapping: each failure Authentik can answer becomes one error of provision.errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import SecretStr

from provision.authentik import AuthentikClient, RetryPolicy, answers
from provision.authentik.transport import Transport
from provision.errors import (
    APIRejected,
    AuthentikError,
    AuthError,
    NotFound,
    TransientAPIError,
    WrongServerError,
)
from provision.testing.fake_authentik import FakeAuthentik

MakeClient = Callable[..., AuthentikClient]


def transport_for(fake: FakeAuthentik, sleeps: Any) -> Transport:
    return Transport(
        fake.url,
        SecretStr(fake.token),
        timeout=5.0,
        verify=True,
        session=None,
        retry=RetryPolicy(),
        sleep=sleeps,
    )


def test_readonly_token_lacks_permission(make_client: MakeClient, fake: FakeAuthentik) -> None:
    with pytest.raises(AuthError) as caught:
        make_client(token=fake.readonly_token).list_proxy_providers()
    message = str(caught.value)
    assert message == (
        "GET /api/v3/providers/proxy/: token lacks permission for this "
        "(needs a superuser token) (HTTP 403)"
    )
    assert caught.value.exit_code == 77
    assert caught.value.status == 403


def test_wrong_token_is_rejected(make_client: MakeClient) -> None:
    with pytest.raises(AuthError, match=r"token rejected: Token invalid/expired \(HTTP 403\)"):
        make_client(token="not-the-token").me()


def test_missing_object_names_authentiks_detail(client: AuthentikClient) -> None:
    with pytest.raises(NotFound) as caught:
        client.get_outpost("00000000-0000-0000-0000-000000000000")
    assert "not found: No Outpost matches the given query." in str(caught.value)
    assert caught.value.status == 404


def test_post_without_trailing_slash_is_rejected_not_retried(
    fake: FakeAuthentik, sleeps: Any
) -> None:
    transport = transport_for(fake, sleeps)
    with pytest.raises(APIRejected) as caught:
        transport.create("/api/v3/providers/proxy", {"name": "x"}, lambda: None, answers.PROVIDER)
    assert caught.value.status == 405
    assert caught.value.field_errors == {"detail": ["method not allowed (wrong URL or path?)"]}
    assert len(fake.requests) == 1
    transport.close()


def test_method_not_allowed_keeps_authentiks_detail(fake: FakeAuthentik, sleeps: Any) -> None:
    transport = transport_for(fake, sleeps)
    with pytest.raises(APIRejected, match=re.escape('Method "DELETE" not allowed.')):
        transport.call("DELETE", "/api/v3/providers/proxy/")
    transport.close()


def test_unsupported_media_type_is_rejected_not_transient(
    client: AuthentikClient, fake: FakeAuthentik
) -> None:
    fake.fail("GET", "^/api/v3/admin/version/$", status=415)
    with pytest.raises(APIRejected) as caught:
        client.version()
    assert caught.value.status == 415
    assert not isinstance(caught.value, TransientAPIError)


def test_redirect_is_reported_not_followed(fake: FakeAuthentik, sleeps: Any) -> None:
    transport = transport_for(fake, sleeps)
    with pytest.raises(WrongServerError, match=r"redirect: set authentik.url .* \(HTTP 302\)"):
        # Authentik's default-authentication URL redirects to the flow's page (file 13).
        transport.call("GET", "/flows/-/default/authentication/", params={"next": "/"})
    assert len(fake.requests) == 1
    transport.close()


def test_requests_exceptions_never_escape(make_client: MakeClient, closed_port: int) -> None:
    client = make_client(url=f"http://127.0.0.1:{closed_port}")
    with pytest.raises(TransientAPIError) as caught:
        client.list_groups()
    assert caught.value.path == "/api/v3/core/groups/"
    assert caught.value.method == "GET"
    assert caught.value.__cause__ is not None  # chained, so a traceback still tells why


def test_tls_failure_is_not_retried(make_client: MakeClient, fake: FakeAuthentik) -> None:
    client = make_client(url=fake.url.replace("http://", "https://"))
    with pytest.raises(AuthentikError, match="TLS failed") as caught:
        client.version()
    assert not isinstance(caught.value, TransientAPIError)
    assert client.request_count == 1


def test_dropped_connection_is_told_apart_from_a_refused_one(
    client: AuthentikClient, fake: FakeAuthentik
) -> None:
    fake.fail("GET", "^/api/v3/admin/version/$", drop=True, times=5)
    with pytest.raises(TransientAPIError, match="lost before an answer; gave up after 5 attempts"):
        client.version()
