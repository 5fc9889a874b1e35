"""The API's front door: route, authenticate, check permission, parse the body, answer.

The order is Authentik's (Django + DRF): an unknown path is Django's 404 page before any
token is looked at; then the token (403); then permission (403); then the method (405);
then the body (415 / 400); then the endpoint itself.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Mapping
from typing import Any

from . import (
    api_applications,
    api_blueprints,
    api_core,
    api_groups,
    api_outposts,
    api_policies,
    api_providers,
    api_settings,
    api_transactional,
    api_users,
)
from .outpost import HTML
from .routing import ApiRequest, ApiResponse, Incoming, Route, detail, method_not_allowed
from .store import ADMIN_PK, VIEWER_PK, Store
from .versions import AuthentikVersion

ROUTES: list[Route] = [
    *api_blueprints.ROUTES,  # /flows/instances/import/ before /flows/instances/{slug}/
    *api_core.ROUTES,
    *api_users.ROUTES,
    *api_providers.ROUTES,
    *api_applications.ROUTES,
    *api_policies.ROUTES,
    *api_groups.ROUTES,
    *api_outposts.ROUTES,
    *api_transactional.ROUTES,
    *api_settings.ROUTES,
]
MODEL_NOT_FOUND = re.compile(r"No \w+ matches the given query\.")
NOT_PROVIDED = "Authentication credentials were not provided."
NO_PERMISSION = "You do not have permission to perform this action."


def _match(path: str, version: AuthentikVersion) -> tuple[Route, dict[str, str]] | None:
    for candidate in ROUTES:
        found = candidate.pattern.match(path) if candidate.present(version) else None
        if found:
            return candidate, found.groupdict()
    return None


def not_found_page(version: AuthentikVersion) -> ApiResponse:
    """Django's 404 page for a path no route knows."""
    return ApiResponse(404, version.not_found_page, {"content-type": HTML})


def _other_scheme(version: AuthentikVersion) -> ApiResponse:
    if version.other_schemes_are_anonymous:
        return detail(403, NOT_PROVIDED)
    return ApiResponse(403, {"detail": "Unsupported authentication type"}, {"allow": ""})


def authenticate(
    header: str, token: str, readonly_token: str, version: AuthentikVersion
) -> int | ApiResponse:
    """The pk of the user the ``Authorization`` header names, or Authentik's 403."""
    if not header.strip():
        return detail(403, NOT_PROVIDED)
    scheme, _, key = header.strip().partition(" ")
    # These two are refused before the view runs, so the answer carries no Allow header.
    if scheme.lower() != "bearer":
        return _other_scheme(version)
    if not key.strip():
        return ApiResponse(403, {"detail": NOT_PROVIDED}, {"allow": ""})
    if hmac.compare_digest(key.strip().encode(), token.encode()):
        return ADMIN_PK
    if hmac.compare_digest(key.strip().encode(), readonly_token.encode()):
        return VIEWER_PK
    return detail(403, "Token invalid/expired")


def _json_error(text: str, exc: json.JSONDecodeError) -> str:
    # Authentik parses with orjson; its messages name the problem like this.
    reason = "unexpected end of data" if exc.pos >= len(text.rstrip()) else "unexpected character"
    return f"JSON parse error - {reason}: line {exc.lineno} column {exc.colno} (char {exc.pos})"


def parse_body(route: Route, headers: Mapping[str, str], raw: bytes) -> Any:
    """The parsed JSON body (None when empty or multipart), or the 415/400 answer."""
    if not raw:
        return None
    content_type = headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    if media not in route.media_types:
        return detail(415, f'Unsupported media type "{content_type}" in request.')
    if media != "application/json":
        return None  # the endpoint reads the multipart body itself
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return detail(400, f"JSON parse error - {exc}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return detail(400, _json_error(text, exc))


def _with_allow(response: ApiResponse, route: Route) -> ApiResponse:
    headers = dict(response.headers)
    if headers.get("allow") == "":
        del headers["allow"]
    else:
        headers.setdefault("allow", route.allow_header())
    return ApiResponse(response.status, response.body, headers)


def answer(
    store: Store,
    call: Incoming,
    tokens: tuple[str, str],
) -> ApiResponse:
    """Answer one request under ``/api/``; ``tokens`` are the superuser and read-only keys."""
    matched = _match(call.path, store.version)
    if matched is None:
        if call.method in ("GET", "HEAD"):
            return not_found_page(store.version)
        # Django's catch-all page view only knows GET.
        return ApiResponse(405, "", {"allow": "GET, HEAD, OPTIONS", "content-type": HTML})
    route, params = matched
    answered = _answer_route(store, route, params, call, tokens)
    return _with_allow(_plain_not_found(answered, store.version), route)


def _plain_not_found(response: ApiResponse, version: AuthentikVersion) -> ApiResponse:
    """Releases whose 404 does not name the model answer DRF's plain "Not found."."""
    if version.not_found_names_model or response.status != 404:
        return response
    text = response.body.get("detail", "") if isinstance(response.body, dict) else ""
    if not MODEL_NOT_FOUND.fullmatch(text):
        return response
    return ApiResponse(404, {"detail": "Not found."}, response.headers)


def _answer_route(
    store: Store,
    route: Route,
    params: dict[str, str],
    call: Incoming,
    tokens: tuple[str, str],
) -> ApiResponse:
    user_pk = authenticate(call.headers.get("authorization", ""), *tokens, store.version)
    if isinstance(user_pk, ApiResponse):
        return user_pk
    method = "GET" if call.method == "HEAD" else call.method
    if method != "OPTIONS" and not store.is_superuser(user_pk) and method not in route.open_to_all:
        return detail(403, NO_PERMISSION)
    if method == "OPTIONS":
        return ApiResponse(200, {})
    handler = route.handlers.get(method)
    if handler is None:
        return method_not_allowed(call.method)
    reads_body = method in ("POST", "PUT", "PATCH")
    body = parse_body(route, call.headers, call.raw_body) if reads_body else None
    if isinstance(body, ApiResponse):
        return body
    user = store.users[user_pk]
    request = ApiRequest(
        method, call.path, params, call.query, body, user, call.headers, call.raw_body
    )
    return handler(store, request)
