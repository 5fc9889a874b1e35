"""Names as the outpost compares them, parsed once: hosts, cookie domains and external hosts.

A raw value becomes one of these types at the boundary (the config, or an API answer) and
nothing downstream sees the raw form, so every comparison is of one canonical spelling:
``bücher.example`` and ``xn--bcher-kva.example`` are one ``Host``, and a provider for
``http://Wiki.example.com`` is at the same ``ExternalHost.key`` as ``https://wiki.example.com``.

``Host`` and ``Domain`` are ``str`` subclasses whose constructor parses: an instance is always
canonical, and any text the renderers write from one is a DNS name (letters, digits, ``-`` and
``.``), which no proxy syntax reads as anything but a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import idna
from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def stored_text(value: str) -> str:
    """A text field as Authentik stores it: trimmed at both ends.

    Authentik's serializers are DRF ``CharField``s with ``trim_whitespace`` (``str.strip``):
    recording 08a shows a blueprint's ``content`` sent with a final newline and stored
    without it. Comparing the declared value as written would never converge.
    """
    return value.strip()


def text(value: object) -> str:
    """``value`` if it is text, else ValueError naming what YAML made of it instead."""
    if isinstance(value, str):
        return value
    raise ValueError(f"must be text, not {describe(value)}")


def describe(value: object) -> str:
    """What a non-text value is, in YAML's words (the user wrote YAML, not Python)."""
    if isinstance(value, bytes | bytearray):
        return "binary data (a !!binary tag); write the value as plain text"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}; quote it to give text"
    if isinstance(value, int | float):
        return f"the number {value!r}; quote it to give text"
    if isinstance(value, date):
        return f"the date {value.isoformat()}; quote it to give text"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"


class Parsed(str):
    """A ``str`` made only by parsing; pydantic fields of this type parse the same way."""

    __slots__ = ()

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        # Plain: pydantic's lax str would first turn bytes into text, unchecked.
        return core_schema.no_info_plain_validator_function(
            cls, serialization=core_schema.to_string_ser_schema()
        )


class Host(Parsed):
    """A DNS host name in its one canonical form, or ValueError saying what is wrong.

    The form is the A-label (punycode) form of IDNA 2008 with UTS 46 mapping (``straße``
    becomes ``xn--strae-oqa``, not ``strasse``): what browsers send in ``Host``, so what the
    outpost matches and what Traefik's ``Host()`` rules take. Spaces around it are dropped
    (Authentik trims text); upper case, a trailing dot, a scheme, a path or a wildcard are
    mistakes and refused.
    """

    __slots__ = ()

    def __new__(cls, value: object) -> Host:
        if isinstance(value, cls):
            return value
        return super().__new__(cls, cls.parse(text(value)))

    @classmethod
    def parse(cls, value: str) -> str:
        return _host_name(value)

    def is_under(self, domain: Host) -> bool:
        """Whether this host is ``domain`` or one of its hosts, label by label."""
        return self == domain or self.endswith("." + domain)

    def suffix_clash(self, domain: Host) -> bool:
        """Whether the outpost's plain suffix match takes this name for ``domain`` although it
        is not under it (``notexample.com`` ends with ``example.com``, docs/forward-auth.md)."""
        return self.endswith(domain) and not self.is_under(domain)


class Domain(Host):
    """A ``forward_domain`` cookie domain: a bare host name of two labels or more."""

    __slots__ = ()

    @classmethod
    def parse(cls, value: str) -> str:
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
        return _host_name(domain)


def _host_name(value: str) -> str:
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


def host_key(name: str) -> str:
    """Any spelling of a host as read from Authentik, in the one form ``Host`` has.

    Observed values are not refused: a name this tool did not write may be in upper case,
    Unicode or with a trailing dot, and it is compared as the host it names. A name that
    IDNA cannot encode is compared lowercased, as written.
    """
    lowered = name.strip().lower().removesuffix(".")
    if lowered.isascii() and not any(part.startswith("xn--") for part in lowered.split(".")):
        return lowered
    try:
        return str(idna.encode(lowered, uts46=True).decode("ascii"))
    except (idna.IDNAError, UnicodeError):
        return lowered


def served_form(url: str) -> str:
    """An ``external_host`` in the form whose every difference the outpost sees.

    The outpost matches the host exactly (case and IDNA spelling included), so only what it
    ignores is dropped: the case of the scheme, surrounding spaces and a trailing slash
    (stored as given, docs/authentik.md). Comparing this form, an owned provider whose host is in
    another case or in Unicode is drift, and ``sync`` writes the canonical host back.
    """
    scheme, found, rest = url.strip().partition("://")
    return f"{scheme.lower()}://{rest.rstrip('/')}" if found else url.strip().rstrip("/")


@dataclass(frozen=True)
class ExternalHost:
    """A provider's ``external_host``: scheme, canonical host, optional port and path.

    The outpost picks a provider by host and port alone (``key``, docs/forward-auth.md): the
    scheme is only where it sends the browser back to, so two providers whose external hosts differ
    only in scheme, case or IDNA spelling serve one host.
    """

    scheme: str
    host: str
    port: str = ""
    path: str = ""

    @classmethod
    def parse(cls, url: str) -> ExternalHost:
        """Read an ``external_host`` as stored; never refuses (an observed value is a fact)."""
        # Split by hand: the planner stays free of urllib (tests/planner/test_planner_purity).
        scheme, found, rest = url.strip().partition("://")
        if not found:
            scheme, rest = "", url.strip()
        ends = [i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0]
        netloc, path = rest[: min(ends, default=len(rest))], rest[min(ends, default=len(rest)) :]
        path = path.partition("?")[0].partition("#")[0]
        netloc = netloc.rpartition("@")[2]
        name, port = netloc, ""
        if not netloc.endswith("]") and ":" in netloc:
            name, _, port = netloc.rpartition(":")
        return cls(scheme.lower(), host_key(name.strip("[]")), port.strip(), path.rstrip("/"))

    @classmethod
    def https(cls, host: Host) -> ExternalHost:
        """A declared host's external host: https, no port, no path."""
        return cls(scheme="https", host=host)

    @property
    def key(self) -> str:
        """The host and port the outpost matches a request's host against."""
        name = f"[{self.host}]" if ":" in self.host else self.host
        return f"{name}:{self.port}" if self.port else name

    def __str__(self) -> str:
        scheme = f"{self.scheme}://" if self.scheme else ""
        return f"{scheme}{self.key}{self.path}"
