"""The doctor's checks: each turns what Authentik (or the outpost) answered into one line.

Pure functions over already-fetched answers, so every verdict can be tested from data; the
requests themselves are made in ``provision.doctor``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from provision.authentik.anonymous import Answer
from provision.authentik.proxies import is_this_machine
from provision.checklist import Check, fail, ok, warn
from provision.errors import EX_CONFIG, EX_TEMPFAIL, UnsupportedVersionError
from provision.findings import Finding
from provision.model import (
    Application,
    DesiredApp,
    EmbeddedOutpost,
    ProxyProvider,
    normalise_host_url,
)
from provision.problem_sources import fix_naming_sources
from provision.secrets import MIN_SECRET_KEY_LENGTH, Secrets
from provision.versions import NEWEST_KNOWN, profile_for

# Providers need an invalidation flow from this release on (docs/objects.md).
SYNC = "run `provision sync`"


def check_reachable(url: str, live: Answer, ready: Answer | None) -> Check:
    """Authentik answers ``/-/health/live/`` (and, ideally, ``/-/health/ready/``) with 200."""
    name = "reachable"
    if live.status is None:
        return fail(
            name,
            f"Authentik does not answer at {url}: {live.reason}",
            "check authentik.url (scheme, host and port) and that the server runs",
            EX_TEMPFAIL,
        )
    if live.status != 200:
        # A 5xx is a server starting or a proxy in front of it: that heals. A redirect or a
        # 4xx (a path under /api/v3, another service) does not: authentik.url is wrong.
        return fail(
            name,
            f"{live.url} answered HTTP {live.status}, not 200: is this Authentik?",
            "set authentik.url to the server's base URL, without /api/v3",
            EX_TEMPFAIL if live.status >= 500 else EX_CONFIG,
        )
    if ready is None or ready.status != 200:
        return warn(
            name,
            f"Authentik answers at {url} but is not ready yet (starting or migrating?)",
            "wait and run again (sync --wait SECONDS waits for readiness)",
        )
    return ok(name, f"Authentik answers at {url} and is ready")


def check_tls(url: str, ca_bundle: str | None, live: Answer) -> Check:
    """https is verified; plain http is fine on loopback only."""
    name = "TLS"
    parts = urlsplit(url)
    if live.failure == Finding.TLS_FAILED:
        return fail(
            name,
            f"the certificate of {parts.netloc} could not be verified",
            "set authentik.ca_bundle to the CA file of a private CA (verification is never"
            " skipped), or use http://127.0.0.1:9000 on the same machine",
            EX_CONFIG,
        )
    if parts.scheme == "https":
        against = f"authentik.ca_bundle {ca_bundle}" if ca_bundle else "the system CAs"
        return ok(name, f"https, certificate verified against {against}")
    if is_this_machine(url):
        return ok(name, "plain http on loopback: nothing crosses the network")
    return warn(
        name,
        f"plain http to {parts.hostname}: the token crosses the network unencrypted",
        "use an https authentik.url (authentik.ca_bundle for a private CA)",
    )


def check_token(me: Mapping[str, Any]) -> Check:
    """The token is accepted; a non-superuser's token usually lacks permission (04d)."""
    user = me.get("user") or {}
    username = str(user.get("username") or "?")
    if not user.get("is_superuser"):
        return warn(
            "token",
            f"accepted, but {username!r} is not a superuser: Authentik answers 403 on providers,"
            " outposts and flows unless it was granted those permissions",
            "use an API token of a superuser (Admin → Directory → Tokens and App passwords)",
        )
    return ok("token", f"accepted (user {username!r}, superuser)")


def check_version(version: Mapping[str, Any]) -> Check:
    """The server's release and the version profile the sync will use for it."""
    current = str(version.get("version_current") or "")
    try:
        profile = profile_for(current)
    except UnsupportedVersionError as exc:
        return fail("version", str(exc), "upgrade Authentik to 2024.12 or later")
    newer = ""
    if version.get("outdated") and version.get("version_latest"):
        newer = f"; {version['version_latest']} is available"
    icons = "meta_icon in the body" if profile.icon_write == "meta_icon" else "set_icon_url"
    reason = (
        f"Authentik {current}: profile {profile.name} (page size {profile.page_size},"
        f" icons by {icons}){newer}"
    )
    if profile.newer_than_known:
        return warn(
            "version",
            f"{reason}; newer than the newest release this tool knows ({NEWEST_KNOWN})",
            "check the changelog of authentik-provision for support of this release",
        )
    return ok("version", reason)


def flow_slugs(apps: Sequence[DesiredApp]) -> dict[str, str]:
    """Every flow the config uses: slug -> the designation it is used for."""
    slugs = {app.authorization_flow: "authorization" for app in apps}
    slugs.update({app.invalidation_flow: "invalidation" for app in apps})
    return dict(sorted(slugs.items()))


def check_flow(slug: str, designation: str, flows: Mapping[str, Mapping[str, Any]]) -> Check:
    """One flow the config names exists (and is meant for what it is used for)."""
    name = f"flow {slug}"
    flow = flows.get(slug)
    if flow is None:
        return fail(
            name,
            f"no flow with slug {slug!r} exists ({designation} flow of the declared providers)",
            f"create it in Authentik, or set defaults.{designation}_flow to an existing slug",
        )
    actual = str(flow.get("designation") or "")
    if actual and actual != designation:
        return warn(
            name,
            f"exists, but is designated {actual!r}, not {designation!r}",
            f"choose a flow designated {designation!r}",
        )
    return ok(name, f"exists ({designation})")


