"""Authentik's answers checked and mapped once into the project's error tree: error statuses,
and the shape of list pages (``results`` of objects with a ``pk``, a bounded ``pagination``).

Auth failures are 403 with three ``detail`` texts (transcript 06, 04d); field errors are DRF's
``{"field": ["message", ...]}`` (02, 04a); an unknown path is an HTML 404 page (06).
"""

from __future__ import annotations

from typing import Any

import requests

from provision.errors import (
    APIRejected,
    AuthentikError,
    AuthError,
    MalformedAnswerError,
    NotFound,
    ServerError,
    WrongServerError,
)

JSONObject = dict[str, Any]
MAX_PAGES = 1000  # a million objects of one kind: beyond this the paging is broken
NO_SUCH_PATH = (
    "not found (wrong URL or path? authentik.url is the server's base address, without /api/v3)"
)
AUTH_MESSAGES = {
    "Authentication credentials were not provided.": "no token provided",
    "Token invalid/expired": "token rejected: Token invalid/expired",
    "Unsupported authentication type": "token rejected: Unsupported authentication type",
    "You do not have permission to perform this action.": (
        "token lacks permission for this (needs a superuser token)"
    ),
}


def json_body(response: requests.Response) -> Any:
    if "json" not in response.headers.get("Content-Type", ""):
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _detail(body: Any) -> str | None:
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail[:200] if isinstance(detail, str) else None  # keep messages one short line


def error_for(method: str, path: str, response: requests.Response) -> AuthentikError:
    """The error for a non-2xx answer that is not worth retrying."""
    status = response.status_code
    body = json_body(response)
    detail = _detail(body)
    where: dict[str, Any] = {"method": method, "path": path, "status": status}
    if status in (401, 403):
        message = AUTH_MESSAGES.get(detail or "", f"access denied: {detail or 'no reason given'}")
        return AuthError(message, **where)
    if status == 404:
        return NotFound(f"not found: {detail}" if detail else NO_SUCH_PATH, **where)
    if status == 400:
        return APIRejected(field_errors(body), **where)
    if status in (405, 415):
        # Authentik refused the request as sent (405 without a body: a missing trailing slash).
        return APIRejected(
            {"detail": [detail or "method not allowed (wrong URL or path?)"]}, **where
        )
    return _other_status(where)


def _other_status(where: dict[str, Any]) -> AuthentikError:
    status = where["status"]
    if 300 <= status < 400:
        message = "answer is a redirect: set authentik.url to the address Authentik answers at"
        return WrongServerError(message, **where)
    if status >= 500:
        return ServerError("server error", **where)  # never echo a 5xx page
    return AuthentikError("unexpected answer", **where)


def field_errors(body: Any) -> dict[str, list[str]]:
    """Authentik's 400 body as ``{field: [message, ...]}``, nested errors flattened."""
    if isinstance(body, dict):
        return {str(key): _messages(value) for key, value in body.items()}
    if isinstance(body, list):
        return {"non_field_errors": _messages(body)}
    return {"non_field_errors": ["rejected without details"]}


def _messages(value: Any) -> list[str]:
    if isinstance(value, list):
        return [message for item in value for message in _messages(item)]
    if isinstance(value, dict):
        return [f"{key}: {m}" for key, item in value.items() for m in _messages(item)]
    return [str(value)]


def page_results(body: Any, path: str) -> list[JSONObject]:
    """The ``results`` of one page; each must be an object with a ``pk``."""
    results = body.get("results") if isinstance(body, dict) else None
    if not isinstance(results, list):
        raise MalformedAnswerError("answer is not a page of results", path=path)
    for index, item in enumerate(results):
        if not isinstance(item, dict) or "pk" not in item:
            raise MalformedAnswerError(f"results[{index}] is not an object with a pk", path=path)
    return results


def next_page(body: JSONObject, page: int, path: str) -> int | None:
    """The page after ``page``, or ``None`` at the end (``next`` is 0)."""
    pagination = body.get("pagination")
    following = pagination.get("next") if isinstance(pagination, dict) else None
    if type(following) is not int:
        raise MalformedAnswerError("answer has no pagination.next page number", path=path)
    if following == 0:
        return None
    total = pagination.get("total_pages") if isinstance(pagination, dict) else None
    last = min(total, MAX_PAGES) if type(total) is int else MAX_PAGES
    if following <= page or following > last:
        raise MalformedAnswerError(
            f"pagination does not advance within bounds (page {page}, next {following},"
            f" at most {last} pages)",
            path=path,
        )
    return following
