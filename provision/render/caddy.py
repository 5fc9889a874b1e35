"""A Caddyfile (Caddy 2.6+) with one site block per declared host.

Per host, in this order (``route`` keeps it): client-sent ``X-authentik-*`` headers are
deleted, ``/outpost.goauthentik.io/*`` goes to the outpost, ``forward_auth`` asks
``/outpost.goauthentik.io/auth/caddy`` (anonymous: the outpost's redirect to its login start)
and copies the identity headers, then the backend (docs/proxies.md). A domain gets a block for its
auth host and one for ``*.<domain>`` (Caddy's wildcard is one label; a declared host's own site
is more specific and wins).
"""

from __future__ import annotations

import logging

from provision.errors import ConfigError
from provision.model import DesiredApp, DesiredState
from provision.render.forward_auth import (
    AUTH_RESPONSE_HEADERS,
    FORWARDING_HEADERS,
    OUTPOST_PATH_PREFIX,
    unsafe_url,
)
from provision.settings import CaddySettings, Settings
from provision.terms import CADDY_AUTH_PATH

log = logging.getLogger(__name__)

# Caddy (Go) canonicalises request header names (x-AUTHENTIK-foo -> X-Authentik-Foo, and
# X_AUTHENTIK_foo -> X_authentik_foo), and its wildcard deletion compares them as written: these
# four prefixes cover every spelling of "X-authentik-" with dashes or underscores.
CLIENT_HEADER_PATTERNS = ("X-Authentik-*", "X-Authentik_*", "X_authentik-*", "X_authentik_*")
# forward_auth sets X-Forwarded-Method and -Uri itself, and -For and -Proto from the client only
# behind trusted_proxies. The host is the one the site matched, as the browser sent it (with its
# port); the others are cleared so no client value reaches the outpost.
FORWARD_AUTH_HEADERS = {"X-Forwarded-Host": "{http.request.hostport}"}
FORWARD_AUTH_CLEARED = tuple(
    h
    for h in FORWARDING_HEADERS
    if h not in FORWARD_AUTH_HEADERS
    and h not in ("X-Forwarded-Proto", "X-Forwarded-Method", "X-Forwarded-Uri")
)
# Caddy up to 2.8.4 copies a header the outpost did not answer (a skipped path: no identity) as
# the text of its placeholder; such a value is removed right after forward_auth. Later Caddy
# removes the header itself, so this never matches there.
PLACEHOLDER_PREFIX = "^[{]http[.]reverse_proxy[.]header[.]"

_HEADER = """\
# Caddyfile for the hosts in provision.yaml, rendered by `provision render caddy`.
# Use it as the Caddyfile or `import` it from yours. Edit provision.yaml and render again
# rather than editing this file.
"""


def render_caddy(settings: Settings, desired: DesiredState) -> str:
    """The whole Caddyfile: a comment header and one site block per host."""
    caddy = settings.caddy
    address = settings.outpost.address.rstrip("/")
    problems = [unsafe_url("outpost.address", address)]
    for section, targets in (("apps", desired.apps), ("domains", desired.domains)):
        for index, app in enumerate(targets):
            if app.backend is not None:
                problems.append(unsafe_url(f"{section}[{index}].backend", app.backend))
    found = [p for p in problems if p]
    if found:
        raise ConfigError(found)
    blocks = [_site(app, app.host, address, caddy) for app in desired.targets]
    blocks += [_site(d, f"*.{d.cookie_domain}", address, caddy) for d in desired.domains]
    log.debug("rendered %d Caddy site blocks", len(blocks))
    return _HEADER + "".join(f"\n{block}" for block in blocks)


def site_address(host: str, caddy: CaddySettings) -> str:
    """``host`` (automatic HTTPS) or ``http://host``, with ``caddy.port`` when set."""
    scheme = "" if caddy.auto_https else "http://"
    port = f":{caddy.port}" if caddy.port is not None else ""
    return f"{scheme}{host}{port}"


def _site(app: DesiredApp, host: str, address: str, caddy: CaddySettings) -> str:
    lines = [
        f"{site_address(host, caddy)} {{",
        "\troute {",
        "\t\t# Never let a client-sent X-authentik-* header reach the outpost or the backend.",
        *(f"\t\trequest_header -{pattern}" for pattern in CLIENT_HEADER_PATTERNS),
        "\t\t# The outpost's own paths: login start, callback, sign-out.",
        f"\t\treverse_proxy {OUTPOST_PATH_PREFIX}* {address}",
        *_forward_auth(address, caddy),
        *_placeholder_cleanup(),
        *_backend(app),
        "\t}",
        "}",
    ]
    return "\n".join(lines) + "\n"


def _forward_auth(address: str, caddy: CaddySettings) -> list[str]:
    lines = [
        f"\t\tforward_auth {address} {{",
        f"\t\t\turi {CADDY_AUTH_PATH}",
        "\t\t\tcopy_headers {",
        *(f"\t\t\t\t{header}" for header in AUTH_RESPONSE_HEADERS),
        "\t\t\t}",
        *(f"\t\t\theader_up {name} {value}" for name, value in FORWARD_AUTH_HEADERS.items()),
        *(f"\t\t\theader_up -{name}" for name in FORWARD_AUTH_CLEARED),
    ]
    if caddy.trusted_proxies:
        # Only then does Caddy pass on X-Forwarded-* from the client instead of its own.
        lines.append("\t\t\ttrusted_proxies " + " ".join(caddy.trusted_proxies))
    return [*lines, "\t\t}"]


def _placeholder_cleanup() -> list[str]:
    lines = [
        "\t\t# Caddy 2.6-2.8 copies a header the outpost did not send as its placeholder text."
    ]
    for header in AUTH_RESPONSE_HEADERS:
        matcher = "@unset_" + header.lower().removeprefix("x-authentik-").replace("-", "_")
        lines.append(f"\t\t{matcher} header_regexp {header} {PLACEHOLDER_PREFIX}")
        lines.append(f"\t\trequest_header {matcher} -{header}")
    return lines


def _backend(app: DesiredApp) -> list[str]:
    if app.backend is not None:
        return [f"\t\treverse_proxy {app.backend}"]
    return [
        f"\t\t# PLACEHOLDER: this {'domain' if app.is_domain else 'app'} has no `backend` in"
        " provision.yaml. Set it and render",
        "\t\t# again, or replace the next line with `reverse_proxy <your app>`.",
        '\t\trespond "no backend configured" 503',
    ]
