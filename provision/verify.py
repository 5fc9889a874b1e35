"""``provision verify``: ask the outpost (and the proxy) as Traefik would and name every answer.

A protected host answers an anonymous request with a redirect to
``<proto>://<host>/outpost.goauthentik.io/start`` (DESIGN §6). Every other answer is one of the
classic failures, named here by a stable code, with the fix.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from provision.access import AppAccess, access_exit_code, access_lines
from provision.asking import AsksAnonymously, ask_outpost, ask_through_proxy
from provision.authentik.anonymous import Answer
from provision.errors import EX_DATAERR, EX_TEMPFAIL
from provision.findings import TRANSIENT, CheckStatus, Finding, Via
from provision.options import Output
from provision.terms import START_PATH

if TYPE_CHECKING:
    import requests

    from provision.config import Config

log = logging.getLogger(__name__)

REDIRECTS = frozenset({302, 307})
# Traefik's own answer when no router matches the Host header (Caddy's: see _caddy_default).
_TRAEFIK_NOT_FOUND = "404 page not found"
_SYNC = "run `provision sync`"
_BY_STATUS = {404: Finding.NOT_BOUND, 500: Finding.MISSING_FORWARDED_HEADERS}

# classification -> (detail, fix); {where}, {status}, {location}, {expected} are filled in.
_TEXT: dict[Finding, tuple[str, str]] = {
    Finding.PROTECTED: ("anonymous request redirected to {location}", ""),
    Finding.NOT_BOUND: (
        "{where} answered Authentik's 404 page: host not bound to the embedded outpost"
        " (or outpost not refreshed yet)",
        f"{_SYNC} (it adds the provider to the embedded outpost), then allow the outpost up to"
        " its refresh interval (5 minutes by default) or restart the Authentik server",
    ),
    Finding.NOT_REFRESHED: (
        "{where}: the outpost does not serve this newly bound host yet",
        "the outpost picks up a new binding on its next refresh (a few seconds after the sync,"
        " at the latest its refresh interval, 5 minutes by default): run `provision verify`"
        " again, raise outpost.refresh_wait or --verify-wait, or restart the outpost",
    ),
    Finding.NO_APP_FOR_HOSTNAME: (
        "{where} answered 400 'no app for hostname': not bound to this outpost",
        "outpost.address reaches a standalone outpost that does not serve this host: bind the"
        " provider to that outpost, or point outpost.address at the embedded one (port 9000)",
    ),
    Finding.UNPROTECTED: (
        "UNPROTECTED: {where} answered {status} to an anonymous request, without a login",
        "put the forwardAuth middleware on this host's router (`provision render traefik`"
        " emits it) and check that skip_path_regex does not match '/'",
    ),
    Finding.MISSING_FORWARDED_HEADERS: (
        "{where} answered {status}: missing X-Forwarded headers (the outpost's configuration"
        " error)",
        "check trusted proxies: Traefik's forwardAuth needs trustForwardHeader: true, and no"
        " proxy between Traefik and the outpost may drop X-Forwarded-Host/-Proto/-Uri",
    ),
    Finding.REDIRECT_ELSEWHERE: (
        "{where} redirected to {location!r}, not to {expected}",
        "outpost.address must reach the outpost itself (e.g. http://127.0.0.1:9000); check"
        " the outpost's authentik_host and that X-Forwarded-Proto reaches it",
    ),
    Finding.NO_ROUTE: (
        "{where} answered with the proxy's own default: no router or site matches this host",
        "load the rendered config into the proxy (`provision render traefik|nginx|caddy`)",
    ),
    Finding.CONNECTION_REFUSED: (
        "nothing listens at {where} (wrong port?)",
        "point outpost.address at the outpost (the Authentik server's port 9000, or 9443 for"
        " https) and check that it runs",
    ),
    Finding.TIMEOUT: (
        "{where} did not answer in time",
        "check that the outpost runs and is not overloaded",
    ),
    Finding.UNREACHABLE: ("{where} cannot be reached", "check the host name and the network path"),
    Finding.TLS_FAILED: (
        "TLS verification failed at {where}",
        "use the outpost's plain-HTTP port on loopback, or set authentik.ca_bundle to its CA",
    ),
    Finding.UNEXPECTED: (
        "{where} answered HTTP {status}, which is not the login redirect",
        "run `provision doctor` for the checks behind this answer",
    ),
}


@dataclass(frozen=True)
class HostResult:
    """What one declared host answered, classified.

    ``via`` is ``outpost`` (asked at outpost.address) or ``proxy`` (asked through ``--through``).
    """

    host: str
    classification: Finding
    detail: str
    fix: str = ""
    via: Via = Via.OUTPOST
    status: int | None = None
    location: str = ""

    @property
    def ok(self) -> bool:
        return self.classification == Finding.PROTECTED

    @property
    def exit_code(self) -> int:
        if self.ok:
            return 0
        return EX_TEMPFAIL if self.classification in TRANSIENT else EX_DATAERR

    def as_json(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "ok": self.ok,
            "classification": self.classification,
            "detail": self.detail,
            "fix": self.fix,
            "via": self.via,
            "status": self.status,
            "location": self.location,
        }


def fix_for(finding: Finding) -> str:
    """What to do about ``finding``, as the reports say it."""
    return _TEXT[finding][1]


def verify_hosts(
    config: Config, through: str | None = None, *, session: requests.Session | None = None
) -> list[HostResult]:
    """Ask the outpost about every declared host (and the proxy at ``through``, if given).

    Anonymous requests only: the token is never sent. TLS is verified (authentik.ca_bundle).
    """
    from provision.loading import anonymous_client

    address = config.settings.outpost.address.rstrip("/")
    with anonymous_client(config, session) as client:
        hosts = [app.host for app in config.desired.targets]
        results = [ask_host(client, host, address, through) for host in hosts]
    for result in results:
        log.debug("%s: %s via %s", result.host, result.classification, result.via)
    return results


def ask_host(
    client: AsksAnonymously, host: str, address: str, through: str | None = None
) -> HostResult:
    """One host's result: the outpost's answer, and the proxy's when ``through`` is given."""
    at_outpost = classify_outpost(host, ask_outpost(client, address, host))
    if through is None:
        return at_outpost
    via_proxy = classify_proxy(host, ask_through_proxy(client, through, host), through)
    # An unprotected backend is the worst finding whatever the outpost said; otherwise the
    # outpost's failure explains the proxy's, so it is the one worth fixing first.
    if via_proxy.classification == Finding.UNPROTECTED or at_outpost.ok:
        return via_proxy
    return at_outpost


