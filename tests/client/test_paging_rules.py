"""The paging rules on their own: every page read once, broken paginations refused, no loop."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from provision.authentik.paging import read_all_pages
from provision.errors import AuthentikError

PATH = "/api/v3/providers/proxy/"


class PagedList:
    """A list endpoint over ``items`` that pages like Authentik; ``mutate`` runs per request."""

    def __init__(self, items: list[int], cap: int) -> None:
        self.items = items
        self.cap = cap
        self.asked: list[int] = []

    def __call__(self, query: Mapping[str, Any]) -> dict[str, Any]:
        size = min(int(query["page_size"]), self.cap)
        number = int(query.get("page", 1))
        self.asked.append(number)
        total = max(1, -(-len(self.items) // size))
        chunk = self.items[(number - 1) * size : number * size]
        return {
            "pagination": {
                "next": number + 1 if number < total else 0,
                "current": number,
                "total_pages": total,
                "count": len(self.items),
            },
            "results": chunk,
        }


def test_every_page_is_read_once_and_in_order() -> None:
    endpoint = PagedList(list(range(250)), cap=100)
    assert read_all_pages(endpoint, PATH, {}, 1000) == list(range(250))
    assert sorted(endpoint.asked) == [1, 2, 3]


def test_one_page_is_one_request() -> None:
    endpoint = PagedList(list(range(100)), cap=100)
    assert read_all_pages(endpoint, PATH, {}, 100) == list(range(100))
    assert endpoint.asked == [1]


def test_a_list_that_grows_while_read_is_read_again_in_order() -> None:
    endpoint = PagedList(list(range(150)), cap=100)
    original = endpoint.__call__

    def growing(query: Mapping[str, Any]) -> dict[str, Any]:
        if query.get("page") == 2 and len(endpoint.items) == 150:
            endpoint.items.extend(range(150, 260))  # someone adds objects between two pages
        return original(query)

    assert read_all_pages(growing, PATH, {}, 100) == list(range(260))


@pytest.mark.parametrize(
    "answer",
    [
        {"pagination": {"next": 1, "total_pages": 5}, "results": [1]},  # does not advance
        {"pagination": {"next": "2", "total_pages": 5}, "results": [1]},  # not a number
        {"pagination": {"next": 2, "total_pages": 10**9}, "results": [1]},  # absurd total
        {"pagination": {"next": 0}, "results": "everything"},  # results not a list
        {"results": []},  # no pagination
        ["not", "a", "page"],
    ],
)
def test_a_broken_pagination_is_an_error_naming_the_endpoint(answer: Any) -> None:
    with pytest.raises(AuthentikError, match=f"GET {PATH}: malformed list answer"):
        read_all_pages(lambda query: answer, PATH, {}, 100)


def test_a_next_that_never_ends_is_bounded() -> None:
    def endless(query: Mapping[str, Any]) -> dict[str, Any]:
        number = int(query.get("page", 1))
        # Claims two pages at first, then keeps pointing one page further.
        return {"pagination": {"next": number + 1, "total_pages": 2}, "results": [number]}

    with pytest.raises(AuthentikError, match="more than 10000 pages"):
        read_all_pages(endless, PATH, {}, 100)
