"""Slugs, URLs and the names derived from a host; hosts and regexes are parsed in ``names``."""

from __future__ import annotations

import contextlib
import re
from urllib.parse import urlsplit

import idna

_SLUG = re.compile(r"^[-a-z0-9_]+$")
# Authentik refuses these application slugs (transcript 04a).
RESERVED_SLUGS = frozenset({"authorize", "token", "device", "userinfo", "introspect", "revoke"})


def default_name(host: str) -> str:
    """``sonarr.home.example.com`` -> ``Sonarr``; ``xn--bcher-kva.example`` -> ``Bücher``."""
    first = host.split(".", 1)[0]
    if first.startswith("xn--"):
        # An invalid A-label is refused by names.Host; keep the name derivable meanwhile.
        with contextlib.suppress(idna.IDNAError, UnicodeError):
            first = idna.decode(first)
    return first.replace("-", " ").title()


def default_slug(name: str) -> str:
    """A slug Authentik accepts, derived from a display name."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-")
    return slug[:50] or "app"


def validate_slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(f"{value!r} is not a slug (lowercase letters, digits, '-' and '_')")
    if len(value) > 50:
        raise ValueError(f"{value!r} is longer than 50 characters")
    if value in RESERVED_SLUGS:
        raise ValueError(f"{value!r} is reserved by Authentik for its OAuth endpoints")
    return value


def is_url(value: str, schemes: tuple[str, ...] = ("http", "https")) -> bool:
    try:
        parts = urlsplit(value)
        _ = parts.port
    except ValueError:
        return False
    return parts.scheme in schemes and bool(parts.hostname) and " " not in value
