"""The embedded outpost's endpoints under ``/outpost.goauthentik.io/`` (DESIGN §6, §10).

Traefik's forwardAuth and Caddy's forward_auth ask ``auth/traefik`` and ``auth/caddy`` with
the original request in ``X-Forwarded-*`` headers; nginx's auth_request asks ``auth/nginx``
with ``X-Original-URL``. A host served by a forward-auth provider on the embedded outpost
answers 200 with ``X-authentik-*`` headers for a logged-in session; otherwise a 307 to
``/outpost.goauthentik.io/start`` (nginx: a 401, and nginx redirects). Any other host falls
through to Authentik's "Not Found" page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie
from urllib.parse import quote, urlencode, urlsplit

from . import seed
from .pages import NOT_FOUND_PAGE, redirect_page
from .routing import ApiResponse
from .store import Record, Store

PREFIX = "/outpost.goauthentik.io/"
HTML = "text/html; charset=utf-8"
MISSING_HOST = (
    "configuration error: the request has no X-Forwarded-Host header; the reverse proxy must "
    "forward it (Traefik: forwardAuth with trustForwardHeader: true)\n"
)
MISSING_ORIGINAL_URL = (
    "configuration error: the request has no X-Original-URL header; nginx must set it"
    " (proxy_set_header X-Original-URL $scheme://$http_host$request_uri)\n"
)


def not_found_page() -> ApiResponse:
    return ApiResponse(404, NOT_FOUND_PAGE, {"content-type": HTML})


class OutpostView:
    """Which bound providers the outpost has picked up (DESIGN §10).

    The real outpost learns of a newly bound provider only on its next refresh. With a
    ``refresh_delay`` of N seconds a provider added to the embedded outpost's list is served N
    seconds after the fake first sees it there (at the latest on the next request after the
    change); 0 serves it at once. ``refresh()`` picks up everything now, like a restart.
    A provider taken off the list stops being served at once.
    """

    def __init__(self, refresh_delay: float = 0.0) -> None:
        self.refresh_delay = refresh_delay
        self._seen: dict[int, float] = {}

    def observe(self, store: Store) -> None:
        """Note when each provider on the embedded outpost's list was first seen there."""
        listed = set(store.embedded_outpost()["providers"])
        now = time.monotonic()
        self._seen = {pk: self._seen.get(pk, now) for pk in listed}

    def refresh(self) -> None:
        """Serve every provider seen so far, whatever the delay."""
        self._seen = dict.fromkeys(self._seen, float("-inf"))

    def picked_up(self, pk: int) -> bool:
        if self.refresh_delay <= 0:
            return True
        seen = self._seen.get(pk)
        return seen is not None and time.monotonic() - seen >= self.refresh_delay


def _served(store: Store, view: OutpostView) -> list[Record]:
    """Forward-auth providers on the embedded outpost, attached to an application, picked up."""
    view.observe(store)
    served = []
    for pk in store.embedded_outpost()["providers"]:
        provider = store.providers.get(pk)
        if provider is None or provider["mode"] == "proxy" or not view.picked_up(pk):
            continue
        if store.application_of(pk) is not None:
            served.append(provider)
    return served


def bound_provider(store: Store, host: str, view: OutpostView | None = None) -> Record | None:
    """The provider serving ``host``, matched as the real outpost does (DESIGN §10).

    First the exact host (port included, case-sensitive) of each ``external_host``; only when
    none matches, the ``forward_domain`` provider whose ``cookie_domain`` (a leading dot
    dropped) is the longest suffix of ``host``, compared as plain strings: no dot boundary,
    and an empty one never wins.
    """
    providers = _served(store, view or OutpostView())
    for provider in providers:
        if urlsplit(provider["external_host"]).netloc == host:
            return provider
    best: Record | None = None
    longest = 0
    for provider in providers:
        domain = provider["cookie_domain"].removeprefix(".")
        if provider["mode"] == "forward_domain" and host.endswith(domain) and len(domain) > longest:
            best, longest = provider, len(domain)
    return best


