"""Anonymous requests to the outpost and the proxy, as a browser or Traefik would send them.

These endpoints need no token, so none is ever sent; redirects are recorded, not followed,
because the redirect itself is the answer being checked. Nothing of ``requests`` escapes: a
failure becomes an ``Answer`` without a status that says why.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import requests

from provision import __version__
from provision.settings import AuthentikSettings

log = logging.getLogger(__name__)

PING_PATH = "/outpost.goauthentik.io/ping"
START_PATH = "/outpost.goauthentik.io/start"
_BODY_LIMIT = 4096  # enough to recognise an error page; bodies are never shown in full


@dataclass(frozen=True)
class Answer:
    """What one request got: a status (and its redirect target), or why there was none."""

    url: str
    status: int | None
    location: str = ""
    text: str = ""
    failure: str = ""  # when status is None: connection_refused, timeout, tls_failed, ...
    reason: str = ""
    server: str = ""  # the Server header: tells a proxy's own answer from a backend's


class Probe:
    """One ``requests.Session`` for anonymous GETs; TLS verified, honouring ca_bundle.

    Args:
        settings: the ``authentik`` section (timeout and ca_bundle apply to every request).
        session: a session to use instead of a new one (it is then left open).
    """

    def __init__(
        self, settings: AuthentikSettings, *, session: requests.Session | None = None
    ) -> None:
        self._own = session is None
        self._session = session if session is not None else requests.Session()
        self._timeout = settings.timeout
        self._verify: bool | str = str(settings.ca_bundle) if settings.ca_bundle else True

    def __enter__(self) -> Probe:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._own:
            self._session.close()

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Answer:
        """GET ``url`` once, without following redirects."""
        sent = {"User-Agent": f"authentik-provision/{__version__}", **(headers or {})}
        try:
            response = self._session.get(
                url,
                headers=sent,
                timeout=self._timeout,
                verify=self._verify,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            failure, reason = _why(exc, self._timeout)
            log.debug("GET %s: %s (%s)", url, failure, reason)
            return Answer(url, None, failure=failure, reason=reason)
        with response:
            text = response.text[:_BODY_LIMIT]
        log.debug("GET %s -> %s", url, response.status_code)
        location, server = response.headers.get("Location", ""), response.headers.get("Server", "")
        return Answer(url, response.status_code, location, text, server=server)


def _why(exc: requests.RequestException, timeout: float) -> tuple[str, str]:
    # SSLError and ConnectTimeout are ConnectionErrors too, so the order matters.
    if isinstance(exc, requests.exceptions.SSLError):
        return "tls_failed", "the certificate could not be verified"
    if isinstance(exc, requests.Timeout):
        return "timeout", f"no answer within {timeout:g} s"
    if isinstance(exc, requests.ConnectionError):
        if _refused(exc):
            return "connection_refused", "connection refused"
        return "unreachable", "no connection (unknown host or no route?)"
    return "unreachable", f"the request could not be sent ({type(exc).__name__})"


def _refused(exc: BaseException) -> bool:
    """Whether a ConnectionRefusedError lies anywhere under ``exc`` (urllib3 wraps it twice)."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        if isinstance(item, ConnectionRefusedError):
            return True
        seen.add(id(item))
        pending += [*item.args, getattr(item, "reason", None), item.__cause__, item.__context__]
    return False
