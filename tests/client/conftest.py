"""Fixtures for the Authentik client tests: a real fake Authentik on loopback, clients for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from provision.authentik import AuthentikClient, RetryPolicy
from provision.testing.fake_authentik import FakeAuthentik
from tests.support import free_port

# A distinctive value, so a leak anywhere (logs, messages, reprs) is found by a plain search.
CANARY_TOKEN = "canary-7d1f0c9a3b5e4f2a8c6d"

QUICK_RETRY = RetryPolicy(attempts=5, initial=0.01, maximum=0.05, jitter=0.0, total=5.0)


class RecordingSleep:
    """Stands in for ``time.sleep``: records each wait instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


MakeClient = Callable[..., AuthentikClient]


@pytest.fixture(scope="session")
def authentik_token() -> str:
    return CANARY_TOKEN


@pytest.fixture
def fake(fake_authentik: FakeAuthentik) -> FakeAuthentik:
    """The plugin's fake (``authentik_version`` picks its release), with the canary token."""
    return fake_authentik


@pytest.fixture
def sleeps() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def make_client(fake: FakeAuthentik, sleeps: RecordingSleep) -> Iterator[MakeClient]:
    made: list[AuthentikClient] = []

    def make(token: str | None = CANARY_TOKEN, url: str | None = None, **kwargs: Any) -> Any:
        kwargs.setdefault("sleep", sleeps)
        kwargs.setdefault("timeout", 5.0)
        kwargs.setdefault("retry", QUICK_RETRY)
        secret = SecretStr(token) if token is not None else None
        client = AuthentikClient(url or fake.url, secret, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> AuthentikClient:
    return make_client()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    return free_port()


@pytest.fixture
def canary() -> str:
    """The superuser token of ``fake``; it must never show up outside a request header."""
    return CANARY_TOKEN


def _flow_pk(fake: FakeAuthentik, slug: str) -> str:
    return next(str(f["pk"]) for f in fake.state.flows() if f["slug"] == slug)


ProviderBody = Callable[[str, str], dict[str, Any]]


@pytest.fixture
def provider_body(fake: FakeAuthentik) -> ProviderBody:
    """Builds a valid forward_single provider body, as the applier would send it."""

    def body(name: str, host: str) -> dict[str, Any]:
        return {
            "name": name,
            "mode": "forward_single",
            "external_host": f"https://{host}",
            "authorization_flow": _flow_pk(fake, "default-provider-authorization-implicit-consent"),
            "invalidation_flow": _flow_pk(fake, "default-provider-invalidation-flow"),
        }

    return body
