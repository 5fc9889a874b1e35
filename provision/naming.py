"""Host names, slugs, URLs and skip-path regexes: checks and derived defaults."""

from __future__ import annotations

import contextlib
import random
import re
import string
from urllib.parse import urlsplit

import idna
import re2

from provision.model import stored_text

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_SLUG = re.compile(r"^[-a-z0-9_]+$")
# Authentik refuses these application slugs (transcript 04a).
RESERVED_SLUGS = frozenset({"authorize", "token", "device", "userinfo", "introspect", "revoke"})
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # the error is reported with file and line instead


def _sample_paths() -> tuple[str, ...]:
    """Paths no real skip rule matches all of: a line matching every one skips login for the
    whole host. A few typical ones, and 64 random ones drawn once from a fixed seed (the same
    on every run) over the characters a decoded URL path can hold."""
    chars = string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/%? é€😀"
    draw = random.Random(17)  # noqa: S311 - samples, not secrets; fixed so checks are stable
    drawn = ("/" + "".join(draw.choices(chars, k=draw.randint(0, 40))) for _ in range(64))
    return ("/", "/index.html", "/admin", "/login", "/zz-sample/x.y", *drawn)


_SAMPLE_PATHS = _sample_paths()


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
    """Check ``value`` line by line as the outpost reads it; return it, or raise ValueError.

    Authentik stores the value trimmed (``stored_text``); the outpost splits what is stored on
    ``\\n`` and compiles every line as a Go regexp (RE2 syntax: no lookaround, no
    backreferences, ``\\z`` for the end), and a request whose path matches any line skips the
    login. An empty line is the empty regex, which matches every path, so a blank line (or one
    of spaces only) anywhere is refused, as is any line that matches every sample path.
    Lines are numbered as written.
    """
    stored = stored_text(value)
    if not stored:
        return value  # no regex at all: the outpost skips nothing
    first = value[: len(value) - len(value.lstrip())].count("\n") + 1
    lines = enumerate(stored.split("\n"), start=first)
    problems = [problem for number, line in lines if (problem := _line_problem(number, line))]
    if problems:
        raise ValueError("; ".join(problems))
    return value


def _line_problem(number: int, line: str) -> str | None:
    everything = "matches every path and would switch off authentication for the whole host"
    if not line.strip():
        return f"line {number} is blank: the outpost reads it as a regex that {everything}"
    try:
        pattern = re2.compile(line, options=_RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args else "invalid"
        return f"line {number} {line!r} is not a valid RE2 (Go) regex ({reason})"
    if all(pattern.search(path) for path in _SAMPLE_PATHS):
        return f"line {number} {line!r} {everything}"
    return None


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
