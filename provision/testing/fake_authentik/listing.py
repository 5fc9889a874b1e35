"""List endpoints: Authentik's pagination object, search, ordering and ``__iexact`` filters."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .routing import ApiResponse, detail
from .versions import AuthentikVersion


@dataclass(frozen=True)
class Page:
    """One page of a list, numbered from 1 like Django's paginator."""

    number: int
    size: int
    count: int
    items: Sequence[Any]

    @property
    def total_pages(self) -> int:
        return max(1, math.ceil(self.count / self.size))

    def pagination(self) -> dict[str, int]:
        """The ``pagination`` object: page numbers, 0 meaning none."""
        has_next = self.number < self.total_pages
        start = (self.number - 1) * self.size + 1 if self.count else 0
        end = min(self.number * self.size, self.count) if self.count else 0
        return {
            "next": self.number + 1 if has_next else 0,
            "previous": self.number - 1 if self.number > 1 else 0,
            "count": self.count,
            "current": self.number,
            "total_pages": self.total_pages,
            "start_index": start,
            "end_index": end,
        }


def page_size(version: AuthentikVersion, query: Mapping[str, str]) -> int:
    """``page_size`` honoured up to the release's cap; anything unusable means its default."""
    text = query.get("page_size", "")
    if not text.strip().isdigit() or int(text) <= 0:
        return version.default_page_size
    return min(int(text), version.max_page_size)


def paginate(
    version: AuthentikVersion, items: Sequence[Any], query: Mapping[str, str]
) -> Page | ApiResponse:
    """The requested page, or Authentik's 404 ``Invalid page.``."""
    size = page_size(version, query)
    total = max(1, math.ceil(len(items) / size))
    text = query.get("page", "1").strip()
    number = total if text == "last" else int(text) if text.isdigit() else 0
    if number < 1 or number > total:
        return detail(404, "Invalid page.")
    start = (number - 1) * size
    return Page(number, size, len(items), items[start : start + size])


def page_body(
    version: AuthentikVersion, page: Page, results: list[Any], autocomplete: Any = None
) -> dict[str, Any]:
    body = {"pagination": page.pagination(), "results": results}
    if version.list_autocomplete:
        body["autocomplete"] = autocomplete if autocomplete is not None else {}
    return body


def listing(
    version: AuthentikVersion,
    items: Sequence[Any],
    query: Mapping[str, str],
    render: Callable[[Any], Any],
    autocomplete: Any = None,
) -> ApiResponse:
    """A paginated 200 answer for ``items`` (already filtered and ordered)."""
    page = paginate(version, items, query)
    if isinstance(page, ApiResponse):
        return page
    return ApiResponse(
        200, page_body(version, page, [render(item) for item in page.items], autocomplete)
    )


def search(
    items: Iterable[dict[str, Any]], term: str, fields: Callable[[dict[str, Any]], Iterable[Any]]
) -> list[dict[str, Any]]:
    """DRF's search: every word of ``term`` is in one of the object's ``fields``, any case."""
    words = term.replace(",", " ").split()
    matched = []
    for item in items:
        haystack = [str(value).casefold() for value in fields(item) if value is not None]
        if all(any(word.casefold() in text for text in haystack) for word in words):
            matched.append(item)
    return matched


def iexact(
    items: Iterable[dict[str, Any]], query: Mapping[str, str], fields: Sequence[str]
) -> list[dict[str, Any]]:
    """Apply each ``<field>__iexact`` filter of ``query`` that names one of ``fields``."""
    kept = list(items)
    for name in fields:
        wanted = query.get(f"{name}__iexact")
        if wanted is not None:
            kept = [i for i in kept if str(_text(i.get(name))).casefold() == wanted.casefold()]
    return kept


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def ordered(
    items: Iterable[dict[str, Any]], query: Mapping[str, str], default: Sequence[str]
) -> list[dict[str, Any]]:
    """Sort by ``ordering`` (fields the objects have, ``-`` for descending) or ``default``."""
    result = list(items)
    requested = [f.strip() for f in query.get("ordering", "").split(",") if f.strip()]
    known = [f for f in requested if result and f.lstrip("-") in result[0]]
    for name in reversed(known or list(default)):
        key = functools.partial(_sort_key, name.lstrip("-"))
        result.sort(key=key, reverse=name.startswith("-"))
    return result


def _sort_key(field: str, item: dict[str, Any]) -> tuple[int, Any]:
    # NULLs sort last, as in PostgreSQL; names compare by code point (the server's collation).
    value = item.get(field)
    if value is None:
        return (1, "")
    if isinstance(value, bool | int | float):
        return (0, float(value))
    return (0, str(value))
