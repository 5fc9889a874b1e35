"""The paging rules on their own: every page read once, broken paginations refused, no loop."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from provision.authentik.paging import read_all_pages
from provision.errors import MalformedAnswerError

PATH = "/api/v3/providers/proxy/"


def pks(results: list[dict[str, Any]]) -> list[int]:
    return [r["pk"] for r in results]


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
        chunk = [{"pk": i} for i in self.items[(number - 1) * size : number * size]]
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
    assert pks(read_all_pages(endpoint, PATH, {}, 1000)) == list(range(250))
    assert sorted(endpoint.asked) == [1, 2, 3]


def test_one_page_is_one_request() -> None:
    endpoint = PagedList(list(range(100)), cap=100)
    assert pks(read_all_pages(endpoint, PATH, {}, 100)) == list(range(100))
    assert endpoint.asked == [1]


def test_a_list_that_grows_while_read_is_read_again_in_order() -> None:
    endpoint = PagedList(list(range(150)), cap=100)
    original = endpoint.__call__

    def growing(query: Mapping[str, Any]) -> dict[str, Any]:
        if query.get("page") == 2 and len(endpoint.items) == 150:
            endpoint.items.extend(range(150, 260))  # someone adds objects between two pages
        return original(query)

    assert pks(read_all_pages(growing, PATH, {}, 100)) == list(range(260))


@pytest.mark.parametrize(
    "answer",
    [
        {"pagination": {"next": 1, "total_pages": 5}, "results": [1]},  # does not advance
        {"pagination": {"next": "2", "total_pages": 5}, "results": [1]},  # not a number
        {"pagination": {"next": 2, "total_pages": 10**9}, "results": [1]},  # absurd total
        {"pagination": {"next": 0}, "results": "everything"},  # results not a list
        {"pagination": {"next": 0}, "results": [{"name": "no pk"}]},  # an item without pk
        {"results": []},  # no pagination
        ["not", "a", "page"],
    ],
)
def test_a_broken_pagination_is_an_error_naming_the_endpoint(answer: Any) -> None:
    with pytest.raises(MalformedAnswerError, match=f"GET {PATH}: "):
        read_all_pages(lambda query: answer, PATH, {}, 100)


def test_a_next_that_never_ends_is_bounded() -> None:
    asked: list[int] = []

    def endless(query: Mapping[str, Any]) -> dict[str, Any]:
        number = int(query.get("page", 1))
        asked.append(number)
        # Claims two pages at first, then keeps pointing one page further.
        return {"pagination": {"next": number + 1, "total_pages": 2}, "results": [{"pk": 1}]}

    with pytest.raises(MalformedAnswerError, match="does not advance within bounds"):
        read_all_pages(endless, PATH, {}, 100)
    assert len(asked) <= 3
