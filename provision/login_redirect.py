"""Where an anonymous visitor is sent to log in, read from the redirect, and what that proves.

Every recorded release (2024.12.5 to a 2026.8 build, file 13) answers Traefik's and Caddy's
anonymous question with a 302 straight to the server's ``/application/o/authorize/``: its
``client_id`` is the serving provider's, its ``redirect_uri`` the outpost callback on the
provider's external host (a domain's auth host). Older outposts, and nginx itself after the
outpost's 401, redirect to ``<proto>://<host>/outpost.goauthentik.io/start`` instead, which
names no provider and stays accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, urlsplit

from provision.declared_providers import DeclaredProviders, ProviderLogin
from provision.findings import Finding
from provision.terms import OUTPOST_PREFIX, START_PATH

AUTHORIZE_PATH = "/application/o/authorize/"
CALLBACK_PATH = f"{OUTPOST_PREFIX}/callback"
CALLBACK_MARK = "X-authentik-auth-callback"
_WEB = frozenset({"http", "https"})


class RedirectKind(StrEnum):
    AUTHORIZE = "authorize"  # the server's authorize endpoint, back to an outpost callback
    START = "start"  # the outpost's own start (older outposts; nginx)
    ELSEWHERE = "elsewhere"


@dataclass(frozen=True)
class LoginRedirect:
    """A redirect's target, read: ``host`` is where the login comes back to (the callback's
    host, or the start URL's), ``client_id`` the provider an authorize redirect names."""

    kind: RedirectKind
    host: str = ""
    client_id: str = ""


@dataclass(frozen=True)
class Verdict:
    """What a redirect proves about one declared host, and the provider it names (if any)."""

    finding: Finding
    provider: ProviderLogin | None = None
    client_id: str = ""


def read_login_redirect(location: str) -> LoginRedirect:
    """Read a ``Location``; anything unparsable or unknown is ``ELSEWHERE``."""
    target = urlsplit(location)
    if target.scheme not in _WEB or not target.hostname:
        return LoginRedirect(RedirectKind.ELSEWHERE)
    if target.path == START_PATH:
        return LoginRedirect(RedirectKind.START, target.netloc.lower())
    if target.path.rstrip("/") != AUTHORIZE_PATH.rstrip("/"):
        return LoginRedirect(RedirectKind.ELSEWHERE)
    query = parse_qs(target.query)
    callback = _outpost_callback(_single(query, "redirect_uri"))
    client_id = _single(query, "client_id")
    if not callback or not client_id:
        return LoginRedirect(RedirectKind.ELSEWHERE)
    return LoginRedirect(RedirectKind.AUTHORIZE, callback, client_id)


def _single(query: dict[str, list[str]], key: str) -> str:
    values = query.get(key, [])
    return values[0] if len(values) == 1 else ""


def _outpost_callback(redirect_uri: str) -> str:
    """The host of an outpost callback URL (``…/callback?X-authentik-auth-callback=true``)."""
    callback = urlsplit(redirect_uri)
    marked = parse_qs(callback.query).get(CALLBACK_MARK) == ["true"]
    if callback.scheme in _WEB and callback.path == CALLBACK_PATH and marked:
        return callback.netloc.lower()
    return ""


def judge_redirect(host: str, location: str, providers: DeclaredProviders) -> Verdict:
    """What a login redirect for ``host`` proves, given the providers the API lists.

    An authorize redirect must come back to our provider's external host (for a host under a
    domain: the auth host), a start redirect to ``host`` itself.
    """
    redirect = read_login_redirect(location)
    ours = providers.ours_for(host)
    if redirect.host != _comes_back_to(redirect.kind, host, ours):
        other = providers.with_client_id(redirect.client_id)
        if other is not None and other != ours:
            return Verdict(Finding.SERVED_BY_OTHER_PROVIDER, other, redirect.client_id)
        return Verdict(Finding.REDIRECT_ELSEWHERE, client_id=redirect.client_id)
    if not providers.read:  # nothing to check the client_id against (doctor without a token)
        return Verdict(Finding.PROTECTED, client_id=redirect.client_id)
    if redirect.kind == RedirectKind.START:  # names no provider: ours must exist, at least
        return Verdict(Finding.PROTECTED if ours else Finding.NOT_BOUND, ours)
    if ours is not None and redirect.client_id == ours.client_id:
        return Verdict(Finding.PROTECTED, ours, redirect.client_id)
    other = providers.with_client_id(redirect.client_id)
    return Verdict(Finding.SERVED_BY_OTHER_PROVIDER, other, redirect.client_id)


def _comes_back_to(kind: RedirectKind, host: str, ours: ProviderLogin | None) -> str | None:
    if kind == RedirectKind.ELSEWHERE:
        return None  # no host matches
    if kind == RedirectKind.AUTHORIZE and ours is not None and ours.callback_host:
        return ours.callback_host
    return host
