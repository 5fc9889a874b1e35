"""The token never leaves the Authorization header: not in logs, errors or reprs."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

import pytest

from provision.authentik import AuthentikClient, RetryPolicy
from provision.errors import AuthentikError
from provision.testing.fake_authentik import FakeAuthentik

MakeClient = Callable[..., AuthentikClient]
VERSION = "^/api/v3/admin/version/$"
QUICK = RetryPolicy(attempts=3, initial=0.01, maximum=0.02, jitter=0.0, total=5.0)


def exception_texts(exc: BaseException) -> list[str]:
    """Everything an error shows: text, args, repr and its whole chain, as a traceback."""
    texts = ["".join(traceback.format_exception(exc))]
    seen: BaseException | None = exc
    while seen is not None:
        texts += [str(seen), repr(seen), repr(seen.args)]
        seen = seen.__cause__ or seen.__context__
    return texts


def record_texts(records: list[logging.LogRecord]) -> list[str]:
    return [f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in records]


Scenario = Callable[[FakeAuthentik, MakeClient, int], None]


def wrong_token(fake: FakeAuthentik, make: MakeClient, port: int) -> None:
    make(token=fake.token + "-revoked").me()


def readonly_token(fake: FakeAuthentik, make: MakeClient, port: int) -> None:
    make(token=fake.readonly_token).list_proxy_providers()


def unavailable(fake: FakeAuthentik, make: MakeClient, port: int) -> None:
    fake.fail("GET", VERSION, status=503, times=10)
    make().version()


def rate_limited(fake: FakeAuthentik, make: MakeClient, port: int) -> None:
    fake.fail("GET", VERSION, status=429, times=10, retry_after=0)
    make().version()


def server_error(fake: FakeAuthentik, make: MakeClient, port: int) -> None:
    fake.fail("GET", VERSION, status=500)
    make().version()


def rejected(fake: FakeAuthentik, make: MakeClient, port: int) -> None:
    make().create_application({"name": "Bad", "slug": "Bad Slug!"})


def not_found(fake: FakeAuthentik, make: MakeClient, port: int) -> None:
    make().delete_proxy_provider(999999)


def wrong_url(fake: FakeAuthentik, make: MakeClient, port: int) -> None:
    make(url=fake.url + "/prefix").list_flows()


def refused(fake: FakeAuthentik, make: MakeClient, port: int) -> None:
    make(url=f"http://127.0.0.1:{port}").version()


def timed_out(fake: FakeAuthentik, make: MakeClient, port: int) -> None:
    fake.fail("GET", VERSION, delay=0.4, times=10)
    make(timeout=0.1).version()


def dropped(fake: FakeAuthentik, make: MakeClient, port: int) -> None:
    fake.fail("GET", VERSION, drop=True, times=10)
    make().version()


def dropped_create(fake: FakeAuthentik, make: MakeClient, port: int) -> None:
    fake.fail("POST", "^/api/v3/core/applications/$", drop=True, times=10)
    make().create_application({"name": "Sonarr", "slug": "sonarr"})


SCENARIOS: list[Scenario] = [
    wrong_token,
    readonly_token,
    unavailable,
    rate_limited,
    server_error,
    rejected,
    not_found,
    wrong_url,
    refused,
    timed_out,
    dropped,
    dropped_create,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_token_appears_in_no_log_record_error_or_repr(
    scenario: Scenario,
    *,
    fake: FakeAuthentik,
    make_client: MakeClient,
    closed_port: int,
    canary: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    made: list[AuthentikClient] = []

    def make(**kwargs: Any) -> AuthentikClient:
        kwargs.setdefault("retry", QUICK)
        made.append(make_client(**kwargs))
        return made[-1]

    with caplog.at_level(logging.DEBUG), pytest.raises(AuthentikError) as caught:
        scenario(fake, make, closed_port)

    secrets = [canary, fake.readonly_token]
    assert fake.token == canary
    assert any(r.name.startswith("urllib3") for r in caplog.records)  # debug logging was on
    shown = exception_texts(caught.value) + record_texts(caplog.records)
    shown += [repr(c) for c in made] + [str(c) for c in made]
    for secret in secrets:
        assert all(secret not in text for text in shown)


def test_successful_calls_log_no_token(
    client: AuthentikClient, canary: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        client.version()
        client.list_proxy_providers()
    assert caplog.records
    assert all(canary not in text for text in record_texts(caplog.records))
    assert canary not in repr(client)
    assert canary not in repr(vars(client))
