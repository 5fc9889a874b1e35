"""The embedded outpost's endpoints under ``/outpost.goauthentik.io/``, as file 13 recorded them.

The provider is the one serving ``X-Forwarded-Host``, else ``Host`` (``outpost_view``); a host
no provider serves falls through to Authentik's "Not Found" page, except ``ping``. Then:

- ``auth/traefik``, ``auth/caddy``: the original URL is ``<X-Forwarded-Proto>://<X-Forwarded-Host>
  <X-Forwarded-Uri>`` (no proto: 500 "configuration error"). Logged in: 200 with the identity
  headers; a path ``skip_path_regex`` lets through: 200, no identity; else 302 straight to the
  server's authorize URL, with a new session cookie when the request had none.
- ``auth/nginx``: the original URL is ``X-Original-URI`` when sent (a path only: the real
  outpost reads it first), else ``X-Original-URL`` (neither: 500); anonymous is 401
  "unauthorized request" and nginx itself redirects to ``start``.
- ``start`` (302 to authorize), ``callback`` (consumes a code of ``store.authorization_codes``),
  ``sign_out``, ``ping`` (204).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote_plus, unquote, urlencode, urlsplit

from . import outpost_sessions as sessions
from .outpost_identity import SCOPE, authentik_url, id_token, identity_headers
from .outpost_view import OutpostView, bound_provider
from .pages import not_found_headers, redirect_page
from .routing import ApiResponse
from .serializers import CALLBACK
from .skip_paths import is_skipped
from .store import Record, Store

PREFIX = "/outpost.goauthentik.io/"
HTML = "text/html; charset=utf-8"
CALLBACK_SIGNATURE = "X-authentik-auth-callback"
LOGOUT_SIGNATURE = "X-authentik-logout"
POWERED_BY = {"X-Powered-By": "authentik_proxy2"}
VARY = {"Vary": "Accept-Encoding"}


@dataclass(frozen=True)
class OutpostRequest:
    """One request to a provider's endpoints on the embedded outpost."""

    store: Store
    provider: Record
    query: Mapping[str, str]
    headers: Mapping[str, str]


@dataclass(frozen=True)
class OriginalUrl:
    """The request the proxy asks about: its URL as the outpost rebuilt it, and its path."""

    url: str
    path: str

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))


def not_found_page(store: Store) -> ApiResponse:
    return ApiResponse(404, store.version.not_found_page, not_found_headers())


def _plain(status: int, text: str, **extra: str) -> ApiResponse:
    headers = {"content-type": "text/plain; charset=utf-8", **extra, **VARY}
    return ApiResponse(status, text, headers | {"X-Content-Type-Options": "nosniff"})


def _empty(status: int, headers: Mapping[str, str] = POWERED_BY) -> ApiResponse:
    """No body, and so no ``Content-Type`` (the server writes ``Content-Length: 0``)."""
    return ApiResponse(status, None, {**VARY, **headers})


def _found(location: str, **extra: str) -> ApiResponse:
    headers = {"content-type": HTML, "Location": location, **extra, **VARY}
    return ApiResponse(302, redirect_page(location, 302), headers)


def configuration_error() -> ApiResponse:
    """What the outpost answers when it cannot tell which URL the proxy asks about."""
    return _plain(500, "configuration error\n")


def callback_url(provider: Record) -> str:
    """The ``redirect_uri``: always the provider's own external host (auth host in domain mode)."""
    return f"{provider['external_host'].rstrip('/')}/{CALLBACK}"


def _external_url(provider: Record, path: str) -> str:
    return f"{provider['external_host'].rstrip('/')}{path}"


def _session_of(request: OutpostRequest) -> tuple[str, Record] | None:
    return sessions.find_session(request.store, request.provider, request.headers)


def _login_redirect(request: OutpostRequest, redirect: str) -> ApiResponse:
    """302 to the server's authorize URL; a request without a session gets one (and its cookie;
    2024.12.5 sent the cookie again on every such redirect)."""
    store, provider = request.store, request.provider
    found = _session_of(request)
    fresh = found is None
    if found is None:
        found = sessions.new_session(store, provider)
    extra = {}
    if fresh or store.version.outpost_cookie_on_every_redirect:
        extra["Set-Cookie"] = sessions.set_cookie(provider, found[0])
    params = {
        "client_id": provider["client_id"],
        "redirect_uri": callback_url(provider),
        "response_type": "code",
        "scope": SCOPE,
        "state": sessions.state_jwt(store, provider, found[1], redirect),
    }
    return _found(f"{authentik_url(store)}/application/o/authorize/?{urlencode(params)}", **extra)


def _logged_in(request: OutpostRequest) -> Record | None:
    found = _session_of(request)
    return sessions.logged_in_user(request.store, found[1] if found else None)


def _identity(request: OutpostRequest, user: Record, headers: Mapping[str, str]) -> ApiResponse:
    identity = identity_headers(request.store, request.provider, user)
    user_agent = {"User-Agent": request.headers.get("user-agent", "")}
    return _empty(200, {**user_agent, **identity, **headers})


def forwarded_url(headers: Mapping[str, str]) -> OriginalUrl | None:
    """Traefik's and Caddy's ``X-Forwarded-*``; None when Go's URL parser would refuse them."""
    proto = headers.get("x-forwarded-proto", "")
    if not proto:
        return None
    url = f"{proto}://{headers.get('x-forwarded-host', '')}{headers.get('x-forwarded-uri', '')}"
    return OriginalUrl(url, unquote(urlsplit(url).path))


