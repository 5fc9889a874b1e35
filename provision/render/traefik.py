"""Traefik v3 dynamic configuration (file provider) for the declared hosts (docs/proxies.md).

Per host: a router sending ``/outpost.goauthentik.io/`` to the outpost, and, for apps with a
``backend``, the app router behind the header-stripping and forwardAuth middlewares. A domain
gets the same for its auth host, and again for every host under the domain (``HostRegexp``, at
a priority below every app router, so a declared host keeps its own).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import yaml

from provision.errors import ConfigError, UsageError
from provision.model import DesiredApp, DesiredState
from provision.render.forward_auth import (
    AUTH_RESPONSE_HEADERS,
    FORWARDING_HEADERS,
    OUTPOST_PATH_PREFIX,
)
from provision.settings import Settings, TraefikSettings
from provision.terms import TRAEFIK_AUTH_PATH

log = logging.getLogger(__name__)

# forwardAuth first deletes every request header matching this, then copies the outpost's: so a
# client-sent X-authentik-* header that is not in the list above (or that a later Authentik adds)
# cannot reach the backend either. Go canonicalises names (X-Authentik-Foo), hence (?i).
AUTH_RESPONSE_HEADERS_REGEX = "(?i)^X-authentik-"
# forwardAuth with trustForwardHeader passes a request's X-Forwarded-* on instead of its own
# values, and the entry point keeps those of its forwardedHeaders.trustedIPs: a proxy in front
# that passes a client's X-Forwarded-Uri or -Host along would let the client choose the path or
# provider the outpost checks. The strip middleware deletes them, so forwardAuth sends the
# request's own URI and Host. X-Forwarded-Proto stays: a TLS-terminating proxy in front sets it.
STRIPPED_FORWARDING_HEADERS = tuple(h for h in FORWARDING_HEADERS if h != "X-Forwarded-Proto")
# The outpost's largest answer (its 404 page) is about 4 KB; Traefik reads the whole body of a
# refusal to pass it on, so it is bounded (Traefik warns without a bound).
MAX_RESPONSE_BODY_SIZE = 65536
# Traefik's default priority is the rule's length (under 270 even for a 253-character host), so
# this puts the outpost's own paths (start, callback, sign_out) above the app router on any host.
OUTPOST_ROUTER_PRIORITY = 1000
# A domain's routers for the hosts under it: the outpost's paths just below the hosts' own,
# everything else below any router with a Host rule (priority 1 is Traefik's lowest).
DOMAIN_OUTPOST_PRIORITY = 999
DOMAIN_ROUTER_PRIORITY = 1
FORMATS = ("yaml", "json")
# Long rules stay on one line instead of being folded, so each router can be found with grep.
YAML_WIDTH = 4096

_YAML_HEADER = (
    "# Traefik v3 dynamic configuration (file provider), rendered by `provision render traefik`.\n"
    "# Edit provision.yaml and render again rather than editing this file.\n"
)


def render_traefik(settings: Settings, desired: DesiredState, fmt: str = "yaml") -> str:
    """Render the dynamic config as YAML or JSON (for ``builtins.fromJSON`` in NixOS)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown Traefik config format {fmt!r}; use yaml or json")
    config = traefik_config(settings, desired)
    log.debug("rendered %d Traefik routers", len(config["http"].get("routers", {})))
    if fmt == "json":
        return json.dumps(config, indent=2, ensure_ascii=False) + "\n"
    body = yaml.dump(
        config,
        Dumper=yaml.SafeDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=YAML_WIDTH,
    )
    return _YAML_HEADER + body


def strip_middleware_name(traefik: TraefikSettings) -> str:
    """The middleware that removes client-sent ``X-authentik-*`` headers."""
    return f"{traefik.middleware}-strip-headers"


