"""Paging per release: as many objects per request as the server allows, every page once,
never a page past the end (2025.10.3 honours 1,000; 2026.2.2 caps at 100)."""

from __future__ import annotations

import pytest

from provision.authentik import AuthentikClient
from provision.testing.fake_authentik import FakeAuthentik

ON_2025_10 = pytest.mark.parametrize("authentik_version", ["2025.10.3"], indirect=True)
ON_2026_2 = pytest.mark.parametrize("authentik_version", ["2026.2.2"], indirect=True)

PROVIDERS = "/api/v3/providers/proxy/"


def seed_providers(fake: FakeAuthentik, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        fake.state.add_proxy_provider(f"Provider for app{i:04d}", f"https://app{i:04d}.test")


@ON_2025_10
def test_thousand_providers_take_exactly_one_request(
    client: AuthentikClient, fake: FakeAuthentik
) -> None:
    seed_providers(fake, 1000)
    client.version_profile()
    fake.clear_log()
    providers = client.list_proxy_providers()
    assert len(providers) == 1000
    assert len({p["pk"] for p in providers}) == 1000
    (listing,) = fake.requests  # 1 request for 1,000 objects
    assert (listing.method, listing.path, listing.status) == ("GET", PROVIDERS, 200)
    assert listing.query == {"page_size": "1000"}


@ON_2025_10
def test_thousand_and_one_providers_take_exactly_two_requests(
    client: AuthentikClient, fake: FakeAuthentik
) -> None:
    seed_providers(fake, 1001)
    client.version_profile()
    fake.clear_log()
    providers = client.list_proxy_providers()
    assert len({p["pk"] for p in providers}) == 1001
    assert [(r.path, r.status) for r in fake.requests] == [(PROVIDERS, 200)] * 2  # 2 requests
    assert [r.query.get("page") for r in fake.requests] == [None, "2"]
    assert client.request_count == 3  # the version, then two pages


@ON_2026_2
def test_capped_pages_are_all_read_once_at_the_cap(
    client: AuthentikClient, fake: FakeAuthentik
) -> None:
    seed_providers(fake, 1000)
    assert client.version_profile().page_size == 100
    fake.clear_log()
    providers = client.list_proxy_providers()
    assert len({p["pk"] for p in providers}) == 1000
    assert {r.query["page_size"] for r in fake.requests} == {"100"}
    assert sorted(int(r.query.get("page", 1)) for r in fake.requests) == list(range(1, 11))
    assert {r.status for r in fake.requests} == {200}


@ON_2026_2
def test_without_the_profile_a_capped_server_is_still_read_whole(
    client: AuthentikClient, fake: FakeAuthentik
) -> None:
    seed_providers(fake, 150)  # asked for 1,000 per page, the server answers 100: follow next
    assert len({p["pk"] for p in client.list_proxy_providers()}) == 150
    assert len(fake.requests) == 2


def test_empty_list_takes_one_request(client: AuthentikClient, fake: FakeAuthentik) -> None:
    assert client.list_proxy_providers() == []
    assert [r.status for r in fake.requests] == [200]
