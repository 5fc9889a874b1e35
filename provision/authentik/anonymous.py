"""Anonymous answers: what one token-less request got, as data, never as an exception.

The transport's anonymous mode (``Transport.ask_anonymously``) asks endpoints that need no
token (health, the outpost's forward-auth endpoints, a reverse proxy); the answer itself is
what is being checked, so redirects are recorded, not followed, and error statuses are not
mapped to errors. A request that got no answer says why with a ``Finding``.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from provision.findings import Finding

BODY_LIMIT = 4096  # enough to recognise an error page; bodies are never shown in full


@dataclass(frozen=True)
class Answer:
    """What one request got: a status (and its redirect target), or why there was none."""

    url: str
    status: int | None
    location: str = ""
    text: str = ""
    failure: str = ""  # when status is None: a Finding (connection_refused, timeout, ...)
    reason: str = ""
    server: str = ""  # the Server header: tells a proxy's own answer from a backend's


def answer_from(url: str, response: requests.Response) -> Answer:
    with response:
        text = response.text[:BODY_LIMIT]
    headers = response.headers
    location, server = headers.get("Location", ""), headers.get("Server", "")
    return Answer(url, response.status_code, location, text, server=server)


def no_answer(url: str, exc: requests.RequestException, timeout: float) -> Answer:
    failure, reason = _why(exc, timeout)
    return Answer(url, None, failure=failure, reason=reason)


def _why(exc: requests.RequestException, timeout: float) -> tuple[Finding, str]:
    # SSLError and ConnectTimeout are ConnectionErrors too, so the order matters.
    if isinstance(exc, requests.exceptions.SSLError):
        return Finding.TLS_FAILED, "the certificate could not be verified"
    if isinstance(exc, requests.Timeout):
        return Finding.TIMEOUT, f"no answer within {timeout:g} s"
    if isinstance(exc, requests.ConnectionError):
        if _refused(exc):
            return Finding.CONNECTION_REFUSED, "connection refused"
        return Finding.UNREACHABLE, "no connection (unknown host or no route?)"
    return Finding.UNREACHABLE, f"the request could not be sent ({type(exc).__name__})"


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