def _session(store: Store, cookie_header: str) -> Record | None:
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(cookie_header)
    except CookieError:
        return None
    morsel = cookies.get(store.session_cookie)
    return store.sessions.get(morsel.value) if morsel is not None else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _jwt(provider: Record, session: Record) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {k: session[k] for k in ("email", "name", "groups")}
    claims |= {"sub": session["uid"], "preferred_username": session["username"]}
    payload = _b64(json.dumps(claims).encode())
    key = provider["client_secret"].encode()
    signature = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def _identity_headers(store: Store, provider: Record, session: Record) -> dict[str, str]:
    application = store.application_of(provider["pk"])
    slug = application["slug"] if application else ""
    return {
        "X-authentik-username": session["username"],
        "X-authentik-groups": "|".join(session["groups"]),
        "X-authentik-entitlements": "",
        "X-authentik-email": session["email"],
        "X-authentik-name": session["name"],
        "X-authentik-uid": session["uid"],
        "X-authentik-jwt": _jwt(provider, session),
        "X-authentik-meta-jwks": f"{store.base_url}/application/o/{slug}/jwks/",
        "X-authentik-meta-outpost": store.embedded_outpost()["name"],
        "X-authentik-meta-provider": provider["name"],
        "X-authentik-meta-app": slug,
        "X-authentik-meta-version": f"goauthentik.io/outpost/{seed.VERSION}",
    }


def _plain(status: int, text: str) -> ApiResponse:
    return ApiResponse(status, text, {"content-type": "text/plain; charset=utf-8"})


def forwarded(store: Store, headers: Mapping[str, str], view: OutpostView) -> ApiResponse:
    """``/outpost.goauthentik.io/auth/traefik`` and ``…/auth/caddy``: the original request
    comes in ``X-Forwarded-Host``, ``-Proto``, ``-Uri``; anonymous is a 307 to ``start``."""
    host = headers.get("x-forwarded-host", "")
    if not host:
        return _plain(500, MISSING_HOST)
    provider = bound_provider(store, host, view)
    if provider is None:
        return not_found_page()
    session = _session(store, headers.get("cookie", ""))
    if session is None:
        proto = headers.get("x-forwarded-proto") or "http"
        wanted = f"{proto}://{host}{headers.get('x-forwarded-uri') or '/'}"
        location = f"{proto}://{host}/outpost.goauthentik.io/start?rd={quote(wanted, safe='')}"
        page = redirect_page(location, 307)
        return ApiResponse(307, page, {"location": location, "content-type": HTML})
    return ApiResponse(200, "", _identity_headers(store, provider, session))


def nginx(store: Store, headers: Mapping[str, str], view: OutpostView) -> ApiResponse:
    """``/outpost.goauthentik.io/auth/nginx`` (``auth_request``): the provider is looked up by
    ``X-Forwarded-Host``, else ``Host``; the original URL comes in ``X-Original-URL``;
    anonymous is a 401 and nginx itself redirects to ``start``."""
    if not headers.get("x-original-url"):
        return _plain(500, MISSING_ORIGINAL_URL)
    host = headers.get("x-forwarded-host") or headers.get("host", "")
    provider = bound_provider(store, host, view)
    if provider is None:
        return not_found_page()
    session = _session(store, headers.get("cookie", ""))
    if session is None:
        return _plain(401, "unauthorized request\n")
    return ApiResponse(200, "", _identity_headers(store, provider, session))


def start(store: Store, query: Mapping[str, str], view: OutpostView) -> ApiResponse:
    """``/outpost.goauthentik.io/start``: off to the authorization flow on the server."""
    target = urlsplit(query.get("rd", ""))
    provider = bound_provider(store, target.netloc, view) if target.netloc else None
    scheme = target.scheme or "http"
    callback = f"{scheme}://{target.netloc}/outpost.goauthentik.io/callback"
    params = {
        "client_id": provider["client_id"] if provider else "",
        "redirect_uri": f"{callback}?X-authentik-auth-callback=true",
        "response_type": "code",
        "scope": "openid email profile ak_proxy",
        "state": secrets.token_urlsafe(16),
    }
    location = f"{store.base_url}/application/o/authorize/?{urlencode(params)}"
    page = redirect_page(location, 302)
    return ApiResponse(302, page, {"location": location, "content-type": HTML})


def answer(
    store: Store,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    view: OutpostView | None = None,
) -> ApiResponse:
    """Answer a request under ``/outpost.goauthentik.io/`` (no API token involved)."""
    view = view or OutpostView()
    endpoint = path[len(PREFIX) :]
    if endpoint == "ping":
        return ApiResponse(204)
    if endpoint in ("auth/traefik", "auth/caddy"):
        return forwarded(store, headers, view)
    if endpoint == "auth/nginx":
        return nginx(store, headers, view)
    if endpoint == "start":
        return start(store, query, view)
    return not_found_page()