def check_outpost(outpost: EmbeddedOutpost | None, managed: str) -> Check:
    if outpost is None:
        return fail(
            "embedded outpost",
            f"no outpost with managed = {managed!r}",
            "Authentik creates the embedded outpost at start-up: check outpost.managed,"
            " or restart the server",
        )
    count = len(outpost.providers)
    return ok("embedded outpost", f"{outpost.name!r} serves {count} provider(s)")


def check_outpost_host(outpost: EmbeddedOutpost) -> Check:
    """The outpost needs a full authentik_host to send browsers to the login."""
    name = "outpost authentik_host"
    value = str(outpost.config.get("authentik_host") or "")
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        return ok(name, value)
    shown = repr(value) if value else "empty"
    return fail(
        name,
        f"is {shown}, not a full URL: logins cannot be redirected to Authentik",
        "Admin → Applications → Outposts → authentik Embedded Outpost → edit: set"
        " authentik_host to the URL browsers use for Authentik, e.g. https://auth.example.com/",
    )


def check_outpost_health(instances: Sequence[Mapping[str, Any]]) -> Check:
    """Connected outpost instances, with when each was last seen and its version."""
    name = "outpost health"
    if not instances:
        return warn(
            name,
            "no outpost instance connected",
            "the embedded outpost runs inside the server: check the server's logs, restart it",
        )
    seen = ", ".join(
        f"{i.get('hostname') or '?'} last seen {i.get('last_seen') or '?'},"
        f" version {i.get('version') or '?'}"
        for i in instances
    )
    if any(i.get("version_outdated") for i in instances):
        return warn(name, f"outdated: {seen}", "restart the outpost after upgrading Authentik")
    return ok(name, seen)


def check_host_bound(
    app: DesiredApp,
    owner: str,
    providers: Mapping[int, ProxyProvider],
    applications: Mapping[str, Application],
    outpost: EmbeddedOutpost | None,
) -> Check:
    """An owned application and provider (``forward_single``, or ``forward_domain`` for a
    domain) for the host, on the outpost."""
    name = f"host {app.host}"
    application = applications.get(app.slug)
    if application is None:
        return fail(name, f"no application with slug {app.slug!r}", SYNC)
    if application.meta_publisher != owner:
        return fail(
            name,
            f"application {app.slug!r} is not owned (meta_publisher"
            f" {application.meta_publisher!r}, not {owner!r})",
            "run `provision sync --adopt` to take it over",
        )
    provider = providers.get(application.provider) if application.provider is not None else None
    if provider is None:
        return fail(name, f"application {app.slug!r} has no proxy provider", SYNC)
    problems = _provider_problems(app, provider, outpost)
    if problems:
        return fail(name, "; ".join(problems), f"{SYNC} (it merges providers into the outpost)")
    bound = "on the embedded outpost" if outpost is not None else "binding not checked"
    return ok(name, f"{provider.name!r} in {app.mode} for {app.external_host}, {bound}")


def _provider_problems(
    app: DesiredApp, provider: ProxyProvider, outpost: EmbeddedOutpost | None
) -> list[str]:
    problems = []
    if provider.mode != app.mode:
        problems.append(f"provider {provider.name!r} is in mode {provider.mode!r}, not {app.mode}")
    if app.is_domain and provider.cookie_domain != app.cookie_domain:
        problems.append(
            f"provider cookie_domain is {provider.cookie_domain!r}, not {app.cookie_domain!r}"
        )
    if normalise_host_url(provider.external_host) != normalise_host_url(app.external_host):
        problems.append(
            f"provider external_host is {provider.external_host!r}, not {app.external_host!r}"
        )
    if outpost is not None and provider.pk not in outpost.providers:
        problems.append(
            f"provider {provider.name!r} is not on the embedded outpost's provider list"
            " (the outpost answers its 404 page)"
        )
    return problems


def check_ping(address: str, answer: Answer) -> Check:
    """``outpost.address`` answers ``/outpost.goauthentik.io/ping`` with 204."""
    name = "outpost.address"
    if answer.status == 204:
        return ok(name, f"{answer.url} answered 204")
    if answer.status is None:
        return fail(
            name,
            f"nothing answers at {address} ({answer.reason}; wrong port?)",
            "point outpost.address at the outpost: the Authentik server's port 9000 (9443 for"
            " https), or a standalone outpost's port",
            EX_TEMPFAIL,
        )
    return fail(
        name,
        f"{answer.url} answered HTTP {answer.status}, not 204: not an Authentik outpost",
        "point outpost.address at the Authentik server (port 9000) or an outpost",
    )


def check_secret_key(secrets: Secrets) -> Check:
    name = "secret key"
    if secrets.secret_key is None:
        return warn(
            name,
            "not checked (no sops file; the token came from outside it)",
            "set secrets.sops_file to check AUTHENTIK_SECRET_KEY",
        )
    return ok(
        name,
        f"present and at least {MIN_SECRET_KEY_LENGTH} characters ({secrets.secret_key_source})",
    )


def config_failed(problems: Sequence[str]) -> Check:
    message = "; ".join(problems)
    return fail("config", message, fix_naming_sources(problems, "fix the file"), EX_CONFIG)
