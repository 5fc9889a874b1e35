"""Doctor checks of the proxy settings that the outpost's host matching depends on.

The outpost matches ``X-Forwarded-Host`` exactly against the host of ``external_host``, port
included (docs/forward-auth.md). The rendered nginx sends ``$host`` (never a port), and
Traefik's ports live in its static config, not here; Caddy's ``forward_auth`` passes the
client's Host as it came, so sites on ``caddy.port`` other than the scheme's default are
asked with that port, which no ``https://<host>`` external host matches.
"""

from __future__ import annotations

from collections.abc import Sequence

from provision.checklist import Check, ok, warn
from provision.proxy_settings import CaddySettings

NAME = "caddy.port"


def check_caddy_port(caddy: CaddySettings, hosts: Sequence[str]) -> Check | None:
    """A warning when Caddy serves the hosts on a port browsers must name; None when unset."""
    if caddy.port is None or not hosts:
        return None
    default = 443 if caddy.auto_https else 80
    if caddy.port == default:
        return ok(NAME, f"{caddy.port} is the default port of the site addresses")
    example = hosts[0]
    return warn(
        NAME,
        f"the Caddy sites listen on port {caddy.port}: browsers then send Host"
        f" {example}:{caddy.port}, which Caddy's forward_auth passes on and the outpost matches"
        f" exactly against external_host https://{example} (port included), so it answers its"
        f" 404 page for {len(hosts)} host{'s' if len(hosts) != 1 else ''}",
        f"serve the sites on port {default}, or put a proxy on port {default} in front of Caddy"
        " that passes the Host header without a port (the rendered nginx does)",
    )
