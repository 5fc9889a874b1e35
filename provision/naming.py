"""Host names, slugs, URLs and skip-path regexes: checks and derived defaults."""

from __future__ import annotations

import contextlib
import re
from urllib.parse import urlsplit

import idna
import re2

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_SLUG = re.compile(r"^[-a-z0-9_]+$")
# Authentik refuses these application slugs (transcript 04a).
RESERVED_SLUGS = frozenset({"authorize", "token", "device", "userinfo", "introspect", "revoke"})
# Paths no real skip rule should match all of; a line matching every one skips auth entirely.
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # the error is reported with file and line instead
_SAMPLE_PATHS = ("/", "/index.html", "/admin", "/login?next=/", "/zz-sample/x.y")


def validate_host_name(value: str) -> str:
    """Return the host in its one canonical form, or raise ValueError saying what is wrong.

    The canonical form is the A-label (punycode) form of IDNA 2008 with UTS 46 mapping
    (``bücher.example.com`` and ``xn--bcher-kva.example.com`` are one host; ``straße`` becomes
    ``xn--strae-oqa``, not ``strasse``). It is what browsers send in ``Host``, so it is what
    Authentik's ``external_host`` and Traefik's ``Host()`` rules get.
    """
    host = value.strip()
    if "://" in host or "/" in host:
        raise ValueError(
            f"{value!r} looks like a URL; give the bare host name, e.g. app.example.com"
        )
    if "*" in host:
        raise ValueError(f"{value!r}: wildcard hosts are not supported; declare each host")
    if host != host.lower():
        raise ValueError(f"{value!r} is not a lowercase DNS name")
    if not host.isascii() or any(label.startswith("xn--") for label in host.split(".")):
        host = _a_labels(value, host)
    labels = host.split(".")
    if len(host) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"{value!r} is not a lowercase DNS name")
    return host


def _a_labels(value: str, host: str) -> str:
    try:
        return str(idna.encode(host, uts46=True).decode("ascii"))
    except (idna.IDNAError, UnicodeError) as exc:
        raise ValueError(
            f"{value!r} is not a valid internationalised host name (IDNA 2008: {exc})"
        ) from exc


def canonical_host(value: str) -> str:
    """The canonical form of a host for comparing, or the stripped value if it is invalid."""
    try:
        return validate_host_name(value)
    except ValueError:
        return value.strip()


def default_name(host: str) -> str:
    """``sonarr.home.example.com`` -> ``Sonarr``; ``xn--bcher-kva.example`` -> ``Bücher``."""
    first = host.split(".", 1)[0]
    if first.startswith("xn--"):
        # An invalid A-label is refused by validate_host_name; keep the name derivable meanwhile.
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


def validate_skip_path_regex(value: str) -> str:
    """Each non-empty line must compile in RE2 syntax (the outpost is Go, whose regexp is RE2:
    no lookaround, no backreferences, ``\\z`` for the end) and must not match every path."""
    problems = []
    for number, line in enumerate(value.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            pattern = re2.compile(line, options=_RE2_OPTIONS)
        except re2.error as exc:
            reason = exc.args[0].decode("utf-8", "replace") if exc.args else "invalid"
            problems.append(f"line {number} {line!r} is not a valid RE2 (Go) regex ({reason})")
            continue
        if all(pattern.search(path) for path in _SAMPLE_PATHS):
            problems.append(
                f"line {number} {line!r} matches every path and would switch off"
                " authentication for the whole host"
            )
    if problems:
        raise ValueError("; ".join(problems))
    return value


def validate_domain(value: str) -> str:
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
    return validate_host_name(domain)


def under_domain(host: str, domain: str) -> bool:
    """Whether ``host`` is ``domain`` or one of its hosts, label by label."""
    return host == domain or host.endswith("." + domain)


def suffix_without_dot(name: str, domain: str) -> bool:
    """Whether the outpost's plain suffix match takes ``name`` for ``domain`` although it is
    not under it (``notexample.com`` ends with ``example.com``, DESIGN §10)."""
    return name.endswith(domain) and not under_domain(name, domain)
