"""Reading every page of an Authentik list endpoint, as few round trips apart as possible.

Authentik pages by number: ``pagination`` carries ``next`` (0 = none), ``current`` and
``total_pages`` (DESIGN §7). Releases cap the page size differently (2026.2.2: 100), so a list
can take several pages; after the first, the rest are asked for at once, a few at a time, and
each answer is checked. A server whose pages do not add up is read again page by page, and
a paging that never ends is an error naming the endpoint (``answers.next_page``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from provision.authentik import answers
from provision.errors import MalformedAnswerError

JSONObject = dict[str, Any]
Get = Callable[[Mapping[str, Any]], Any]  # one GET of the endpoint with these query params

PARALLEL_PAGES = 3  # pages in flight at once for one list (lists of several kinds run together)


def read_all_pages(
    get: Get, path: str, params: Mapping[str, Any], page_size: int
) -> list[JSONObject]:
    """Every result of the list endpoint ``path``.

    Args:
        get: sends one GET with the given query and returns the decoded answer.
        path: the endpoint, for error messages.
        params: the list's own filters.
        page_size: the page size to ask for.
    """
    query = {**params, "page_size": page_size}
    first = get(query)
    results = answers.page_results(first, path)
    following = answers.next_page(first, 1, path)
    if following is None:
        return results
    total = first["pagination"].get("total_pages")
    if type(total) is not int or following != 2:
        return _one_by_one(get, query, path, results, following)
    if total > answers.MAX_PAGES:
        raise MalformedAnswerError(
            f"pagination claims {total} pages (more than {answers.MAX_PAGES})", path=path
        )
    pages = range(2, total + 1)
    with ThreadPoolExecutor(max_workers=PARALLEL_PAGES) as pool:
        rest = list(pool.map(lambda number: get({**query, "page": number}), pages))
    for number, answer in zip(pages, rest, strict=True):
        results.extend(answers.page_results(answer, path))
        expected = None if number == total else number + 1
        if answers.next_page(answer, number, path) != expected:
            # Objects came or went while the pages were read: read them again in order.
            return _one_by_one(get, query, path, [], 1)
    return results


def _one_by_one(
    get: Get, query: Mapping[str, Any], path: str, results: list[JSONObject], number: int | None
) -> list[JSONObject]:
    """Page ``number`` and after, following ``next``; ``answers.next_page`` bounds the loop."""
    while number is not None:
        answer = get({**query, "page": number} if number > 1 else query)
        results.extend(answers.page_results(answer, path))
        number = answers.next_page(answer, number, path)
    return results
