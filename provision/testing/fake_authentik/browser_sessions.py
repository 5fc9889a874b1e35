"""The server's own browser session: the ``authentik_session`` cookie, and Django's headers.

A browser gets a session on its first visit to the authorize endpoint or the flow executor;
the session holds the flow being run and, once the flow's login stage passed, the user.
Logging in issues a new session key (Django's ``cycle_key``), as a real server does. Every
page and executor answer carries the headers Django's middleware adds (transcript 13).
"""

from __future__ import annotations

import email.utils
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping
from http.cookies import CookieError, SimpleCookie

from .store import Record, Store

SESSION_COOKIE = "authentik_session"
DEVICE_COOKIE = "authentik_device"
CSRF_COOKIE = "authentik_csrf"
DEVICE_MAX_AGE = 2592000  # 30 days
CSRF_MAX_AGE = 31449600  # Django's default: one year
# Answers that depend on the session vary on the cookie; the executor's final answer lists
# the two in the other order (transcript 13).
VARY = ("Accept-Encoding", "Accept-Language, Cookie")
VARY_AFTER_LOGIN = ("Accept-Encoding", "Cookie, Accept-Language")


def request_cookies(headers: Mapping[str, str]) -> dict[str, str]:
    """The cookies a request sent (none when its ``Cookie`` header cannot be read)."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def find_session(store: Store, headers: Mapping[str, str]) -> tuple[str, Record] | None:
    """The session the request's ``authentik_session`` cookie names, if the server knows it."""
    key = request_cookies(headers).get(SESSION_COOKIE)
    record = store.browser_sessions.get(key) if key else None
    return (key, record) if key and record is not None else None


def open_session(store: Store, headers: Mapping[str, str]) -> tuple[str, Record]:
    """The request's session, or a new anonymous one."""
    found = find_session(store, headers)
    if found is not None:
        return found
    key = secrets.token_hex(16)
    store.browser_sessions[key] = {"user": None, "flow": None}
    return key, store.browser_sessions[key]


def logged_in_user(store: Store, session: Record) -> Record | None:
    """The session's user while it exists and is active (Django drops inactive users)."""
    user = store.users.get(session["user"]) if session["user"] is not None else None
    return user if user is not None and user["is_active"] else None


def log_in(store: Store, key: str, user_pk: int) -> str:
    """Log the session's browser in as ``user_pk``; the session's new key."""
    session = store.browser_sessions.pop(key)
    session["user"] = user_pk
    new_key = secrets.token_hex(16)
    store.browser_sessions[new_key] = session
    return new_key


def session_cookie(key: str) -> str:
    return f"{SESSION_COOKIE}={key}; HttpOnly; Path=/; SameSite=Lax"


def lasting_cookie(name: str, max_age: int) -> str:
    """A cookie kept ``max_age`` seconds (the device and CSRF cookies of a login)."""
    expires = email.utils.formatdate(time.time() + max_age, usegmt=True)
    value = secrets.token_urlsafe(24)
    return f"{name}={value}; expires={expires}; Max-Age={max_age}; Path=/; SameSite=Lax"


def page_headers(
    content_type: str,
    *,
    location: str | None = None,
    cookies: Iterable[str] = (),
    frame: str = "DENY",
    vary: tuple[str, ...] = VARY,
) -> dict[str, str]:
    """The headers of a page or executor answer, in the order Django sends them."""
    headers = {"content-language": "en", "content-type": content_type}
    if location is not None:
        headers["location"] = location
    headers["referrer-policy"] = "same-origin"
    set_cookies = list(cookies)
    if set_cookies:
        headers["set-cookie"] = "\n".join(set_cookies)
    return headers | {
        "vary": "\n".join(vary),
        "x-authentik-id": uuid.uuid4().hex,
        "x-content-type-options": "nosniff",
        "x-frame-options": frame,
        "x-powered-by": "authentik",
    }
