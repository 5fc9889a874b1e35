"""A URL a reverse proxy forwards to (an app's ``backend``, ``outpost.address``), parsed once.

It is written into nginx and Caddy configs as a bare argument, so a character either syntax
reads as the end of a directive, a block, a comment, a quote or a variable could add to the
config; such a URL is refused where it is declared (exit 78, file and line), for every proxy
alike, so any config the settings accept renders for each one. Percent-encoding keeps the
same URL without them.
"""

from __future__ import annotations

import re

from provision.names import Parsed, text
from provision.naming import is_url

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
        return super().__new__(cls, url)
