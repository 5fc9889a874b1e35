"""Authentik's own names and paths that this tool relies on, each written down once."""

from __future__ import annotations

# Proxy provider modes (``mode``).
FORWARD_SINGLE = "forward_single"
FORWARD_DOMAIN = "forward_domain"

# The embedded outpost's ``managed`` marker.
EMBEDDED_OUTPOST = "goauthentik.io/outposts/embedded"

# The flows every Authentik installation brings, used when the config names none.
DEFAULT_AUTHORIZATION_FLOW = "default-provider-authorization-implicit-consent"
DEFAULT_INVALIDATION_FLOW = "default-provider-invalidation-flow"

# The outpost's endpoints (docs/forward-auth.md).
OUTPOST_PREFIX = "/outpost.goauthentik.io"
TRAEFIK_AUTH_PATH = f"{OUTPOST_PREFIX}/auth/traefik"
NGINX_AUTH_PATH = f"{OUTPOST_PREFIX}/auth/nginx"
CADDY_AUTH_PATH = f"{OUTPOST_PREFIX}/auth/caddy"
START_PATH = f"{OUTPOST_PREFIX}/start"
PING_PATH = f"{OUTPOST_PREFIX}/ping"

# Authentik's anonymous health endpoints.
HEALTH_LIVE_PATH = "/-/health/live/"
HEALTH_READY_PATH = "/-/health/ready/"
