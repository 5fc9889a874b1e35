"""Authentik's answers checked and mapped once into the project's error tree: error statuses,
the shape of list pages (``results`` of objects with a ``pk``, a bounded ``pagination``), and
of every object whose fields are read raw (``Shape``).

Auth failures are 403 with three ``detail`` texts (transcript 06, 04d); field errors are DRF's
``{"field": ["message", ...]}`` (02, 04a); an unknown path is an HTML 404 page (06), so a 404
that is not JSON means a wrong ``authentik.url`` (78). Every 2xx but 204 carries JSON in the
recordings: an answer that is not JSON (an empty body too) is a wrong URL as well, while
``null`` or JSON of another shape is malformed (65).
"""

from __future__ import annotations

from typing import Any, Final

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


class _NotJSON:
    """The body of an answer that is not JSON (an empty body included)."""

    def __repr__(self) -> str:
        return "NOT_JSON"


NOT_JSON: Final = _NotJSON()


def json_body(response: requests.Response) -> Any:
    """The decoded JSON body (``None`` for a JSON ``null``), or ``NOT_JSON``."""
    if "json" not in response.headers.get("Content-Type", ""):
        return NOT_JSON
    try:
        return response.json()
    except ValueError:
        return NOT_JSON


def an_object(body: Any, method: str, path: str, shape: Shape | None = None) -> JSONObject:
    """``body`` if it is a JSON object, as every detail, create and update answers, with the
    fields of ``shape`` when given."""
    if not isinstance(body, dict):
        raise MalformedAnswerError(
            f"answer is {_kind(body)}, not an object", method=method, path=path
        )
    return body if shape is None else shaped(body, shape, method, path)


def objects(body: Any, method: str, path: str) -> list[JSONObject]:
    """``body`` if it is a JSON list of objects (the outpost's health)."""
    if not isinstance(body, list):
        raise MalformedAnswerError(f"answer is {_kind(body)}, not a list", method=method, path=path)
    for index, item in enumerate(body):
        if not isinstance(item, dict):
            message = f"answer[{index}] is {_kind(item)}, not an object"
            raise MalformedAnswerError(message, method=method, path=path)
    return body


# The fields read from objects that are not decoded into the model (``provision.model``
# decodes providers, applications, bindings and outposts), with the JSON types they are read
# as. A field whose types include None may be missing or null; the others must be there.
Shape = dict[str, tuple[type, ...]]
OPTIONAL_TEXT = (str, type(None))
FLOW: Shape = {"slug": (str,), "designation": OPTIONAL_TEXT}
APPLICATION: Shape = {"slug": (str,)}  # verify --access reads the list raw
PROVIDER: Shape = {"pk": (int,)}  # listed, or what a create or update answers
# An application read back after its transaction: the pk of the provider it was given.
ATTACHED: Shape = {
    "slug": (str,),
    "provider": (int, type(None)),
    "provider_obj": (dict, type(None)),
}
BINDING: Shape = {"pk": (str,)}
GROUP: Shape = {"name": (str,), "parent": OPTIONAL_TEXT, "parents": (list, type(None))}
USER: Shape = {
    "pk": (int,),
    "username": OPTIONAL_TEXT,
    "groups": (list, type(None)),
    "type": OPTIONAL_TEXT,
}
ME: Shape = {"user": (dict,)}
VERSION: Shape = {"version_current": (str,)}
CHECK_ACCESS: Shape = {"passing": (bool,)}
TRANSACTION: Shape = {"applied": (bool,), "logs": (list, type(None))}
# Read raw (not decoded) when the outpost is merged right before and after the PATCH.
OUTPOST: Shape = {"providers": (list,), "config": (dict, type(None))}


def shaped(item: JSONObject, shape: Shape, method: str, path: str) -> JSONObject:
    """``item`` if each field of ``shape`` is there (unless optional) with a type it allows."""
    for name, types in shape.items():
        if name not in item and type(None) in types:
            continue
        if name not in item:
            problem = f"lacks the field {name!r}"
        elif type(item[name]) not in types:
            problem = f"has {name!r} as {_kind(item[name])}"
        else:
            continue
        raise MalformedAnswerError(f"an object {problem}", method=method, path=path)
    return item


def an_outpost(body: Any, method: str, path: str) -> JSONObject:
    """An outpost as its detail and PATCH answer it: ``providers`` a list of provider pks."""
    outpost = shaped(an_object(body, method, path), OUTPOST, method, path)
    if not all(type(pk) is int for pk in outpost["providers"]):
        raise MalformedAnswerError("providers is not a list of pks", method=method, path=path)
    return outpost


def not_applied(answer: JSONObject) -> list[str] | None:
    """The log lines of a transaction Authentik answered 200 but did not apply, else None
    (also for the application a retry found: the transaction before it was applied)."""
    if answer.get("applied", True) is True:
        return None
    logs = answer.get("logs") or []
    lines = [str(e.get("event", e)) if isinstance(e, dict) else str(e) for e in logs]
    return lines or ["the transaction was not applied"]


def _kind(value: Any) -> str:
    """What a JSON value is, in a few words (never the value: it may hold anything)."""
    kinds = {type(None): "null", bool: "a boolean", int: "a number", float: "a number"}
    kinds |= {str: "a string", list: "a list", dict: "an object"}
    return kinds.get(type(value), type(value).__name__)


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
    if status == 404 and body is NOT_JSON:
        return WrongServerError(NO_SUCH_PATH, **where)  # the API's own 404s are JSON (06)
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
