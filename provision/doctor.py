"""``provision doctor``: the forward-auth set-up checked end to end, one ok / warn / FAIL line each.

The checks run in dependency order; when one fails, those that need its answer are reported
as skipped rather than attempted. The exit code comes from the worst failure (docs/cli.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from provision.asking import ping_outpost
from provision.checklist import (
    Check,
    doctor_exit_code,
    doctor_json,
    doctor_report,
    fail,
    info,
    ok,
    skipped,
)
from provision.checks import (
    check_flow,
    check_host_bound,
    check_outpost,
    check_outpost_health,
    check_outpost_host,
    check_ping,
    check_reachable,
    check_secret_key,
    check_tls,
    check_token,
    check_version,
    config_failed,
    flow_slugs,
)
from provision.declared_providers import NOT_READ, declared_providers
from provision.errors import EX_CONFIG, AuthError, ConfigError, ProvisionError, TransientAPIError
from provision.findings import CheckStatus, Finding
from provision.group_checks import group_checks
from provision.loading import anonymous_client, connect, load, load_secrets
from provision.model import EmbeddedOutpost, parse_application, parse_outpost, parse_proxy_provider
from provision.options import Output
from provision.output import out
from provision.problem_sources import fix_naming_sources
from provision.proxy_checks import check_caddy_port
from provision.release_checks import release_checks
from provision.terms import HEALTH_LIVE_PATH, HEALTH_READY_PATH
from provision.verify import HostResult, ask_host

if TYPE_CHECKING:
    import requests

    from provision.authentik import AuthentikClient
    from provision.config import Config
    from provision.secrets import Secrets

log = logging.getLogger(__name__)
T = TypeVar("T")

_EVERYTHING_ELSE = (
    "secrets",
    "reachable",
    "TLS",
    "token",
    "version",
    "flows",
    "embedded outpost",
    "outpost authentik_host",
    "outpost health",
    "hosts",
    "outpost.address",
    "secret key",
)
_OUTPOST_DETAILS = ("outpost authentik_host", "outpost health")


def run_doctor(
    config_path: str | None, environ: Mapping[str, str], output: Output, document: dict[str, Any]
) -> int:
    """Run every check and return the exit code; the checklist is printed as text, or put in
    ``document`` (``output`` json) for the caller to print once (``provision.output``).

    ``config_path`` is ``--config`` (None: found as every command finds it); ``environ`` is
    the environment config and secrets are read from.
    """
    checks = diagnose(config_path, environ)
    if output == Output.JSON:
        document.update(doctor_json(checks))
    else:
        out(doctor_report(checks, output))
    return doctor_exit_code(checks)


def diagnose(
    config_path: str | None,
    environ: Mapping[str, str],
    *,
    session: requests.Session | None = None,
) -> list[Check]:
    """All checks, in order; ``session`` carries the anonymous requests (a new one if None)."""
    doctor = _Doctor(config_path, environ, session)
    doctor.run()
    return doctor.checks


class _Failed:
    """A call whose failure is already on the checklist."""


_FAILED = _Failed()


class _Doctor:
    def __init__(
        self,
        config_path: str | None,
        environ: Mapping[str, str],
        session: requests.Session | None,
    ) -> None:
        self.config_path = config_path
        self.environ = environ
        self.session = session
        self.checks: list[Check] = []
        self.providers = NOT_READ  # read by the host checks; the outpost's answers name them

    def add(self, check: Check) -> bool:
        """Record ``check``; True unless it failed."""
        self.checks.append(check)
        return check.status != CheckStatus.FAIL

    def skip(self, names: Iterable[str], because: str) -> None:
        self.checks.extend(skipped(name, because) for name in names)

    def attempt(self, name: str, call: Callable[[], T]) -> T | _Failed:
        """``call()``, or a FAIL line named ``name`` when Authentik refuses or is unreachable."""
        try:
            return call()
        except ProvisionError as exc:
            self.add(fail(name, str(exc), _fix_for(exc), exc.exit_code))
            return _FAILED

    def run(self) -> None:
        config = self.config()
        if config is None:
            self.skip(_EVERYTHING_ELSE, "the config could not be loaded")
            return
        secrets = self.secrets(config)
        with anonymous_client(config, self.session) as anonymous:
            reachable = self.server(config, anonymous)
            if reachable and secrets is not None:
                self.api(config, secrets)
            else:
                why = "no token (the secrets could not be read)" if reachable else "unreachable"
                self.skip(_api_checks(config), why)
            self.outpost_endpoint(config, anonymous)
        if secrets is None:
            self.skip(["secret key"], "the secrets could not be read")
        else:
            self.add(check_secret_key(secrets))

    def config(self) -> Config | None:
        try:
            config = load(self.config_path, self.environ)
        except ConfigError as exc:
            self.add(config_failed(exc.problems))
            return None
        count = len(config.desired.apps)
        declared = f"{count} app{'s' if count != 1 else ''}"
        if config.desired.domains:
            declared += f" and {len(config.desired.domains)} domain(s)"
        self.add(ok("config", f"{config.path}: {declared} declared"))
        for app in config.desired.targets:
            if app.access.any_user:
                self.add(info(f"access {app.slug}", f"{app.access.label} (any_user: true)"))
        hosts = [app.host for app in config.desired.targets]
        port = check_caddy_port(config.settings.caddy, hosts)
        if port is not None:
            self.add(port)
        return config

    def secrets(self, config: Config) -> Secrets | None:
        try:
            secrets = load_secrets(config, self.environ)
        except ConfigError as exc:
            reason = "; ".join(exc.problems)
            fix = fix_naming_sources(exc.problems, "fix the secrets")
            self.add(fail("secrets", reason, fix, EX_CONFIG))
            return None
        self.add(ok("secrets", f"token found ({secrets.token_source})"))
        return secrets

    def server(self, config: Config, anonymous: AuthentikClient) -> bool:
        """Reachable and TLS: anonymous, so they run even without a token."""
        settings = config.settings.authentik
        url = anonymous.base_url
        if anonymous.proxy:  # every request, the token's too, goes through it: say so first
            self.add(ok("proxy", f"requests to Authentik go through {anonymous.proxy}"))
        live = anonymous.ask_anonymously(url + HEALTH_LIVE_PATH)
        ready = anonymous.ask_anonymously(url + HEALTH_READY_PATH) if live.status == 200 else None
        reachable = self.add(check_reachable(url, live, ready))
        if live.status is not None or live.failure == Finding.TLS_FAILED:
            ca_bundle = str(settings.ca_bundle) if settings.ca_bundle else None
            self.add(check_tls(url, ca_bundle, live))
        else:
            self.skip(["TLS"], "Authentik is not reachable")
        return reachable

    def api(self, config: Config, secrets: Secrets) -> None:
        with connect(config, secrets) as client:
            user = self.attempt("token", client.me)
            if isinstance(user, _Failed):
                self.skip(_api_checks(config)[1:], "the token was not accepted")
                return
            self.add(check_token(user))
            version = self.attempt("version", client.version)
            if not isinstance(version, _Failed):
                self.add(check_version(version))
                self.checks += release_checks(config, client)
            self.flows(config, client)
            self.checks += group_checks(config.desired.targets, client)
            outpost = self.outpost(config, client)
            self.hosts(config, client, outpost)

    def flows(self, config: Config, client: AuthentikClient) -> None:
        listed = self.attempt("flows", client.list_flows)
        if isinstance(listed, _Failed):
            return
        by_slug = {str(flow.get("slug")): flow for flow in listed}
        for slug, designation in _flows_used(config).items():
            self.add(check_flow(slug, designation, by_slug))

    def outpost(self, config: Config, client: AuthentikClient) -> EmbeddedOutpost | None:
        managed = config.desired.outpost_managed
        found = self.attempt("embedded outpost", lambda: client.find_outpost(managed))
        if isinstance(found, _Failed):
            self.skip(_OUTPOST_DETAILS, "the embedded outpost could not be read")
            return None
        outpost = parse_outpost(found) if found is not None else None
        self.add(check_outpost(outpost, managed))
        if outpost is None:
            self.skip(_OUTPOST_DETAILS, "there is no embedded outpost")
            return None
        self.add(check_outpost_host(outpost))
        health = self.attempt("outpost health", lambda: client.outpost_health(outpost.pk))
        if not isinstance(health, _Failed):
            self.add(check_outpost_health(health))
        return outpost

    def hosts(
        self, config: Config, client: AuthentikClient, outpost: EmbeddedOutpost | None
    ) -> None:
        apps = config.desired.targets
        if not apps:
            return
        providers = self.attempt("proxy providers", client.list_proxy_providers)
        applications = self.attempt("applications", client.list_applications)
        if isinstance(providers, _Failed) or isinstance(applications, _Failed):
            self.skip([f"host {a.host}" for a in apps], "the objects could not be listed")
            return
        self.providers = declared_providers(providers, apps)
        by_pk = {p.pk: p for p in map(parse_proxy_provider, providers)}
        by_slug = {a.slug: a for a in map(parse_application, applications)}
        for app in apps:
            self.add(check_host_bound(app, config.desired.owner, by_pk, by_slug, outpost))

    def outpost_endpoint(self, config: Config, anonymous: AuthentikClient) -> None:
        """outpost.address answers ping, then each host as Traefik would ask it."""
        address = config.settings.outpost.address.rstrip("/")
        names = [_at_outpost(a.host) for a in config.desired.targets]
        if not self.add(check_ping(address, ping_outpost(anonymous, address))):
            self.skip(names, "outpost.address does not answer")
            return
        for app in config.desired.targets:
            answer = ask_host(anonymous, app.host, address, providers=self.providers)
            self.add(_answer_check(answer))


def _api_checks(config: Config) -> list[str]:
    """The names of the checks that need the API and the token, "token" first."""
    flows = [f"flow {slug}" for slug in _flows_used(config)]
    hosts = [f"host {a.host}" for a in config.desired.targets]
    return ["token", "version", *flows, "embedded outpost", *_OUTPOST_DETAILS, *hosts]


def _flows_used(config: Config) -> dict[str, str]:
    defaults = config.settings.defaults
    used = flow_slugs(config.desired.targets)
    used.setdefault(defaults.authorization_flow, "authorization")
    used.setdefault(defaults.invalidation_flow, "invalidation")
    return dict(sorted(used.items()))


def _at_outpost(host: str) -> str:
    return f"host {host} at the outpost"


def _answer_check(result: HostResult) -> Check:
    name = _at_outpost(result.host)
    if result.ok:
        return ok(name, result.detail)
    return fail(name, f"{result.classification}: {result.detail}", result.fix, result.exit_code)


def _fix_for(exc: ProvisionError) -> str:
    if isinstance(exc, AuthError):
        return (
            "give a superuser's API token (Admin → Directory → Tokens and App passwords) as"
            " AUTHENTIK_TOKEN, a systemd credential or in the sops file"
        )
    if isinstance(exc, TransientAPIError):
        return "check that Authentik runs and answers /-/health/ready/, then run again"
    return "run again with -v to see the request that failed"
