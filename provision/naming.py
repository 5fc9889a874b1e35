"""Slugs, URLs and the names derived from a host; hosts and regexes are parsed in ``names``."""

from __future__ import annotations

import contextlib
import re
from urllib.parse import urlsplit

import idna

from provision.versions import PROFILES

_SLUG = re.compile(r"^[-a-z0-9_]+$")
# Authentik refuses these application slugs (transcript 04a); 2024.12.5 accepts them, but the
# tool refuses them on every release, so they are no profile field.
RESERVED_SLUGS = frozenset({"authorize", "token", "device", "userinfo", "introspect", "revoke"})
# A config holds on every supported release, so its slugs fit the strictest release's limit.
SLUG_MAX_LENGTH = min(p.slug_max_length for _, p in PROFILES if p.slug_max_length is not None)


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
    return slug[:SLUG_MAX_LENGTH] or "app"


def validate_slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(f"{value!r} is not a slug (lowercase letters, digits, '-' and '_')")
    if len(value) > SLUG_MAX_LENGTH:
        raise ValueError(f"{value!r} is longer than {SLUG_MAX_LENGTH} characters")
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
