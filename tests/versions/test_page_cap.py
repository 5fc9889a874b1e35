"""The page cap the client asks for: the profile's, or from 2025.12 the admin setting it reads.

On 2026.2.2 and the 2026.8 build an admin lowered ``pagination_max_page_size`` to 50 (file 14):
a request for 1,000 then got 50 and ``next: 2``. The client reads the setting once with the
version, so it asks for what it will get and the count of pages is known in advance.
"""

from __future__ import annotations

import pytest
import requests
from pydantic import SecretStr

from provision.authentik.client import AuthentikClient
from provision.testing.fake_authentik import FakeAuthentik

TOKEN = "page-cap-token-5b2e"
SETTINGS = "/api/v3/admin/settings/"


def _providers(fake: FakeAuthentik, count: int) -> None:
    for n in range(count):
        fake.state.add_proxy_provider(f"cap-{n:03d}", f"https://cap{n:03d}.example.test")


@pytest.mark.parametrize(
    ("version", "cap", "pages"), [("2026.2.2", 50, 3), ("2026.8.0-rc1", 40, 3)]
)
def test_a_lowered_cap_is_read_and_followed(version: str, cap: int, pages: int) -> None:
    with FakeAuthentik(token=TOKEN, authentik_version=version) as fake:
        _providers(fake, 101)
        with requests.Session() as admin:
            admin.trust_env = False  # never a proxy from the environment
            lowered = admin.patch(
                fake.url + SETTINGS,
                json={"pagination_max_page_size": cap},
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=10,
            )
            assert lowered.status_code == 200
        client = AuthentikClient(fake.url, SecretStr(TOKEN))
        try:
            assert client.version_profile().page_size == cap
            fake.clear_log()
            assert len(client.list_proxy_providers()) == 101
        finally:
            client.close()
        asked = [r.query for r in fake.requests if r.path == "/api/v3/providers/proxy/"]
    assert [q["page_size"] for q in asked] == [str(cap)] * pages


@pytest.mark.parametrize("version", ["2024.12.5", "2025.10.3"])
def test_before_2025_12_no_setting_is_asked_for(version: str) -> None:
    with FakeAuthentik(token=TOKEN, authentik_version=version) as fake:
        client = AuthentikClient(fake.url, SecretStr(TOKEN))
        try:
            assert client.version_profile().page_size == 1000
        finally:
            client.close()
        assert SETTINGS not in [r.path for r in fake.requests]
