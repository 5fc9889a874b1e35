"""A broken or hostile server: every malformed answer is a typed error naming the endpoint,
every paging loop ends, and nothing of it exits 75 (systemd would restart it forever)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from provision.authentik import AuthentikClient, RetryPolicy, answers
from provision.authentik.transport import PAGE_SIZE
from provision.errors import MalformedAnswerError, WrongServerError
from tests.support.scripted import Answer, html_answer, json_answer, scripted_server

GROUPS = "/api/v3/core/groups/"
FAST = RetryPolicy(attempts=2, initial=0.01, maximum=0.01, jitter=0.0, total=1.0)


def _page(results: Any, **pagination: Any) -> dict[str, Any]:
    return {"pagination": {"next": 0, "total_pages": 1, **pagination}, "results": results}


def _list_groups(answer: Any) -> tuple[Exception, list[str]]:
    script = answer if callable(answer) else (lambda path, query: json_answer(answer))
    with scripted_server(script) as (url, seen):
        client = AuthentikClient(url, SecretStr("hostile-canary"), retry=FAST)
        with pytest.raises((MalformedAnswerError, WrongServerError)) as caught:
            client.list_groups()
        client.close()
    assert "hostile-canary" not in str(caught.value)
    return caught.value, seen


def _endless(path: str, query: dict[str, str]) -> Answer:
    page = int(query.get("page", "1"))
    return json_answer(_page([{"pk": str(page)}], next=page + 1, total_pages=None))


def _absurd(path: str, query: dict[str, str]) -> Answer:
    page = int(query.get("page", "1"))
    return json_answer(_page([{"pk": str(page)}], next=page + 1, total_pages=10**9))


WRONG_SHAPES = {
    "a string instead of a page": "hello",
    "a list instead of a page": [{"pk": "1"}],
    "results not a list": {"pagination": {"next": 0}, "results": "x"},
    "an item that is a string": _page(["x"]),
    "an item without pk": _page([{"name": "admins"}]),
    "pagination missing": {"results": []},
    "next not a number": _page([], next="2"),
    "next going back": _page([], next=1),
    "next beyond total_pages": _page([], next=5, total_pages=2),
}


@pytest.mark.parametrize("case", sorted(WRONG_SHAPES))
def test_wrong_shape_is_a_typed_error_naming_the_endpoint(case: str) -> None:
    error, seen = _list_groups(WRONG_SHAPES[case])
    assert isinstance(error, MalformedAnswerError)
    assert error.exit_code == 65
    assert f"GET {GROUPS}: " in str(error)
    assert "authentik.url" in str(error)  # the remedy
    assert len(seen) == 1  # not retried: a malformed answer does not heal


def test_pagination_that_never_ends_stops_at_the_page_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(answers, "MAX_PAGES", 20)
    error, seen = _list_groups(_endless)
    assert isinstance(error, MalformedAnswerError)
    assert "pagination does not advance within bounds (page 20, next 21" in str(error)
    assert len(seen) == 20


def test_a_pagination_claiming_absurdly_many_pages_is_refused_at_once() -> None:
    error, seen = _list_groups(_absurd)
    assert isinstance(error, MalformedAnswerError)
    assert "pagination claims 1000000000 pages" in str(error)
    assert len(seen) == 1


def test_the_page_limit_holds_a_million_objects() -> None:
    assert answers.MAX_PAGES * PAGE_SIZE >= 1_000_000


def test_an_html_answer_means_a_wrong_url() -> None:
    error, seen = _list_groups(lambda path, query: html_answer())
    assert isinstance(error, WrongServerError)
    assert error.exit_code == 78
    assert "authentik.url does not lead to Authentik's API" in str(error)
    assert seen == [f"{GROUPS}?include_users=false&page_size=1000"]


def test_unknown_extra_fields_keep_working() -> None:
    body = _page([{"pk": "1", "name": "admins", "new_in_2030": {"x": [1]}}], extra="yes")
    body["autocomplete"] = {}
    body["something_else"] = [1, 2]
    with (
        scripted_server(lambda path, query: json_answer(body)) as (url, _),
        AuthentikClient(url, SecretStr("t"), retry=FAST) as client,
    ):
        assert client.list_groups() == body["results"]
