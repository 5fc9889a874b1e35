"""A URL a reverse proxy forwards to (an app's ``backend``, ``outpost.address``), parsed once.

It is written into nginx and Caddy configs as a bare argument, so a character either syntax
reads as the end of a directive, a block, a comment, a quote or a variable could add to the
config; such a URL is refused where it is declared (exit 78, file and line), for every proxy
alike, so any config the settings accept renders for each one. Percent-encoding keeps the
same URL without them.

It is an origin, ``scheme://host[:port]``: nginx would put a path in ``proxy_pass`` in place of
the location's own prefix (the outpost's ``/outpost.goauthentik.io/`` would lose it) and Caddy
refuses a path, a query or credentials in an upstream, and refuses ``http`` on port 443 or
``https`` on port 80 as conflicting. A lone trailing ``/`` is dropped.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from provision.names import Parsed, text
from provision.naming import is_url

# The other scheme's default port, which Caddy refuses as a conflict.
_CONFLICTING_PORT = {"http": 443, "https": 80}
# Quotes, braces, separators, comments, variables/placeholders, whitespace, escapes.
UNSAFE = re.compile(r"[\s;{}\"'#$\\`]")


def unsafe_characters(value: str) -> str:
    """The characters of ``value`` that no proxy config can take unquoted, each once."""
    return "".join(sorted(set(UNSAFE.findall(value))))


class UpstreamURL(Parsed):
    """An http or https URL with no character that would change a proxy config."""

    __slots__ = ()

    def __new__(cls, value: object) -> UpstreamURL:
        if isinstance(value, cls):
            return value
        url = text(value)
        if not is_url(url):
            raise ValueError(f"{url!r} is not a valid http/https URL")
        unsafe = unsafe_characters(url)
        if unsafe:
            raise ValueError(
                f"{url!r} contains {unsafe!r}, which an nginx or Caddy config cannot hold;"
                " percent-encode it"
            )
        return super().__new__(cls, _origin(url))


def _origin(url: str) -> str:
    """``url`` as ``scheme://host[:port]``; ValueError when it says more or its port conflicts."""
    parts = urlsplit(url)
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(
            f"{url!r} has a path, query or credentials; give only scheme://host[:port]"
            " (nginx would replace the location's path with it, Caddy refuses it)"
        )
    if parts.port is not None and _CONFLICTING_PORT[parts.scheme] == parts.port:
        raise ValueError(
            f"{url!r} speaks {parts.scheme} on port {parts.port}, the other scheme's port;"
            " Caddy refuses that as a conflict: check the scheme"
        )
    return url.removesuffix("/") if parts.path == "/" else url
