"""A browser login on the server: the authorize endpoint and the flow pages (transcript 13).

The outpost sends an anonymous browser to ``/application/o/authorize/``. Without a logged-in
``authentik_session`` the server sends it on to the default authentication flow (2025.10.3:
through ``/flows/-/default/authentication/``; 2026.2.2: straight to ``/if/flow/<slug>/``),
whose page runs the flow executor (``flows_executor``) and comes back to the authorize URL.
Then the fake's policy engine decides on the stored user and groups (the one
``check_access`` answers from): admitted, the browser is sent to the provider's callback with
a one-time code (``store.authorization_codes``, which the outpost's callback consumes);
refused, it gets the "Permission denied" page and no code.

Like Authentik, the request is checked before anyone is asked to log in: no query is a 404,
a ``client_id`` no provider has or a ``redirect_uri`` the provider does not list is the
400 error page (the provider's ``redirect_uris`` are strict: equal strings only).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from . import browser_sessions, flows_executor, login_pages, serializers
from .api_applications import user_may_open
from .browser_sessions import page_headers
from .routing import ApiResponse, Incoming
from .store import Record, Store

AUTHORIZE = "/application/o/authorize/"
DEFAULT_AUTHENTICATION = "/flows/-/default/authentication/"
FLOW_INTERFACE = re.compile(r"^/if/flow/(?P<slug>[^/]+)/$")
HTML = "text/html; charset=utf-8"
# Authentik's OAuth errors (``ClientIdError``, ``RedirectUriError``): title and description.
CLIENT_ID_ERROR = (
    "Client ID Error",
    "The client identifier (client_id) is missing or invalid.",
)
REDIRECT_URI_ERROR = (
    "Redirect URI Error",
    "The request fails due to a missing, invalid, or mismatching redirection URI (redirect_uri).",
)


def answer(store: Store, incoming: Incoming) -> ApiResponse | None:
    """Answer a login path (authorize, flow pages, the flow executor); None for any other."""
    path = incoming.path
    executor = flows_executor.EXECUTOR.match(path)
    if executor is not None:
        return flows_executor.answer(store, incoming, executor["slug"])
    if incoming.method not in ("GET", "HEAD", "POST"):
        return None
    if path == AUTHORIZE:
        return authorize(store, incoming.query, incoming.headers)
    if path == DEFAULT_AUTHENTICATION:
        return _default_authentication(store, incoming.query)
    page = FLOW_INTERFACE.match(path)
    if page is not None:
        return _flow_interface(store, page["slug"])
    return None


def _not_found(store: Store) -> ApiResponse:
    return ApiResponse(404, store.version.not_found_page, {"content-type": HTML})


def _bad_request(store: Store, error: tuple[str, str]) -> ApiResponse:
    return ApiResponse(400, login_pages.bad_request(store.version, *error), page_headers(HTML))


def authentication_flow(store: Store) -> Record | None:
    """The flow a browser logs in with: the default one, else any authentication flow."""
    flows = [f for f in store.flows.values() if f["designation"] == "authentication"]
    preferred = [f for f in flows if f["slug"] == "default-authentication-flow"]
    return next(iter(preferred or flows), None)


def _default_authentication(store: Store, query: Mapping[str, str]) -> ApiResponse:
    flow = authentication_flow(store)
    if flow is None:
        return _not_found(store)
    location = f"/if/flow/{flow['slug']}/" + (f"?{urlencode(query)}" if query else "")
    return ApiResponse(302, None, page_headers(HTML, location=location))


def _flow_interface(store: Store, slug: str) -> ApiResponse:
    flow = next((f for f in store.flows.values() if f["slug"] == slug), None)
    if flow is None:
        return _not_found(store)
    page = login_pages.flow_interface(store.version, flow)
    return ApiResponse(200, page, page_headers(HTML))


def provider_of_client(store: Store, client_id: str) -> Record | None:
    return next((p for p in store.providers.values() if p["client_id"] == client_id), None)


def authorize(store: Store, query: Mapping[str, str], headers: Mapping[str, str]) -> ApiResponse:
    """``/application/o/authorize/``: on to the login, the callback, or "Permission denied"."""
    if not query:
        return _not_found(store)
    provider = provider_of_client(store, query.get("client_id", ""))
    if provider is None:
        return _bad_request(store, CLIENT_ID_ERROR)
    allowed = [uri["url"] for uri in serializers.proxy_provider(store, provider)["redirect_uris"]]
    if query.get("redirect_uri", "") not in allowed:
        return _bad_request(store, REDIRECT_URI_ERROR)
    key, session = browser_sessions.open_session(store, headers)
    user = browser_sessions.logged_in_user(store, session)
    if user is None:
        return _to_login(store, query, key)
    application = store.application_of(provider["pk"])
    if application is None or not user_may_open(store, application, user["pk"]):
        return _denied(store, user, key)
    code = uuid.uuid4().hex
    store.authorization_codes[code] = {
        "user": user["pk"],
        "client_id": provider["client_id"],
        "redirect_uri": query["redirect_uri"],
    }
    location = _with_code(query["redirect_uri"], code, query.get("state", ""))
    cookie = browser_sessions.session_cookie(key)
    return ApiResponse(302, None, page_headers(HTML, location=location, cookies=[cookie]))


def _to_login(store: Store, query: Mapping[str, str], key: str) -> ApiResponse:
    """Off to the authentication flow, with the authorize URL to come back to as ``next``."""
    flow = authentication_flow(store)
    if flow is None:
        return _not_found(store)
    back = f"{AUTHORIZE}?{urlencode(query)}"
    if store.version.login.straight_to_flow_interface:
        location = f"/if/flow/{flow['slug']}/?{urlencode({**query, 'next': back})}"
    else:
        # Django's redirect_to_login keeps the slashes of ``next`` as they are.
        location = f"{DEFAULT_AUTHENTICATION}?next={quote(back, safe='/')}"
    cookie = browser_sessions.session_cookie(key)
    return ApiResponse(302, None, page_headers(HTML, location=location, cookies=[cookie]))


def _denied(store: Store, user: Record, key: str) -> ApiResponse:
    page = login_pages.permission_denied(store.version, user["username"])
    cookies = []
    if store.version.login.denied_sets_csrf:
        cookie = browser_sessions.CSRF_COOKIE
        cookies.append(browser_sessions.lasting_cookie(cookie, browser_sessions.CSRF_MAX_AGE))
    if store.version.login.denied_sets_session:
        cookies.append(browser_sessions.session_cookie(key))
    vary = browser_sessions.VARY_AFTER_LOGIN if cookies else browser_sessions.VARY
    return ApiResponse(200, page, page_headers(HTML, cookies=cookies, vary=vary))


def _with_code(redirect_uri: str, code: str, state: str) -> str:
    """The callback URL: the redirect URI's own query, then ``code`` and ``state``."""
    parts = urlsplit(redirect_uri)
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("code", code), ("state", state)]
    return urlunsplit(parts._replace(query=urlencode(query)))
