"""Host names, slugs, URLs and skip-path regexes: checks and derived defaults."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_SLUG = re.compile(r"^[-a-z0-9_]+$")
# Authentik refuses these application slugs (transcript 04a).
RESERVED_SLUGS = frozenset({"authorize", "token", "device", "userinfo", "introspect", "revoke"})
# Paths no real skip rule should match all of; a line matching every one skips auth entirely.
_PROBE_PATHS = ("/", "/index.html", "/admin", "/login?next=/", "/zz-probe/x.y")


def check_host(value: str) -> str:
    """Return the host as stored (IDNA-encoded), or raise ValueError saying what is wrong."""
    host = value.strip()
    if "://" in host or "/" in host:
        raise ValueError(
            f"{value!r} looks like a URL; give the bare host name, e.g. app.example.com"
        )
    if "*" in host:
        raise ValueError(f"{value!r}: wildcard hosts are not supported; declare each host")
    if host != host.lower():
        raise ValueError(f"{value!r} is not a lowercase DNS name")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError(f"{value!r} is not a valid internationalised host name") from exc
    labels = host.split(".")
    if len(host) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"{value!r} is not a lowercase DNS name")
    return host


def default_name(host: str) -> str:
    """``sonarr.home.example.com`` -> ``Sonarr``."""
    first = host.split(".", 1)[0]
    if first.startswith("xn--"):
        first = first.encode("ascii").decode("idna")
    return first.replace("-", " ").title()


def default_slug(name: str) -> str:
    """A slug Authentik accepts, derived from a display name."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-")
    return slug[:50] or "app"


def check_slug(value: str) -> str:
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


def check_skip_path_regex(value: str) -> str:
    """Each non-empty line must compile and must not match every path."""
    problems = []
    for number, line in enumerate(value.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            pattern = re.compile(line)
        except re.error as exc:
            problems.append(f"line {number} {line!r} is not a valid regex ({exc})")
            continue
        if all(pattern.search(path) for path in _PROBE_PATHS):
            problems.append(
                f"line {number} {line!r} matches every path and would switch off"
                " authentication for the whole host"
            )
    if problems:
        raise ValueError("; ".join(problems))
    return value


def check_domain(value: str) -> str:
    """A cookie domain as stored: a bare DNS name of two labels or more, no scheme or port."""
    domain = value.strip()
    if "://" in domain:
        raise ValueError(f"{value!r} has a scheme; give the bare domain, e.g. example.com")
    if ":" in domain:
        raise ValueError(f"{value!r} has a port; a cookie domain is a name only")
    if domain.startswith("."):
        raise ValueError(f"{value!r}: give the domain without a leading dot, e.g. example.com")
    if "." not in domain:
        raise ValueError(
            f"{value!r} is a bare top-level domain; give your own domain, e.g. example.com"
        )
    return check_host(domain)


def under_domain(host: str, domain: str) -> bool:
    """Whether ``host`` is ``domain`` or one of its hosts, label by label."""
    return host == domain or host.endswith("." + domain)


def suffix_without_dot(name: str, domain: str) -> bool:
    """Whether the outpost's plain suffix match takes ``name`` for ``domain`` although it is
    not under it (``notexample.com`` ends with ``example.com``, DESIGN §10)."""
    return name.endswith(domain) and not under_domain(name, domain)
