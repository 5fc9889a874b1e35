"""A browser for tests: logs a user in through the whole recorded dance of transcript 13.

``Browser(fake.url, via=proxy_url).login(host, username, password)`` opens
``http://<host>/`` through the proxy, follows its redirect to the server's authorize endpoint
(nginx first sends it to the host's ``/outpost.goauthentik.io/start``), runs the flow
executor with the user's credentials, follows the authorize redirect to the outpost's
callback on the host (through the proxy again) and answers what the last GET answered. A user
the application's policies refuse ends on the "Permission denied" page: ``LoginRefused``.

Requests for the server (the fake's own address) go to it directly; requests for any other
host go to the address ``via`` maps that host to, with the host in the ``Host`` header. With
no ``via`` the browser plays Traefik itself: a host's ``/outpost.goauthentik.io/`` paths go to
the fake's outpost with the host in ``X-Forwarded-Host``, any other path is asked of
``/outpost.goauthentik.io/auth/traefik`` with ``X-Forwarded-*`` (whose 200 then stands for the
backend's answer). Cookies are kept per host as a browser keeps them: host-only, or for a
``Domain`` and every host under it.
"""

from __future__ import annotations

import http.cookiejar
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import requests

Via = str | Callable[[str], str] | None
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_HOPS = 25
FLOW_INTERFACE = re.compile(r"^/if/flow/(?P<slug>[^/]+)/$")
AUTHORIZE = "/application/o/authorize/"
OUTPOST = "/outpost.goauthentik.io/"
TIMEOUT = 10


class LoginFailed(Exception):
    """The flow executor did not let the user through (``challenge``: its last answer)."""

    def __init__(self, reason: str, challenge: Any = None) -> None:
        super().__init__(reason)
        self.challenge = challenge


class LoginRefused(Exception):
    """The user logged in, and the authorize step answered "Permission denied"."""

    def __init__(self, username: str, response: requests.Response) -> None:
        super().__init__(f"{username} was refused at the authorize step ({response.url})")
        self.response = response


@dataclass(frozen=True)
class Cookie:
    name: str
    value: str
    domain: str  # the host it came from (host-only) or its Domain attribute
    host_only: bool

    def sent_to(self, host: str) -> bool:
        if self.host_only:
            return host == self.domain
        return host == self.domain or host.endswith(f".{self.domain}")


def _hostname(host: str) -> str:
    """A host without its port: cookies do not tell ports apart."""
    return (urlsplit(f"//{host}").hostname or host).lower()


class CookieJar:
    """Cookies by (domain, host-only, name), as a browser keeps them (every path is ``/``)."""

    def __init__(self) -> None:
        self._cookies: dict[tuple[str, bool, str], Cookie] = {}

    def store(self, host: str, set_cookie: str) -> None:
        """Keep (or drop, when expired) the cookie a ``Set-Cookie`` from ``host`` carries."""
        pair, *attributes = (part.strip() for part in set_cookie.split(";"))
        name, _, value = pair.partition("=")
        options = {k.lower(): v for k, _, v in (a.partition("=") for a in attributes)}
        domain = options.get("domain", "").lstrip(".").lower()
        host = _hostname(host)
        if domain and not Cookie("", "", domain, host_only=False).sent_to(host):
            return  # a browser refuses a Domain its host is not under
        cookie = Cookie(name, value, domain or host, host_only=not domain)
        key = (cookie.domain, cookie.host_only, name)
        max_age = options.get("max-age")
        if max_age is not None and int(max_age) <= 0:
            self._cookies.pop(key, None)
        else:
            self._cookies[key] = cookie

    def for_host(self, host: str) -> dict[str, str]:
        """The cookies a request to ``host`` carries, by name."""
        host = _hostname(host)
        return {c.name: c.value for c in self._cookies.values() if c.sent_to(host)}

    def all(self) -> list[Cookie]:
        return list(self._cookies.values())


