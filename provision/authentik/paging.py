"""Reading every page of an Authentik list endpoint, as few round trips apart as possible.

Authentik pages by number: ``pagination`` carries ``next`` (0 = none), ``current``,
``total_pages`` and ``count`` (docs/authentik.md). Releases cap the page size differently (2026.2.2:
100), so a list can take several pages; after the first, the rest are asked for at once, a
few at a time, and each answer is checked. Objects added or removed while the pages are read
shift them: one object can be listed on two pages, another on none. So the pages must agree
(the same ``count`` on each, as many distinct pks as it says, each ``next`` where expected);
if they do not, the list is read once more, page by page, and if that disagrees too the
read fails (65). Each object is returned once by pk: listed twice, it is still one object.
A paging that never ends is an error naming the endpoint (``answers.next_page``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from provision.authentik import answers
from provision.authentik.answers import JSONObject
from provision.errors import AuthentikError, MalformedAnswerError

log = logging.getLogger(__name__)

Get = Callable[[Mapping[str, Any]], Any]  # one GET of the endpoint with these query params
Pages = list[JSONObject]  # the answers of one reading of a list, each checked

PARALLEL_PAGES = 3  # pages in flight at once for one list (lists of several kinds run together)


def read_all_pages(
    get: Get, path: str, params: Mapping[str, Any], page_size: int
) -> list[JSONObject]:
    """Every result of the list endpoint ``path``, each pk once.

    Args:
        get: sends one GET with the given query and returns the decoded answer.
        path: the endpoint, for error messages.
        params: the list's own filters.
        page_size: the page size to ask for.

    Raises:
        AuthentikError: the pages disagreed on two readings (the list kept changing).
    """
    query = {**params, "page_size": page_size}
    listed = _agreeing(_read_at_once(get, path, query), path)
    if listed is None:
        log.info("the pages of %s changed while they were read; reading them again", path)
        listed = _agreeing(_read_in_order(get, path, query, [], 1), path)
    if listed is None:
        raise AuthentikError(
            "the list changed while its pages were read, twice in a row (objects added or"
            " removed meanwhile); run again once nobody is editing",
            method="GET",
            path=path,
        )
    return listed


def _read_at_once(get: Get, path: str, query: Mapping[str, Any]) -> Pages | None:
    """The first page, then the others at once; None when a ``next`` is not where expected."""
    first = get(query)
    answers.page_results(first, path)
    following = answers.next_page(first, 1, path)
    if following is None:
        return [first]
    total = first["pagination"].get("total_pages")
    if type(total) is not int or following != 2:
        return _read_in_order(get, path, query, [first], following)
    if total > answers.MAX_PAGES:
        raise MalformedAnswerError(
            f"pagination claims {total} pages (more than {answers.MAX_PAGES})", path=path
        )
    pages = range(2, total + 1)
    with ThreadPoolExecutor(max_workers=PARALLEL_PAGES) as pool:
        rest = list(pool.map(lambda number: get({**query, "page": number}), pages))
    for number, answer in zip(pages, rest, strict=True):
        answers.page_results(answer, path)
        expected = None if number == total else number + 1
        if answers.next_page(answer, number, path) != expected:
            return None  # objects came or went while the pages were read
    return [first, *rest]


def _read_in_order(
    get: Get, path: str, query: Mapping[str, Any], pages: Pages, number: int | None
) -> Pages:
    """Page ``number`` and after, following ``next``; ``answers.next_page`` bounds the loop."""
    while number is not None:
        answer = get({**query, "page": number} if number > 1 else query)
        answers.page_results(answer, path)
        pages.append(answer)
        number = answers.next_page(answer, number, path)
    return pages


def _agreeing(pages: Pages | None, path: str) -> list[JSONObject] | None:
    """The results, each pk once, if the pages agree with each other; else None.

    Every page states the list's ``count``: when they differ, or when the distinct pks are not
    that many, objects came or went between two pages. An answer without a ``count`` is
    taken as it is (nothing to compare).
    """
    if pages is None:
        return None
    once: dict[str, JSONObject] = {}
    for page in pages:
        for result in answers.page_results(page, path):
            once[str(result["pk"])] = result  # the later answer is the newer
    counts = {page["pagination"].get("count") for page in pages}
    if any(type(count) is not int for count in counts):
        return list(once.values())
    return list(once.values()) if counts == {len(once)} else None
