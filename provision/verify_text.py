"""What ``verify`` says about each finding and how to fix it: one line of detail, one fix.

``{where}``, ``{status}``, ``{location}``, ``{expected}`` are filled in; answers that name a
provider (a login redirect) or explain themselves better than the table (a skip regex that
opens ``/``) get their own words from ``describe``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from provision.declared_providers import ProviderLogin
from provision.findings import Finding, Via
from provision.login_redirect import Verdict

_SYNC = "run `provision sync`"
# From 2026.8 (release notes) X-Forwarded-* counts only from trusted proxy networks; otherwise
# Authentik matches its own Host and answers the 404 page a host not bound gets.
_UNTRUSTED_FIX = (
    "if `provision plan` shows no change and the outpost had time to refresh, add the asking"
    " machine's address range to AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS on the Authentik server"
    " (default 127.0.0.0/8, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, ::1/128) and restart it"
)
_NEVER_SYNCED = "the server has no provider of this config for the host (never synced?)"

TEXT: dict[Finding, tuple[str, str]] = {
    Finding.PROTECTED: ("anonymous request redirected to {location}", ""),
    Finding.NOT_BOUND: (
        "{where} answered Authentik's 404 page: host not bound to the embedded outpost"
        " (or outpost not refreshed yet)",
        f"{_SYNC} (it adds the provider to the embedded outpost), then allow the outpost up to"
        " its refresh interval (5 minutes by default) or restart the Authentik server; from"
        " 2026.8 the same page answers when this machine is outside Authentik's trusted proxy"
        f" networks, which this answer cannot tell apart: {_UNTRUSTED_FIX}",
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
    Finding.SERVED_BY_OTHER_PROVIDER: (
        "{where} sends anonymous visitors to log in with a provider that is not this config's",
        "another proxy provider serves this host on the outpost (a hand-made one for the same"
        " external host?): take it off the embedded outpost or change its external host, then"
        f" {_SYNC}",
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
class Asked:
    """One question and its answer, as the texts need them."""

    host: str
    where: str
    via: Via
    status: int | None
    location: str
    expected: str


def fix_for(finding: Finding) -> str:
    """What to do about ``finding``, as the reports say it."""
    return TEXT[finding][1]


def describe(verdict: Verdict, asked: Asked, ours: ProviderLogin | None) -> tuple[str, str]:
    """The detail and the fix for one classified answer (``ours``: this config's provider)."""
    code = verdict.finding
    detail, fix = TEXT[code]
    values = {"where": asked.where, "status": asked.status, "location": asked.location}
    text = detail.format(expected=asked.expected, **values)
    if code == Finding.PROTECTED and asked.status == 401:
        text = f"{asked.where} answered 401 to an anonymous request (nginx then sends it to log in)"
    elif code == Finding.PROTECTED and verdict.client_id:
        text = _logs_in_with(verdict, asked.location)
    elif code == Finding.SERVED_BY_OTHER_PROVIDER:
        text = f"{asked.where} {_served_by(verdict)}, {_not_ours(ours)}"
    elif code == Finding.NOT_BOUND and asked.status != 404:
        text = f"{asked.where} redirected to log in, but {_NEVER_SYNCED}"
    elif code == Finding.NOT_BOUND and asked.via == Via.PROXY:
        text, fix = _proxy_not_trusted(asked)
    elif code == Finding.UNPROTECTED and asked.via == Via.OUTPOST:
        text, fix = _skipped_root(asked, ours)
    return text, fix


def _logs_in_with(verdict: Verdict, location: str) -> str:
    target = urlsplit(location)
    at = f"{target.scheme}://{target.netloc}{target.path}"
    if verdict.provider is None:  # the API was not read: the client_id could not be checked
        return f"anonymous request sent to log in at {at} (client_id {verdict.client_id})"
    return f"anonymous request sent to log in at {at} with provider {verdict.provider.name!r}"


def _served_by(verdict: Verdict) -> str:
    if verdict.provider is None:
        return (
            "sends anonymous visitors to log in with a provider the API does not list"
            f" (client_id {verdict.client_id})"
        )
    return f"sends anonymous visitors to log in with provider {verdict.provider.name!r}"


def _not_ours(ours: ProviderLogin | None) -> str:
    return _NEVER_SYNCED if ours is None else f"not with this config's {ours.name!r}"


def _skipped_root(asked: Asked, ours: ProviderLogin | None) -> tuple[str, str]:
    """The outpost lets an anonymous request through only on a path its skip regex matches."""
    regex = f" (skip_path_regex {ours.skip_path_regex!r})" if ours else ""
    text = (
        f"UNPROTECTED: {asked.where} answered {asked.status} to an anonymous request for '/',"
        f" without a login: the provider's skip_path_regex matches '/'{regex}"
    )
    fix = (
        "change the skip_path_regex so that no line matches '/' (each line is an unanchored"
        " regular expression, matched against the path; for a domain, the whole URL), then"
        f" {_SYNC}; it also undoes a hand edit of the provider in Authentik"
    )
    return text, fix


def _proxy_not_trusted(asked: Asked) -> tuple[str, str]:
    """The proxy got the 404 page for a host the outpost serves when asked directly (only then
    is the proxy's answer reported): Authentik did not take the proxy's X-Forwarded-Host."""
    text = (
        f"{asked.where} answered Authentik's 404 page, although the outpost serves this host"
        " when asked directly: Authentik did not take the proxy's X-Forwarded-Host"
    )
    fix = (
        "from 2026.8 Authentik takes X-Forwarded-* only from its trusted proxy networks: add"
        " the proxy's address range to AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS on the Authentik"
        " server (default 127.0.0.0/8, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, ::1/128) and"
        " restart it; on any release, check that the proxy sends X-Forwarded-Host to the outpost"
    )
    return text, fix