class Browser:
    """A browser against the fake server ``server`` and the app hosts ``via`` serves."""

    def __init__(self, server: str, via: Via = None) -> None:
        self.server = server.rstrip("/")
        self.server_host = urlsplit(self.server).netloc
        self.via = via
        self.cookies = CookieJar()
        self.session = requests.Session()
        self.session.trust_env = False
        # requests keeps cookies of its own; this browser's jar is the only one.
        self.session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one request ---------------------------------------------------------------------------

    def _address(self, method: str, url: str, headers: dict[str, str]) -> str:
        """Where a request for ``url`` goes, adding the headers its route needs."""
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.netloc == self.server_host:
            return self.server + target
        if self.via is not None:
            headers["Host"] = parts.netloc
            if parts.scheme == "https":  # the proxy listens on HTTP behind a TLS terminator
                headers.setdefault("X-Forwarded-Proto", "https")
            base = self.via(parts.netloc) if callable(self.via) else self.via
            return base.rstrip("/") + target
        forwarded = {"X-Forwarded-Proto": parts.scheme, "X-Forwarded-Host": parts.netloc}
        headers |= {**forwarded, "X-Forwarded-For": "127.0.0.1"}
        if parts.path.startswith(OUTPOST):
            headers["Host"] = parts.netloc
            return self.server + target
        headers |= {"X-Forwarded-Method": method, "X-Forwarded-Uri": target}
        return f"{self.server}{OUTPOST}auth/traefik"

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        accept: str = "text/html",
    ) -> requests.Response:
        """One request to ``url`` with this browser's cookies; the cookies it sets are kept."""
        sent = {"Accept": accept, "User-Agent": "provision-tests", **(headers or {})}
        host = urlsplit(url).netloc
        cookies = self.cookies.for_host(host)
        if cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        address = self._address(method, url, sent)
        response = self.session.request(
            method, address, headers=sent, json=json, allow_redirects=False, timeout=TIMEOUT
        )
        for set_cookie in response.raw.headers.getlist("Set-Cookie"):
            self.cookies.store(host, set_cookie)
        return response

    def get(
        self,
        host: str,
        path: str = "/",
        *,
        scheme: str = "http",
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """One GET of ``path`` on ``host`` (redirects not followed)."""
        return self.send("GET", f"{scheme}://{host}{path}", headers=headers)

    # -- the login ----------------------------------------------------------------------------

    def login(
        self, host: str, username: str, password: str, *, path: str = "/", scheme: str = "http"
    ) -> requests.Response:
        """Open ``path`` on ``host`` and log in on the way; what the last GET answered.

        Raises ``LoginRefused`` on the "Permission denied" page, ``LoginFailed`` when the flow
        does not accept the credentials.
        """
        response, url = self.open(f"{scheme}://{host}{path}", credentials=(username, password))
        parts = urlsplit(url)
        if parts.netloc == self.server_host and parts.path == AUTHORIZE:
            raise LoginRefused(username, response)
        return response

    def open(
        self, url: str, *, credentials: tuple[str, str] | None = None
    ) -> tuple[requests.Response, str]:
        """GET ``url`` and follow redirects (and a login flow, given credentials).

        Returns the last answer and its URL. Without credentials a login page ends the walk.
        """
        response = self.send("GET", url)
        for _ in range(MAX_HOPS):
            location = response.headers.get("location")
            if response.status_code in REDIRECTS and location:
                url = urljoin(url, location)
                response = self.send("GET", url)
                continue
            parts = urlsplit(url)
            page = FLOW_INTERFACE.match(parts.path) if parts.netloc == self.server_host else None
            if page is None or response.status_code != 200 or credentials is None:
                return response, url
            url = urljoin(self.server + "/", self.run_flow(page["slug"], parts.query, *credentials))
            response = self.send("GET", url)
        raise LoginFailed(f"more than {MAX_HOPS} redirects, last at {url}")

    def run_flow(self, slug: str, query: str, username: str, password: str) -> str:
        """Drive the flow executor as the flow page's script does; where the flow sends to."""
        executor = f"{self.server}/api/v3/flows/executor/{slug}/?{urlencode({'query': query})}"
        response = self.send("GET", executor, accept="application/json")
        for _ in range(MAX_HOPS):
            if response.status_code in REDIRECTS:
                url = urljoin(executor, response.headers["location"])
                response = self.send("GET", url, accept="application/json")
                continue
            challenge = response.json()
            component = challenge.get("component")
            if challenge.get("response_errors"):
                raise LoginFailed(f"{component} refused the answer", challenge)
            if component == "xak-flow-redirect":
                return str(challenge["to"])
            solution = {
                "ak-stage-identification": {"uid_field": username},
                "ak-stage-password": {"password": password},
                "ak-stage-consent": {"token": challenge.get("token", "")},
            }.get(component)
            if solution is None:
                raise LoginFailed(f"the flow stopped at {component}", challenge)
            body = {"component": component, **solution}
            response = self.send("POST", executor, json=body, accept="application/json")
        raise LoginFailed(f"the flow {slug} did not finish in {MAX_HOPS} steps")
