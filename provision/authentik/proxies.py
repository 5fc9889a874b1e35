"""Which HTTP proxy carries the requests to Authentik; the token travels with every one.

``authentik.proxy`` set: that proxy, for every address. Not set: the environment's
``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY`` as usual, except that a loopback address
(``localhost``, ``127.0.0.0/8``, ``::1``) never goes through an environment proxy: a token
meant for this machine must not leave it because a proxy variable was set for other tools.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit

import requests

# requests drops proxy keys set to None after merging the environment, so these keys stop the
# environment's proxies (scheme-wide and ALL_PROXY) from being used for one request.
NO_PROXY: dict[str, str | None] = {"http": None, "https": None, "all": None}


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def proxies_for(base_url: str, proxy: str | None) -> dict[str, str | None]:
    """The ``proxies`` argument for requests to ``base_url``."""
    if proxy:
        return {"http": proxy, "https": proxy}
    if is_loopback(base_url):
        return dict(NO_PROXY)
    return {}  # the environment decides, NO_PROXY included


def proxy_in_use(base_url: str, proxy: str | None) -> str | None:
    """The proxy requests to ``base_url`` go through (credentials hidden), or None."""
    if proxy:
        return _without_credentials(proxy)
    if is_loopback(base_url):
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
