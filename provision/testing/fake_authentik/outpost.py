"""The embedded outpost's endpoints under ``/outpost.goauthentik.io/`` (DESIGN §6).

Traefik's forwardAuth asks ``/outpost.goauthentik.io/auth/traefik`` with the original
request in ``X-Forwarded-*`` headers. A host served by a forward-auth provider on the
embedded outpost answers 200 with ``X-authentik-*`` headers for a logged-in session and a
307 to ``/outpost.goauthentik.io/start`` otherwise; any other host falls through to
Authentik's "Not Found" page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
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


def not_found_page() -> ApiResponse:
    return ApiResponse(404, NOT_FOUND_PAGE, {"content-type": HTML})


def _serves(provider: Record, host: str) -> bool:
    served = urlsplit(provider["external_host"].rstrip("/")).netloc.lower()
    asked = host.strip().lower()
    if asked == served or (":" not in served and asked.split(":")[0] == served):
        return True
    domain = provider["cookie_domain"].lower().lstrip(".")
    return provider["mode"] == "forward_domain" and bool(domain) and asked.endswith(domain)


def bound_provider(store: Store, host: str) -> Record | None:
    """The forward-auth provider on the embedded outpost that serves ``host``, if any."""
    for pk in store.embedded_outpost()["providers"]:
        provider = store.providers.get(pk)
        if provider and provider["mode"] != "proxy" and _serves(provider, host):
            return provider
    return None


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


def traefik(store: Store, headers: Mapping[str, str]) -> ApiResponse:
    """``/outpost.goauthentik.io/auth/traefik``."""
    host = headers.get("x-forwarded-host", "")
    if not host:
        return ApiResponse(500, MISSING_HOST, {"content-type": "text/plain; charset=utf-8"})
    provider = bound_provider(store, host)
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


def start(store: Store, query: Mapping[str, str]) -> ApiResponse:
    """``/outpost.goauthentik.io/start``: off to the authorization flow on the server."""
    target = urlsplit(query.get("rd", ""))
    provider = bound_provider(store, target.netloc) if target.netloc else None
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
    store: Store, path: str, query: Mapping[str, str], headers: Mapping[str, str]
) -> ApiResponse:
    """Answer a request under ``/outpost.goauthentik.io/`` (no API token involved)."""
    endpoint = path[len(PREFIX) :]
    if endpoint == "ping":
        return ApiResponse(204)
    if endpoint == "auth/traefik":
        return traefik(store, headers)
    if endpoint == "start":
        return start(store, query)
    return not_found_page()
