"""``provision verify``: ask the outpost (and the proxy) as Traefik would and name every answer.

A protected host answers an anonymous request with a login redirect: on every recorded release
a 302 to the server's ``/application/o/authorize/`` naming this config's provider by its
``client_id`` (read from the API: the token is needed), on older outposts and through nginx a
redirect to ``<proto>://<host>/outpost.goauthentik.io/start`` (``provision.login_redirect``).
Every other answer is one of the classic failures, named here by a stable code, with the fix
(``provision.verify_text``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from provision.access import AppAccess, access_exit_code, access_lines
from provision.asking import AsksAnonymously, ask_outpost, ask_through_proxy
from provision.authentik.anonymous import Answer
from provision.declared_providers import NOT_READ, DeclaredProviders
from provision.errors import EX_DATAERR, EX_TEMPFAIL
from provision.findings import TRANSIENT, CheckStatus, Finding, Via
from provision.login_redirect import Verdict, judge_redirect
from provision.options import Output
from provision.terms import NGINX_AUTH_PATH
from provision.verify_text import Asked, describe

if TYPE_CHECKING:
    import requests

    from provision.config import Config

log = logging.getLogger(__name__)

REDIRECTS = frozenset({302, 307})
# Traefik's own answer when no router matches the Host header (Caddy's: see _caddy_default).
_TRAEFIK_NOT_FOUND = "404 page not found"
# The outpost's answer to a question without the forwarded headers it needs (file 13).
_CONFIGURATION_ERROR = "configuration error"
_BY_STATUS = {404: Finding.NOT_BOUND, 500: Finding.MISSING_FORWARDED_HEADERS}


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
    provider: str = ""  # the provider the login redirect named (ours, or the one serving it)
    client_id: str = ""  # the client_id in that redirect

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
            "provider": self.provider,
            "client_id": self.client_id,
        }


def verify_hosts(
    config: Config,
    providers: DeclaredProviders = NOT_READ,
    through: str | None = None,
    *,
    session: requests.Session | None = None,
) -> list[HostResult]:
    """Ask the outpost about every declared host (and the proxy at ``through``, if given).

    Anonymous requests only: the token is never sent to the outpost or the proxy (``providers``
    were read with it before). TLS is verified (authentik.ca_bundle).
    """
    from provision.loading import anonymous_client

    address = config.settings.outpost.address.rstrip("/")
    with anonymous_client(config, session) as client:
        hosts = [app.host for app in config.desired.targets]
        results = [ask_host(client, host, address, through, providers) for host in hosts]
    for result in results:
        log.debug("%s: %s via %s", result.host, result.classification, result.via)
    return results


def ask_host(
    client: AsksAnonymously,
    host: str,
    address: str,
    through: str | None = None,
    providers: DeclaredProviders = NOT_READ,
) -> HostResult:
    """One host's result: the outpost's answer, and the proxy's when ``through`` is given."""
    at_outpost = classify_outpost(host, ask_outpost(client, address, host), providers)
    if through is None:
        return at_outpost
    answer = ask_through_proxy(client, through, host)
    via_proxy = classify_proxy(host, answer, through, providers)
    # An unprotected backend is the worst finding whatever the outpost said (the outpost's own
    # 200 names the skip regex that opened it); otherwise the outpost's failure explains the
    # proxy's, so it is the one worth fixing first.
    if via_proxy.classification == Finding.UNPROTECTED:
        return at_outpost if at_outpost.classification == Finding.UNPROTECTED else via_proxy
    if not at_outpost.ok:
        return at_outpost
    if via_proxy.ok and not via_proxy.client_id:  # nginx's start names no client_id; the outpost's
        return replace(via_proxy, provider=at_outpost.provider, client_id=at_outpost.client_id)
    return via_proxy


def classify_outpost(
    host: str, answer: Answer, providers: DeclaredProviders = NOT_READ
) -> HostResult:
    """Name the outpost's answer to Traefik's question about ``host``."""
    verdict = _classify(host, answer, providers)
    where = f"the outpost ({answer.url})"
    return _result(host, verdict, answer, providers, where=where, via=Via.OUTPOST)


