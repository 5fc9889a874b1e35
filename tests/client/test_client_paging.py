"""Paging: page_size 1000, one request per 1000 objects, never a page past the end."""

from __future__ import annotations

from provision.authentik import AuthentikClient
from provision.testing.fake_authentik import FakeAuthentik

PROVIDERS = "/api/v3/providers/proxy/"


def seed_providers(fake: FakeAuthentik, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        fake.state.add_proxy_provider(f"Provider for app{i:04d}", f"https://app{i:04d}.test")


def test_thousand_providers_take_exactly_one_request(
    client: AuthentikClient, fake: FakeAuthentik
) -> None:
    seed_providers(fake, 1000)
    fake.clear_log()
    providers = client.list_proxy_providers()
    assert len(providers) == 1000
    assert len({p["pk"] for p in providers}) == 1000
    (listing,) = fake.requests  # 1 request for 1,000 objects
    assert (listing.method, listing.path, listing.status) == ("GET", PROVIDERS, 200)
    assert listing.query == {"page_size": "1000"}


def test_thousand_and_one_providers_take_exactly_two_requests(
    client: AuthentikClient, fake: FakeAuthentik
) -> None:
    seed_providers(fake, 1001)
    fake.clear_log()
    providers = client.list_proxy_providers()
    assert len({p["pk"] for p in providers}) == 1001
    assert [(r.path, r.status) for r in fake.requests] == [(PROVIDERS, 200)] * 2  # 2 requests
    assert [r.query.get("page") for r in fake.requests] == [None, "2"]
    assert client.request_count == 2


def test_empty_list_takes_one_request(client: AuthentikClient, fake: FakeAuthentik) -> None:
    assert client.list_proxy_providers() == []
    assert [r.status for r in fake.requests] == [200]