def traefik_config(settings: Settings, desired: DesiredState) -> dict[str, Any]:
    """The dynamic config as plain data, keys in a fixed order."""
    traefik = settings.traefik
    address = settings.outpost.address.rstrip("/")
    problems: list[str] = []
    routers: dict[str, Any] = {}
    services: dict[str, Any] = {traefik.outpost_service: _outpost_service(address, traefik)}
    for app in desired.targets:
        rule = f"Host(`{app.host}`)"
        _add(routers, f"{app.slug}-outpost", _outpost_router(rule, traefik), "router", problems)
        if app.backend is not None:
            _add(routers, app.slug, _app_router(app, rule, traefik), "router", problems)
            _add(services, app.slug, _load_balancer(app.backend), "service", problems)
    for domain in desired.domains:
        rule = f"HostRegexp(`{domain_regex(domain.cookie_domain)}`)"
        outpost = _outpost_router(rule, traefik, DOMAIN_OUTPOST_PRIORITY)
        _add(routers, f"{domain.slug}-domain-outpost", outpost, "router", problems)
        if domain.backend is not None:
            router = _app_router(domain, rule, traefik) | {"priority": DOMAIN_ROUTER_PRIORITY}
            _add(routers, f"{domain.slug}-domain", router, "router", problems)
    if problems:
        raise ConfigError(problems)
    # Traefik refuses an empty `routers:` map ("cannot be a standalone element").
    http: dict[str, Any] = {"routers": routers} if routers else {}
    http |= {
        "middlewares": {
            strip_middleware_name(traefik): _strip_headers(),
            traefik.middleware: _forward_auth(address, traefik.insecure_skip_verify),
        },
        "services": services,
    }
    if traefik.insecure_skip_verify:
        http["serversTransports"] = {traefik.outpost_service: {"insecureSkipVerify": True}}
    return {"http": http}


def _add(table: dict[str, Any], name: str, value: Any, kind: str, problems: list[str]) -> None:
    # Names derive from slugs, so two apps (or an app and the outpost service) can meet.
    if name in table:
        problems.append(
            f"traefik: two {kind}s would be named {name!r}; change one app's slug"
            " (or traefik.outpost_service)"
        )
        return
    table[name] = value


def _forward_auth(address: str, insecure_skip_verify: bool) -> dict[str, Any]:
    forward_auth: dict[str, Any] = {
        "address": f"{address}{TRAEFIK_AUTH_PATH}",
        "trustForwardHeader": True,
        "authResponseHeaders": list(AUTH_RESPONSE_HEADERS),
        "authResponseHeadersRegex": AUTH_RESPONSE_HEADERS_REGEX,
        "maxResponseBodySize": MAX_RESPONSE_BODY_SIZE,
    }
    if insecure_skip_verify:
        forward_auth["tls"] = {"insecureSkipVerify": True}
    return {"forwardAuth": forward_auth}


def _strip_headers() -> dict[str, Any]:
    # An empty value makes Traefik delete the header. This runs before forwardAuth, so only the
    # values the outpost itself answered with reach the backend, and forwardAuth asks with the
    # request's own URI and Host.
    deleted = (*AUTH_RESPONSE_HEADERS, *STRIPPED_FORWARDING_HEADERS)
    return {"headers": {"customRequestHeaders": dict.fromkeys(deleted, "")}}


def domain_regex(domain: str) -> str:
    """The domain and every host under it, at any depth, as Traefik's HostRegexp takes it."""
    return "^(?:.+\\.)?" + re.escape(domain) + "$"


def _outpost_router(
    rule: str, traefik: TraefikSettings, priority: int = OUTPOST_ROUTER_PRIORITY
) -> dict[str, Any]:
    router: dict[str, Any] = {
        "rule": f"{rule} && PathPrefix(`{OUTPOST_PATH_PREFIX}`)",
        "priority": priority,
    }
    return router | _placement(traefik) | {"service": traefik.outpost_service} | _tls(traefik)


def _app_router(app: DesiredApp, rule: str, traefik: TraefikSettings) -> dict[str, Any]:
    router: dict[str, Any] = {"rule": rule}
    chain = {"middlewares": [strip_middleware_name(traefik), traefik.middleware]}
    return router | _placement(traefik) | chain | {"service": app.slug} | _tls(traefik)


def _placement(traefik: TraefikSettings) -> dict[str, Any]:
    # No entryPoints key means "every entry point" to Traefik, which is what an empty list asks.
    return {"entryPoints": list(traefik.entrypoints)} if traefik.entrypoints else {}


def _tls(traefik: TraefikSettings) -> dict[str, Any]:
    if traefik.cert_resolver is None:
        return {}
    return {"tls": {"certResolver": traefik.cert_resolver}}


def _outpost_service(address: str, traefik: TraefikSettings) -> dict[str, Any]:
    service = _load_balancer(address)
    # The outpost picks the provider by the Host header, so it must see the client's.
    service["loadBalancer"]["passHostHeader"] = True
    if traefik.insecure_skip_verify:
        service["loadBalancer"]["serversTransport"] = traefik.outpost_service
    return service


def _load_balancer(url: str) -> dict[str, Any]:
    # Plain text: YAML's safe dumper writes str, not the parsed URL type it may come as.
    return {"loadBalancer": {"servers": [{"url": str(url)}]}}