def classify_outpost(host: str, answer: Answer) -> HostResult:
    """Name the outpost's answer to Traefik's question about ``host``."""
    expected = f"https://{host}{START_PATH}"
    code = _classify(answer, (expected,))
    return _result(
        host, code, answer, expected, where=f"the outpost ({answer.url})", via=Via.OUTPOST
    )


def classify_proxy(host: str, answer: Answer, through: str) -> HostResult:
    """Name the reverse proxy's answer to an anonymous request for ``host``."""
    # Traefik passes on the scheme the client used, unless a TLS-terminating proxy in front of
    # it (trusted by forwardedHeaders) said https: either way a login is demanded.
    scheme = urlsplit(through).scheme or "http"
    expected = f"{scheme}://{host}{START_PATH}"
    code = _classify(answer, (expected, f"https://{host}{START_PATH}"))
    if code == Finding.NOT_BOUND and answer.text.strip() == _TRAEFIK_NOT_FOUND:
        code = Finding.NO_ROUTE
    if code == Finding.UNPROTECTED and _caddy_default(answer):
        code = Finding.NO_ROUTE
    return _result(host, code, answer, expected, where=f"the proxy ({through})", via=Via.PROXY)


def _caddy_default(answer: Answer) -> bool:
    """Caddy answers a host no site matches with an empty 200 of its own."""
    return answer.status == 200 and answer.server == "Caddy" and not answer.text.strip()


def _classify(answer: Answer, expected: tuple[str, ...]) -> Finding:
    status = answer.status
    if status is None:
        return Finding(answer.failure)
    if status in REDIRECTS:
        if answer.location.startswith(expected):
            return Finding.PROTECTED
        return Finding.REDIRECT_ELSEWHERE
    if status == 400 and "no app for hostname" in answer.text.lower():
        return Finding.NO_APP_FOR_HOSTNAME
    if 200 <= status < 300:
        return Finding.UNPROTECTED
    return _BY_STATUS.get(status, Finding.UNEXPECTED)


def _result(
    host: str, code: Finding, answer: Answer, expected: str, *, where: str, via: Via
) -> HostResult:
    detail, fix = _TEXT[code]
    values = {"where": where, "status": answer.status, "location": answer.location}
    text = detail.format(expected=expected, **values)
    if answer.status is None and answer.reason:
        text = f"{text}: {answer.reason}"
    return HostResult(host, code, text, fix, via, answer.status, answer.location)


def verify_exit_code(results: Sequence[HostResult], access: Sequence[AppAccess] = ()) -> int:
    """0 when every host is protected and admits whom it declares; 75 when something did not
    answer; else 65."""
    codes = {r.exit_code for r in results} | {access_exit_code(access)}
    for code in (EX_TEMPFAIL, EX_DATAERR):
        if code in codes:
            return code
    return 0


def verify_report(
    results: Sequence[HostResult],
    output: Output = Output.TEXT,
    access: Sequence[AppAccess] | None = None,
) -> str:
    """One line per host and a summary, then the access findings (``--access``), or the same
    as JSON (``output="json"``)."""
    protected = sum(r.ok for r in results)
    if output == Output.JSON:
        document: dict[str, Any] = {
            "hosts": [r.as_json() for r in results],
            "protected": protected,
            "failed": len(results) - protected,
            "exit_code": verify_exit_code(results, access or ()),
        }
        if access is not None:
            document["access"] = [a.as_json() for a in access]
        return json.dumps(document, indent=2, sort_keys=True)
    lines = [_line(r) for r in results]
    lines.append(_summary(len(results), protected))
    if access is not None:
        lines += access_lines(access)
    return "\n".join(lines)


def _line(result: HostResult) -> str:
    status = CheckStatus.OK if result.ok else CheckStatus.FAIL
    text = f"{status:<4}  {result.host}  {result.classification}: {result.detail}"
    return f"{text} — fix: {result.fix}" if result.fix else text


def _summary(total: int, protected: int) -> str:
    if total == 0:
        return "verify: no hosts declared"
    if protected == total:
        return f"verify: all {total} host{'s' if total != 1 else ''} demand a login"
    return f"verify: {total - protected} of {total} hosts FAIL; {protected} demand a login"
