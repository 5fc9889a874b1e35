"""What every proxy rendering shares: the outpost's headers and paths, and safe values.

Traefik, nginx and Caddy all ask the same embedded outpost (docs/proxies.md) and copy the same
identity headers onto the request; only the syntax differs.
"""

from __future__ import annotations

from provision.terms import OUTPOST_PREFIX
from provision.upstream import unsafe_characters

# The headers the outpost answers with (docs/forward-auth.md); each proxy copies them onto the
# request.
AUTH_RESPONSE_HEADERS = (
    "X-authentik-username",
    "X-authentik-groups",
    "X-authentik-entitlements",
    "X-authentik-email",
    "X-authentik-name",
    "X-authentik-uid",
    "X-authentik-jwt",
    "X-authentik-meta-jwks",
    "X-authentik-meta-outpost",
    "X-authentik-meta-provider",
    "X-authentik-meta-app",
    "X-authentik-meta-version",
)
# Request headers the outpost reads to pick the provider and build the URL it checks against
# skip_path_regex (internal/outpost/proxyv2: the nginx endpoint takes X-Original-URI before
# X-Original-URL; the Traefik and Caddy endpoints join X-Forwarded-Proto, -Host and -Uri; the
# provider is looked up by X-Forwarded-Host before Host). Method and Prefix are not read today but
# are forwarding headers all the same. A client's copy of any of them must never reach the outpost:
# each rendering sets or clears every one.
FORWARDING_HEADERS = (
    "X-Original-URI",
    "X-Original-URL",
    "X-Forwarded-Uri",
    "X-Forwarded-Host",
    "X-Forwarded-Proto",
    "X-Forwarded-Method",
    "X-Forwarded-Prefix",
)
OUTPOST_PATH_PREFIX = f"{OUTPOST_PREFIX}/"


def unsafe_url(where: str, url: str) -> str | None:
    """A problem line when ``url`` cannot be written into proxy config as it is, else None.

    The settings parse every such URL (``UpstreamURL``); this keeps a desired state built
    any other way from reaching a config unchecked.
    """
    if unsafe_characters(url):
        return f"{where}: {url!r} contains characters a proxy config cannot take unquoted"
    return None


def unquotable(where: str, value: str) -> str | None:
    """A problem line when ``value`` holds a control character no quoting should carry."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return f"{where}: {value!r} contains a control character (a newline?)"
    return None


def nginx_string(value: str) -> str:
    """``value`` as one quoted nginx string (checked with ``unquotable`` first).

    Inside double quotes nginx reads ``\\"`` and ``\\\\`` as the characters themselves,
    so a ``;``, brace, ``#`` or quote in a path stays part of the path and cannot end the
    directive.
    """
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
