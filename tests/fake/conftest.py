"""Fixtures of the fake's own tests: a running fake and an API session for it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from provision.testing.fake_authentik import FakeAuthentik

TOKEN = "fake-server-test-token-3c1e"  # distinctive, so a leak is found by a plain search


@pytest.fixture(scope="session")
def authentik_token() -> str:
    return TOKEN


@pytest.fixture
def fake(fake_authentik: FakeAuthentik) -> FakeAuthentik:
    """The plugin's fake (``authentik_version`` picks its release)."""
    return fake_authentik


@pytest.fixture
def api(fake: FakeAuthentik, authentik_api: requests.Session) -> requests.Session:
    """A session sending the superuser token, never through a proxy from the environment."""
    return authentik_api


ProviderBody = Callable[[str, str], dict[str, Any]]


@pytest.fixture
def provider_body(fake: FakeAuthentik) -> ProviderBody:
    """Builds a valid forward_single provider body with the fake's default flows."""
    flows = {flow["slug"]: flow["pk"] for flow in fake.state.flows()}

    def body(name: str, host: str) -> dict[str, Any]:
        return {
            "name": name,
            "mode": "forward_single",
            "external_host": f"https://{host}",
            "authorization_flow": flows["default-provider-authorization-implicit-consent"],
            "invalidation_flow": flows["default-provider-invalidation-flow"],
        }

    return body
