"""Requests, answers and routes of the fake's API, and the answers every endpoint shares."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .fields import Errors, messages
from .store import Record, Store
from .versions import AuthentikVersion

LIST_ALLOW = ("GET", "POST")
DETAIL_ALLOW = ("GET", "PUT", "PATCH", "DELETE")
READ_ALLOW = ("GET",)


@dataclass(frozen=True)
class Incoming:
    """A request as it arrived over HTTP (header names lower-cased)."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    raw_body: bytes


@dataclass(frozen=True)
class ApiRequest:
    """One authenticated API call, as a handler sees it."""

    method: str
    path: str
    params: Mapping[str, str]
    query: Mapping[str, str]
    body: Any
    user: Record
    headers: Mapping[str, str] = field(default_factory=dict)
    raw_body: bytes = b""


@dataclass(frozen=True)
class ApiResponse:
    """An answer: ``body`` is JSON, or a str sent as HTML, or None for an empty body."""

    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[[Store, ApiRequest], ApiResponse]


@dataclass(frozen=True)
class Route:
    """A URL pattern, its handlers per method, and what its ``Allow`` header lists."""

    pattern: re.Pattern[str]
    handlers: Mapping[str, Handler]
    allow: tuple[str, ...]
    # Methods a token without superuser rights may use here (Authentik answers 403 otherwise).
    open_to_all: frozenset[str] = frozenset()
    # Request bodies this route parses; Authentik's API parses JSON, a few views multipart.
    media_types: tuple[str, ...] = ("application/json",)
    # Whether the release has this endpoint at all (else its path is unknown, as in Django).
    present: Callable[[AuthentikVersion], bool] = lambda version: True

    def allow_header(self) -> str:
        return ", ".join((*self.allow, "HEAD", "OPTIONS"))


def route(
    path: str,
    handlers: Mapping[str, Handler],
    allow: tuple[str, ...],
    *,
    open_to_all: frozenset[str] = frozenset(),
    media_types: tuple[str, ...] = ("application/json",),
    present: Callable[[AuthentikVersion], bool] = lambda version: True,
) -> Route:
    """A route for ``/api/v3`` + ``path``; ``{name}`` segments become path parameters."""
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
    pattern = re.compile(f"^/api/v3{regex}$")
    return Route(pattern, handlers, allow, open_to_all, media_types, present)


def ok(body: Any, status: int = 200) -> ApiResponse:
    return ApiResponse(status, body)


def created(body: Any) -> ApiResponse:
    return ApiResponse(201, body)


def no_content() -> ApiResponse:
    return ApiResponse(204)


def detail(status: int, message: str) -> ApiResponse:
    return ApiResponse(status, {"detail": message})


def not_found(model: str) -> ApiResponse:
    """Authentik's 404 for a well-formed key that matches nothing."""
    return detail(404, f"No {model} matches the given query.")


def malformed_key() -> ApiResponse:
    """Authentik's 404 for a key that cannot be a primary key at all (``/proxy/abc/``)."""
    return detail(404, "Not found.")


def rejected(errors: Errors) -> ApiResponse:
    return ApiResponse(400, messages(errors))


def non_field(message: str) -> ApiResponse:
    return ApiResponse(400, {"non_field_errors": [message]})


def method_not_allowed(method: str) -> ApiResponse:
    return detail(405, f'Method "{method}" not allowed.')


def int_key(text: str) -> int | None:
    """An integer primary key from a URL segment, or None when it is not one."""
    return int(text) if re.fullmatch(r"-?[0-9]+", text) else None


def body_object(request: ApiRequest) -> tuple[dict[str, Any], ApiResponse | None]:
    """The request body when it is a JSON object; else DRF's 400 about its type."""
    body = {} if request.body is None and not request.raw_body else request.body
    if isinstance(body, dict):
        return body, None
    kind = type(body).__name__
    return {}, non_field(f"Invalid data. Expected a dictionary, but got {kind}.")


def query_flag(query: Mapping[str, str], name: str, default: bool) -> bool:
    value = query.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("true", "1", "yes", "on")