def nginx_url(headers: Mapping[str, str]) -> OriginalUrl | None:
    """``X-Original-URI`` (taken as a path, verbatim) before ``X-Original-URL``; else None."""
    uri = headers.get("x-original-uri", "")
    if uri:
        return OriginalUrl(uri, uri)
    url = headers.get("x-original-url", "")
    return OriginalUrl(url, unquote(urlsplit(url).path)) if url else None


def forward_auth(request: OutpostRequest) -> ApiResponse | None:
    """``auth/traefik`` and ``auth/caddy``."""
    original = forwarded_url(request.headers)
    if original is None:
        return configuration_error()
    if original.query.get(CALLBACK_SIGNATURE, "").lower() == "true":
        via = OutpostRequest(request.store, request.provider, original.query, request.headers)
        return callback(via)
    if original.query.get(LOGOUT_SIGNATURE, "").lower() == "true":
        return sign_out(request)
    user = _logged_in(request)
    if user is not None:
        return _identity(request, user, POWERED_BY)
    if is_skipped(request.provider, original.path, original.url):
        return _empty(200)
    return _login_redirect(request, original.url)


def nginx(request: OutpostRequest) -> ApiResponse:
    """``auth/nginx`` (``auth_request``): 401 for anonymous, and nginx redirects to ``start``."""
    original = nginx_url(request.headers)
    if original is None:
        return configuration_error()
    user = _logged_in(request)
    if user is not None:
        return _identity(request, user, {})
    if is_skipped(request.provider, original.path, original.url):
        return _empty(200)
    value, session = _session_of(request) or sessions.new_session(request.store, request.provider)
    session["redirect"] = original.url
    cookie = {"Set-Cookie": sessions.set_cookie(request.provider, value)}
    if original.path.startswith(PREFIX.rstrip("/")) and original.url != f"{PREFIX}auth/nginx":
        return _empty(200, {**cookie, **POWERED_BY})  # the outpost's own paths pass
    return _plain(401, "unauthorized request\n", **cookie)


def _checked_rd(provider: Record, rd: str) -> str:
    """``rd`` when it stays on the provider's host (domain mode: under its cookie domain)."""
    if not rd:
        return ""
    target, external = urlsplit(rd), urlsplit(provider["external_host"])
    if provider["mode"] == "forward_domain":
        return rd if (target.hostname or "").endswith(provider["cookie_domain"]) else ""
    if not target.netloc:
        target = target._replace(scheme=external.scheme, netloc=external.netloc)
    return target.geturl() if target.netloc == external.netloc else ""


def start(request: OutpostRequest) -> ApiResponse:
    """``start?rd=``: off to the authorize URL; ``rd`` is kept only when it is safe."""
    return _login_redirect(request, _checked_rd(request.provider, request.query.get("rd", "")))


def callback(request: OutpostRequest) -> ApiResponse:
    """``callback?code=&state=``: a code the authorize step issued for this provider logs in."""
    store, provider = request.store, request.provider
    code, state = request.query.get("code", ""), request.query.get("state", "")
    found = _session_of(request)
    claims = sessions.read_state(store, provider, found[1], state) if found and state else None
    grant = store.authorization_codes.pop(code, None) if code and claims else None
    if found is None or claims is None or grant is None or grant["user"] not in store.users:
        return _empty(400, {})
    if (grant["client_id"], grant["redirect_uri"]) != (
        provider["client_id"],
        callback_url(provider),
    ):
        return _empty(400, {})
    value, session = found
    session["user"] = grant["user"]
    cookie = sessions.set_cookie(provider, value, sessions.LOGGED_IN_MAX_AGE)
    return _found(claims.get("redirect") or provider["external_host"], **{"Set-Cookie": cookie})


def sign_out(request: OutpostRequest) -> ApiResponse | None:
    """Anonymous: to ``start`` and back here. Logged in: the server's end-session URL (2026.2.2
    on), or a dropped connection with the session left valid (2025.10.3)."""
    store, provider = request.store, request.provider
    user = _logged_in(request)
    if user is None:
        value, _ = _session_of(request) or sessions.new_session(store, provider)
        back = _external_url(provider, f"{PREFIX}sign_out")
        if provider["mode"] == "forward_domain" and provider["cookie_domain"]:
            # Go checks the request URL's host against the cookie domain; a server-side URL
            # has none, so domain mode falls back to the external host (not recorded).
            back = provider["external_host"]
        location = f"{_external_url(provider, f'{PREFIX}start')}?rd={quote_plus(back)}"
        return _found(location, **{"Set-Cookie": sessions.set_cookie(provider, value)})
    if store.version.outpost_sign_out_drops_connection:
        return None
    sessions.end_sessions_of(store, user["pk"])
    application = store.application_of(provider["pk"])
    slug = application["slug"] if application else ""
    hint = id_token(store, provider, user)
    return _found(f"{authentik_url(store)}/application/o/{slug}/end-session/?id_token_hint={hint}")


ENDPOINTS: dict[str, Callable[[OutpostRequest], ApiResponse | None]] = {
    "auth/traefik": forward_auth,
    "auth/caddy": forward_auth,
    "auth/nginx": nginx,
    "start": start,
    "callback": callback,
    "sign_out": sign_out,
}


def answer(
    store: Store,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    view: OutpostView | None = None,
) -> ApiResponse | None:
    """Answer a request under ``/outpost.goauthentik.io/`` (None: close the connection)."""
    endpoint = path[len(PREFIX) :]
    if endpoint == "ping":
        return _empty(204, {})
    host = headers.get("x-forwarded-host") or headers.get("host", "")
    provider = bound_provider(store, host, view or OutpostView())
    handler = ENDPOINTS.get(endpoint)
    if provider is None or handler is None:
        return not_found_page(store)
    return handler(OutpostRequest(store, provider, query, headers))
