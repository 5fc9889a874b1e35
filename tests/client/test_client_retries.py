"""Retries: which failures are retried, how long the client waits, and no duplicate creates."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import pytest

from provision.authentik import AuthentikClient, RetryPolicy
from provision.errors import APIRejected, AuthentikError, NotFound, TransientAPIError
from provision.testing.fake_authentik import FakeAuthentik

MakeClient = Callable[..., AuthentikClient]
ProviderBody = Callable[[str, str], dict[str, Any]]
VERSION = "/api/v3/admin/version/"
PROVIDERS = "/api/v3/providers/proxy/"


def calls(fake: FakeAuthentik) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.requests]


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_retried_once_then_success(
    client: AuthentikClient, fake: FakeAuthentik, sleeps: Any, status: int
) -> None:
    fake.fail("GET", f"^{VERSION}$", status=status, times=1)
    assert client.version()["version_current"] == fake.version.name
    assert [r.status for r in fake.requests] == [status, 200]
    assert len(sleeps.calls) == 1
    assert client.request_count == 2


def test_retry_after_is_honoured_through_the_injected_sleep(
    make_client: MakeClient, fake: FakeAuthentik, sleeps: Any
) -> None:
    fake.fail("GET", f"^{VERSION}$", status=429, times=1, retry_after=1)
    make_client(retry=RetryPolicy()).version()
    assert sleeps.calls == [1.0]
    assert [r.status for r in fake.requests] == [429, 200]


def test_retry_after_waits_in_wall_time_with_the_default_sleep(
    make_client: MakeClient, fake: FakeAuthentik
) -> None:
    fake.fail("GET", f"^{VERSION}$", status=429, times=1, retry_after=1)
    started = time.monotonic()
    make_client(sleep=time.sleep, retry=RetryPolicy()).version()
    assert time.monotonic() - started >= 1.0


def test_retry_after_is_capped_by_the_policy(
    make_client: MakeClient, fake: FakeAuthentik, sleeps: Any
) -> None:
    fake.fail("GET", f"^{VERSION}$", status=429, times=1, retry_after=3600)
    make_client(retry=RetryPolicy(maximum=2.0)).version()
    assert sleeps.calls == [2.0]


def test_backoff_grows_exponentially_up_to_the_maximum(
    make_client: MakeClient, fake: FakeAuthentik, sleeps: Any
) -> None:
    fake.fail("GET", f"^{VERSION}$", status=503, times=4)
    policy = RetryPolicy(attempts=5, initial=0.5, maximum=2.0, jitter=0.0, total=60.0)
    make_client(retry=policy).version()
    assert sleeps.calls == [0.5, 1.0, 2.0, 2.0]


def test_jitter_adds_at_most_the_configured_spread(
    make_client: MakeClient, fake: FakeAuthentik, sleeps: Any
) -> None:
    fake.fail("GET", f"^{VERSION}$", status=503, times=3)
    make_client(retry=RetryPolicy(initial=1.0, maximum=8.0, jitter=0.5)).version()
    for base, waited in zip([1.0, 2.0, 4.0], sleeps.calls, strict=True):
        assert base <= waited <= base + 0.5


def test_each_retry_is_logged_as_a_warning(
    client: AuthentikClient, fake: FakeAuthentik, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail("GET", f"^{VERSION}$", status=503, times=1)
    with caplog.at_level(logging.WARNING, logger="provision.authentik"):
        client.version()
    (record,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert record.getMessage().startswith(f"GET {VERSION}: service unavailable; retry 1 of 4")


def test_bad_request_is_never_retried_and_shows_field_errors(
    client: AuthentikClient, fake: FakeAuthentik, provider_body: ProviderBody, sleeps: Any
) -> None:
    body = provider_body("Provider for Sonarr", "sonarr.test") | {"external_host": "not a url"}
    with pytest.raises(APIRejected) as caught:
        client.create_proxy_provider(body)
    assert caught.value.field_errors == {"external_host": ["Enter a valid URL."]}
    assert caught.value.exit_code == 65
    assert "external_host: Enter a valid URL." in str(caught.value)
    assert calls(fake) == [("POST", PROVIDERS)]
    assert sleeps.calls == []


def test_server_error_is_not_retried(
    client: AuthentikClient, fake: FakeAuthentik, sleeps: Any
) -> None:
    fake.fail("GET", f"^{VERSION}$", status=500, times=1)
    with pytest.raises(AuthentikError) as caught:
        client.version()
    assert not isinstance(caught.value, TransientAPIError)
    assert str(caught.value) == f"GET {VERSION}: server error (HTTP 500)"
    assert len(fake.requests) == 1
    assert sleeps.calls == []


def test_connection_refused_beyond_the_attempts_raises_transient(
    make_client: MakeClient, closed_port: int, sleeps: Any
) -> None:
    client = make_client(url=f"http://127.0.0.1:{closed_port}")
    with pytest.raises(TransientAPIError) as caught:
        client.version()
    assert "gave up after 5 attempts" in str(caught.value)
    assert caught.value.exit_code == 75
    assert client.request_count == 5
    assert len(sleeps.calls) == 4


def test_connection_refused_beyond_the_total_time_raises_transient(
    make_client: MakeClient, closed_port: int, sleeps: Any
) -> None:
    policy = RetryPolicy(attempts=100, initial=1.0, maximum=1.0, jitter=0.0, total=3.5)
    client = make_client(url=f"http://127.0.0.1:{closed_port}", retry=policy)
    with pytest.raises(TransientAPIError, match="cannot connect"):
        client.list_proxy_providers()
    # 1 + 1 + 1 s of waiting fits in 3.5 s; a fourth wait would not.
    assert sleeps.calls == [1.0, 1.0, 1.0]
    assert client.request_count == 4


def test_connection_refused_with_real_sleep_stays_within_budget(
    make_client: MakeClient, closed_port: int
) -> None:
    policy = RetryPolicy(attempts=50, initial=0.1, maximum=0.2, jitter=0.0, total=0.7)
    client = make_client(url=f"http://127.0.0.1:{closed_port}", retry=policy, sleep=time.sleep)
    started = time.monotonic()
    with pytest.raises(TransientAPIError):
        client.version()
    assert time.monotonic() - started < 2.0
    assert 2 <= client.request_count < 50


def test_read_timeout_is_retried(make_client: MakeClient, fake: FakeAuthentik, sleeps: Any) -> None:
    fake.fail("GET", f"^{VERSION}$", delay=1.0, times=1)
    client = make_client(timeout=0.3)
    assert client.version()["version_current"] == fake.version.name
    assert len(sleeps.calls) == 1
    assert client.request_count == 2


def test_timed_out_post_that_created_the_provider_makes_no_duplicate(
    client: AuthentikClient, fake: FakeAuthentik, provider_body: ProviderBody
) -> None:
    fake.fail("POST", f"^{PROVIDERS}$", drop=True, after=True, times=1)
    created = client.create_proxy_provider(provider_body("Provider for Sonarr", "sonarr.test"))
    assert [p["pk"] for p in fake.state.proxy_providers()] == [created["pk"]]
    assert calls(fake) == [("POST", PROVIDERS), ("GET", PROVIDERS)]
    assert fake.requests[1].query["name__iexact"] == "Provider for Sonarr"


def test_post_answered_late_after_creating_makes_no_duplicate(
    make_client: MakeClient, fake: FakeAuthentik, provider_body: ProviderBody
) -> None:
    fake.fail("POST", f"^{PROVIDERS}$", status=503, after=True, times=1)
    created = make_client().create_proxy_provider(provider_body("Provider for A", "a.test"))
    assert [p["name"] for p in fake.state.proxy_providers()] == ["Provider for A"]
    assert created["name"] == "Provider for A"
    assert [r.method for r in fake.writes()] == ["POST"]


def test_post_rejected_before_creating_is_sent_again(
    client: AuthentikClient, fake: FakeAuthentik, provider_body: ProviderBody
) -> None:
    fake.fail("POST", f"^{PROVIDERS}$", status=503, times=1)
    client.create_proxy_provider(provider_body("Provider for Sonarr", "sonarr.test"))
    assert calls(fake) == [("POST", PROVIDERS), ("GET", PROVIDERS), ("POST", PROVIDERS)]
    assert [p["name"] for p in fake.state.proxy_providers()] == ["Provider for Sonarr"]


def test_lost_application_create_makes_no_duplicate(
    client: AuthentikClient, fake: FakeAuthentik
) -> None:
    provider = fake.state.add_proxy_provider("Provider for Sonarr", "https://sonarr.test")
    fake.fail("POST", "^/api/v3/core/applications/$", drop=True, after=True, times=1)
    created = client.create_application(
        {"name": "Sonarr", "slug": "sonarr", "provider": provider["pk"]}
    )
    assert created["slug"] == "sonarr"
    assert [a["slug"] for a in fake.state.applications()] == ["sonarr"]
    assert calls(fake)[-1] == ("GET", "/api/v3/core/applications/sonarr/")


def test_lost_binding_create_makes_no_duplicate(
    client: AuthentikClient, fake: FakeAuthentik
) -> None:
    group = fake.state.add_group("media")
    app = fake.state.add_application("Sonarr", "sonarr")
    fake.fail("POST", "^/api/v3/policies/bindings/$", drop=True, after=True, times=1)
    created = client.create_policy_binding({"target": app["pk"], "group": group["pk"], "order": 0})
    assert [b["pk"] for b in fake.state.policy_bindings()] == [created["pk"]]
    assert [r.method for r in fake.writes()] == ["POST"]


def test_lost_delete_answer_then_404_counts_as_done(
    client: AuthentikClient, fake: FakeAuthentik
) -> None:
    provider = fake.state.add_proxy_provider("Provider for Sonarr", "https://sonarr.test")
    path = f"{PROVIDERS}{provider['pk']}/"
    fake.fail("DELETE", f"^{path}$", drop=True, after=True, times=1)
    client.delete_proxy_provider(provider["pk"])
    assert fake.state.proxy_providers() == []
    assert [(r.method, r.status) for r in fake.requests][-1] == ("DELETE", 404)


def test_first_delete_of_a_missing_object_is_not_found(client: AuthentikClient) -> None:
    with pytest.raises(NotFound):
        client.delete_application("never-existed")


def test_retry_policy_within_a_budget() -> None:
    assert RetryPolicy.within(5, 60.0) == RetryPolicy()
    small = RetryPolicy.within(3, 0.6)
    assert (small.attempts, small.maximum, small.total) == (3, 0.3, 0.6)
    assert small.initial == small.jitter == 0.6 / 20
