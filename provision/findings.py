"""The names verify and doctor give their findings: stable strings, pinned by the output.

Each set is defined here once; the text and JSON output print their values unchanged.
"""

from __future__ import annotations

from enum import StrEnum


class Finding(StrEnum):
    """What an anonymous request to the outpost or through the proxy found (``verify``)."""

    PROTECTED = "protected"
    NOT_BOUND = "not_bound"
    NO_APP_FOR_HOSTNAME = "no_app_for_hostname"
    UNPROTECTED = "unprotected"
    MISSING_FORWARDED_HEADERS = "missing_forwarded_headers"
    REDIRECT_ELSEWHERE = "redirect_elsewhere"
    # A login redirect naming another provider's client_id: the host is not served by ours.
    SERVED_BY_OTHER_PROVIDER = "served_by_other_provider"
    NO_ROUTE = "no_route"
    UNEXPECTED = "unexpected"
    # sync --verify: a host this run bound that the outpost did not serve within the wait.
    NOT_REFRESHED = "not_refreshed"
    # Nothing answered: these come from the request itself, not from an answer.
    CONNECTION_REFUSED = "connection_refused"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    TLS_FAILED = "tls_failed"


# Nothing answered: worth a retry (75), unlike an answer that names a mistake (65).
TRANSIENT = frozenset({Finding.CONNECTION_REFUSED, Finding.TIMEOUT, Finding.UNREACHABLE})


class Via(StrEnum):
    """Where ``verify`` asked: the outpost at outpost.address, or the proxy at ``--through``."""

    OUTPOST = "outpost"
    PROXY = "proxy"


class CheckStatus(StrEnum):
    """One doctor line's verdict."""

    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"
    SKIP = "skip"
    INFO = "info"
