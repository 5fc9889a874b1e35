"""Which HTTP proxy carries the requests to Authentik; the token travels with every one.

``authentik.proxy`` set: that proxy, for every address. Not set: the environment's
``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY`` as usual, except for an address that means *this
machine* (``is_this_machine``): it never goes through an environment proxy. Such an address
means the proxy's own machine once the proxy resolves it, so the token meant for this machine
would leave it, for a place it was never meant to reach, because a variable was set for other
tools.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import unquote, urlsplit, urlunsplit

import requests

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# requests drops proxy keys set to None after merging the environment, so these keys stop the
# environment's proxies (scheme-wide and ALL_PROXY) from being used for one request.
NO_PROXY: dict[str, str | None] = {"http": None, "https": None, "all": None}


def is_this_machine(url: str) -> bool:
    """Whether ``url``'s host means the machine that sends the request, however spelled.

    That is decided from the text alone, never by a DNS or interface lookup: ``localhost`` and
    any ``*.localhost`` (RFC 6761), in any case, with or without a final dot; a loopback
    (``127.0.0.0/8``, ``::1``) or unspecified (``0.0.0.0``, ``::``) address, also IPv4-mapped
    (``::ffff:127.0.0.1``), with a zone (``::1%lo``), or in any form the C resolver reads as an
    IPv4 address (``127.1``, ``0x7f.1``, ``2130706433``, ``0177.0.0.1``). An address of a
    network interface or the machine's host name is not on this list: it names this machine
    for the proxy too, so the environment (``NO_PROXY``) decides as for any other host.
    """
    host = unquote(urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = _address(host)
    return address is not None and _means_here(address)


def _address(host: str) -> IPAddress | None:
    """The address ``host`` spells, as the resolver would read it; None for a name."""
    try:
        return ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        pass
    if not host or ":" in host:
        return None
    try:  # getaddrinfo reads numeric hosts as inet_aton does: short, octal and hex forms
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _means_here(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _means_here(address.ipv4_mapped)
    return address.is_loopback or address.is_unspecified


def proxies_for(base_url: str, proxy: str | None) -> dict[str, str | None]:
    """The ``proxies`` argument for requests to ``base_url``."""
    if proxy:
        return {"http": proxy, "https": proxy}
    if is_this_machine(base_url):
        return dict(NO_PROXY)
    return {}  # the environment decides, NO_PROXY included


def proxy_in_use(base_url: str, proxy: str | None) -> str | None:
    """The proxy requests to ``base_url`` go through (credentials hidden), or None."""
    if proxy:
        return _without_credentials(proxy)
    if is_this_machine(base_url):
        return None
    found = requests.utils.get_environ_proxies(base_url)
    chosen = found.get(urlsplit(base_url).scheme) or found.get("all")
    return _without_credentials(chosen) if chosen else None


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return url
    netloc = "***@" + parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=netloc))
