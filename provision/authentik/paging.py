"""Reading every page of an Authentik list endpoint, as few round trips apart as possible.

Authentik pages by number: ``pagination`` carries ``next`` (0 = none), ``current`` and
``total_pages`` (DESIGN §7). Releases cap the page size differently (2026.2.2: 100), so a list
can take several pages; after the first, the rest are asked for at once, a few at a time,
and each answer is checked. A server whose pages do not add up is an error naming the
endpoint, never an endless loop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from provision.errors import AuthentikError

JSONObject = dict[str, Any]
Get = Callable[[Mapping[str, Any]], Any]  # one GET of the endpoint with these query params

MAX_PAGES = 10_000  # 1,000,000 objects at the smallest cap seen; far beyond any real install
PARALLEL_PAGES = 3  # pages in flight at once for one list (lists of several kinds run together)


def read_all_pages(get: Get, path: str, params: Mapping[str, Any], page_size: int) -> list[Any]:
    """Every result of the list endpoint ``path``.

    Args:
        get: sends one GET with the given query and returns the decoded answer.
        path: the endpoint, for error messages.
        params: the list's own filters.
        page_size: the page size to ask for.
    """
    query = {**params, "page_size": page_size}
    first = _page(get(query), path, 1)
    results = list(first["results"])
    following = _next(first, path, 1)
    if following == 0:
        return results
    total = _int(first["pagination"].get("total_pages"), path, "total_pages")
    if not 1 < total <= MAX_PAGES or following != 2:
        raise _broken(path, f"pagination says next page {following} of {total}")
    pages = range(2, total + 1)
    with ThreadPoolExecutor(max_workers=PARALLEL_PAGES) as pool:
        answers = list(pool.map(lambda number: get({**query, "page": number}), pages))
    for number, answer in zip(pages, answers, strict=True):
        page = _page(answer, path, number)
        results.extend(page["results"])
        expected = 0 if number == total else number + 1
        if _next(page, path, number) != expected:
            # Objects came or went while the pages were read: read them again in order.
            return _one_by_one(get, query, path)
    return results


def _one_by_one(get: Get, query: Mapping[str, Any], path: str) -> list[Any]:
    results: list[Any] = []
    number = 1
    for _ in range(MAX_PAGES):
        page = _page(get({**query, "page": number}), path, number)
        results.extend(page["results"])
        number = _next(page, path, number)
        if number == 0:
            return results
    raise _broken(path, f"more than {MAX_PAGES} pages")


def _page(answer: Any, path: str, number: int) -> JSONObject:
    if (
        not isinstance(answer, dict)
        or not isinstance(answer.get("results"), list)
        or not isinstance(answer.get("pagination"), dict)
    ):
        raise _broken(path, f"page {number} is not a page of results")
    return answer


def _next(page: JSONObject, path: str, number: int) -> int:
    following = _int(page["pagination"].get("next", 0), path, "next")
    if following != 0 and following <= number:
        raise _broken(path, f"pagination does not advance (page {number} says next {following})")
    return following


def _int(value: Any, path: str, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _broken(path, f"pagination.{name} is {value!r}, not a page number")
    return value


def _broken(path: str, reason: str) -> AuthentikError:
    return AuthentikError(f"malformed list answer: {reason}", method="GET", path=path)
