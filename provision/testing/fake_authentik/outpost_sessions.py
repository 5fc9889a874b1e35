"""The embedded outpost's sessions, cookies and OAuth ``state`` (file 13).

Each provider has its own cookie, ``authentik_proxy_<first 8 hex of sha256(client_id)>``
(2025.10.3 and later; 2024.12.5 used the first 8 characters of the client_id), holding the id
of a session in ``store.outpost_sessions``. The cookie is scoped as Go's session store sets
it: ``Domain=<cookie_domain>`` whenever the provider has one (so a ``forward_domain`` login
serves every host under it), host-only otherwise, ``Secure`` for an https ``external_host``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from email.utils import formatdate
from urllib.parse import urlsplit

from . import jwt_hs256
from .store import Record, Store

# Go's MaxAge: the access token's validity (1 h) plus one second; after the callback, what is
# left of the new token's hour (3598-3599 in the recordings).
ANONYMOUS_MAX_AGE = 3601
LOGGED_IN_MAX_AGE = 3599


def cookie_name(provider: Record) -> str:
    """The provider's session cookie."""
    digest = hashlib.sha256(provider["client_id"].encode()).hexdigest()
    return f"authentik_proxy_{digest[:8]}"


def _cookies(header: str) -> dict[str, str]:
    """The ``Cookie`` header as a browser sends it; the first of a repeated name counts."""
    found: dict[str, str] = {}
    for pair in header.split(";"):
        name, sep, value = pair.strip().partition("=")
        if sep and name not in found:
            found[name] = value.strip().strip('"')
    return found


def find_session(
    store: Store, provider: Record, headers: Mapping[str, str]
) -> tuple[str, Record] | None:
    """The provider's session the request's cookie names (another provider's never counts)."""
    value = _cookies(headers.get("cookie", "")).get(cookie_name(provider))
    session = store.outpost_sessions.get(value) if value else None
    if value is None or session is None or session["provider"] != provider["pk"]:
        return None
    return value, session


def new_session(store: Store, provider: Record) -> tuple[str, Record]:
    """A fresh anonymous session of the provider, stored under a new cookie value."""
    value = secrets.token_urlsafe(32)
    session: Record = {
        "provider": provider["pk"],
        "redirect": "",
        "user": None,
        "sid": secrets.token_urlsafe(24),
    }
    store.outpost_sessions[value] = session
    return value, session


def logged_in_user(store: Store, session: Record | None) -> Record | None:
    """The stored user of a logged-in session (None: anonymous, or the user is gone)."""
    if session is None or session["user"] is None:
        return None
    user = store.users.get(session["user"])
    return user if user is not None and user["is_active"] else None


def log_in(store: Store, provider: Record, user_pk: int) -> str:
    """A new session of the provider for ``user_pk``: what a successful callback leaves."""
    value, session = new_session(store, provider)
    session["user"] = user_pk
    return value


def end_sessions_of(store: Store, user_pk: int) -> None:
    """Sign the user out of every provider (the server ends its session, the outpost follows).

    The sessions stay known, so their cookies still name them (no new cookie is set).
    """
    for session in store.outpost_sessions.values():
        if session["user"] == user_pk:
            session["user"] = None


def set_cookie(provider: Record, value: str, max_age: int = ANONYMOUS_MAX_AGE) -> str:
    """The ``Set-Cookie`` value, attributes in the order Go's ``http.Cookie`` writes them."""
    parts = [f"{cookie_name(provider)}={value}", "Path=/"]
    domain = provider["cookie_domain"].removeprefix(".")
    if domain:
        parts.append(f"Domain={domain}")
    parts += [f"Expires={formatdate(time.time() + max_age, usegmt=True)}", f"Max-Age={max_age}"]
    parts.append("HttpOnly")
    if urlsplit(provider["external_host"]).scheme.lower() == "https":
        parts.append("Secure")
    parts.append("SameSite=Lax")
    return "; ".join(parts)


def _state_key(store: Store, provider: Record) -> bytes:
    """Per provider, as Go signs with each provider's cookie secret; known only to the fake."""
    return hmac.new(store.outpost_secret, provider["client_id"].encode(), hashlib.sha256).digest()


def state_jwt(store: Store, provider: Record, session: Record, redirect: str) -> str:
    """The OAuth ``state``: which session asked, and where to go after the callback."""
    claims = {
        "iss": f"goauthentik.io/outpost/{provider['client_id']}",
        "sid": session["sid"],
        "state": secrets.token_urlsafe(32),
        "redirect": redirect,
    }
    return jwt_hs256.sign(claims, _state_key(store, provider))


def read_state(store: Store, provider: Record, session: Record, token: str) -> Record | None:
    """The claims of a ``state`` this provider issued for this session; else None."""
    claims = jwt_hs256.verified_claims(token, _state_key(store, provider))
    if claims is None or claims.get("iss") != f"goauthentik.io/outpost/{provider['client_id']}":
        return None
    return claims if claims.get("sid") == session["sid"] else None