def classify_proxy(
    host: str, answer: Answer, through: str, providers: DeclaredProviders = NOT_READ
) -> HostResult:
    """Name the reverse proxy's answer to an anonymous request for ``host``.

    Traefik and Caddy pass the outpost's redirect on; nginx redirects to ``start`` itself.
    """
    verdict = _classify(host, answer, providers)
    if verdict.finding == Finding.NOT_BOUND and answer.text.strip() == _TRAEFIK_NOT_FOUND:
        verdict = Verdict(Finding.NO_ROUTE)
    if verdict.finding == Finding.UNPROTECTED and _caddy_default(answer):
        verdict = Verdict(Finding.NO_ROUTE)
    where = f"the proxy ({through})"
    return _result(host, verdict, answer, providers, where=where, via=Via.PROXY)


def _caddy_default(answer: Answer) -> bool:
    """Caddy answers a host no site matches with an empty 200 of its own."""
    return answer.status == 200 and answer.server == "Caddy" and not answer.text.strip()


def _classify(host: str, answer: Answer, providers: DeclaredProviders) -> Verdict:
    status = answer.status
    if status is None:
        return Verdict(Finding(answer.failure))
    if status in REDIRECTS:
        return judge_redirect(host, answer.location, providers)
    if status == 401 and urlsplit(answer.url).path == NGINX_AUTH_PATH:
        return Verdict(Finding.PROTECTED, providers.ours_for(host))  # nginx redirects itself
    return Verdict(_finding_for(status, answer.text.lower()))


def _finding_for(status: int, text: str) -> Finding:
    """What an answer that is no login redirect means, by its status and body."""
    if status == 400 and "no app for hostname" in text:
        return Finding.NO_APP_FOR_HOSTNAME
    if 200 <= status < 300:
        return Finding.UNPROTECTED
    if status == 500 and _CONFIGURATION_ERROR not in text:
        return Finding.UNEXPECTED  # a server error, not the outpost's complaint
    return _BY_STATUS.get(status, Finding.UNEXPECTED)


def _result(
    host: str,
    verdict: Verdict,
    answer: Answer,
    providers: DeclaredProviders,
    *,
    where: str,
    via: Via,
) -> HostResult:
    expected = f"a login redirect for {host}"
    asked = Asked(host, where, via, answer.status, answer.location, expected)
    text, fix = describe(verdict, asked, providers.ours_for(host))
    if answer.status is None and answer.reason:
        text = f"{text}: {answer.reason}"
    provider = verdict.provider.name if verdict.provider else ""
    return HostResult(
        host,
        verdict.finding,
        text,
        fix,
        via,
        answer.status,
        answer.location,
        provider,
        verdict.client_id,
    )


def verify_exit_code(results: Sequence[HostResult], access: Sequence[AppAccess] = ()) -> int:
    """0 when every host is protected and admits whom it declares; 75 when something did not
    answer; else 65."""
    codes = {r.exit_code for r in results} | {access_exit_code(access)}
    for code in (EX_TEMPFAIL, EX_DATAERR):
        if code in codes:
            return code
    return 0


def verify_json(
    results: Sequence[HostResult], access: Sequence[AppAccess] | None = None
) -> dict[str, Any]:
    """The hosts, how many are protected, the access findings (``--access``), the exit code."""
    protected = sum(r.ok for r in results)
    document: dict[str, Any] = {
        "hosts": [r.as_json() for r in results],
        "protected": protected,
        "failed": len(results) - protected,
        "exit_code": verify_exit_code(results, access or ()),
    }
    if access is not None:
        document["access"] = [a.as_json() for a in access]
    return document


def verify_report(
    results: Sequence[HostResult],
    output: Output = Output.TEXT,
    access: Sequence[AppAccess] | None = None,
) -> str:
    """One line per host and a summary, then the access findings (``--access``), or the same
    as JSON (``output="json"``)."""
    if output == Output.JSON:
        return json.dumps(verify_json(results, access), indent=2, sort_keys=True)
    protected = sum(r.ok for r in results)
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
    if protected == total == 1:
        return "verify: the 1 host demands a login"
    if protected == total:
        return f"verify: all {total} hosts demand a login"
    return f"verify: {total - protected} of {total} hosts FAIL; {protected} demand a login"
