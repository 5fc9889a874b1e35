"""The real outposts' anonymous answers (file 13 of the recordings) and an outpost replaying them.

``tests/data/authentik/<release>/13-outpost-forward-auth.json`` holds every recorded release's
exchanges; verify meets the set-up's three providers and the outpost's answers to anonymous
questions (unbound host, bound host, a skipped path, a domain's hosts, no forwarded headers).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from provision.authentik.anonymous import BODY_LIMIT, Answer
from provision.testing.fake_authentik import FakeAuthentik
from tests.support.backends import LoopbackServer

DATA = Path(__file__).parents[1] / "data" / "authentik"
FILE = "13-outpost-forward-auth.json"
# Every release file 13 was recorded on; a missing file fails the import, never a silent skip.
VERSIONS = ("2024.12.5", "2025.10.3", "2026.2.2", "2026.8.0-rc1")
RECORDED: dict[str, list[dict[str, Any]]] = {
    version: json.loads((DATA / version / FILE).read_text(encoding="utf-8")) for version in VERSIONS
}
SINGLE_HOST = "rec-single.test"  # forward_single, skip_path_regex ^/api/
SERVER = "http://127.0.0.1:9000"


def exchange(version: str, step: str) -> dict[str, Any]:
    """The one recorded exchange of ``version`` whose step starts with ``step``."""
    (found,) = [e for e in RECORDED[version] if e["step"].startswith(step)]
    return found


def answer_of(recorded: Mapping[str, Any], base: str = SERVER) -> Answer:
    """The recorded response as the anonymous client reads it (``answer_from``)."""
    response = recorded["response"]
    headers = response["headers"]
    url = base + recorded["request"]["path"]
    text = str(response["body"])[:BODY_LIMIT]
    return Answer(url, response["status"], headers.get("location", ""), text)


def recorded_providers(version: str) -> list[dict[str, Any]]:
    """The set-up's providers as the API lists them; each got the application of its name."""
    made = [
        e["response"]["body"]
        for e in RECORDED[version]
        if e["step"] == "setup" and e["request"]["path"] == "/api/v3/providers/proxy/"
    ]
    return [body | {"assigned_application_slug": body["name"]} for body in made]


def provider_named(version: str, name: str) -> dict[str, Any]:
    (found,) = [p for p in recorded_providers(version) if p["name"] == name]
    return found


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: str


def login_redirect(version: str, server: str, client_id: str, external_host: str) -> Reply:
    """The recorded anonymous 302 of ``rec-single.test``, made out for another provider: its
    ``client_id``, its external host (where the callback goes) and the server's address."""
    recorded = exchange(version, "2 traefik:")["response"]
    original = provider_named(version, "rec13-single")
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(recorded["headers"]["location"]))
    swaps = [
        (origin, server),
        (original["client_id"], client_id),
        (quote(original["external_host"], safe=""), quote(external_host, safe="")),
    ]
    location, body = recorded["headers"]["location"], recorded["body"]
    for old, new in swaps:
        location, body = location.replace(old, new), body.replace(old, new)
    headers = {k: v for k, v in recorded["headers"].items() if k in ("content-type", "set-cookie")}
    return Reply(302, headers | {"location": location}, body)


def recorded_reply(version: str, step: str) -> Reply:
    """A recorded outpost answer as it was sent (the 404 page, the skipped path's 200, ...)."""
    response = exchange(version, step)["response"]
    headers = {k: v for k, v in response["headers"].items() if k == "content-type"}
    return Reply(response["status"], headers, str(response["body"]))


# The answer to one question: (endpoint path, the host asked about) -> reply.
Replier = Callable[[str, str], Reply]


def like_the_recorded_outpost(fake: FakeAuthentik, version: str) -> Replier:
    """Answer as the recorded outpost of ``version`` would for the fake's current state: the
    404 page for a host no provider on the embedded outpost serves, the empty 200 when its
    skip_path_regex matches ``/``, the 401 on nginx's endpoint, else the 302 to authorize."""

    def reply(endpoint: str, host: str) -> Reply:
        provider = _serving(fake, host)
        if provider is None:
            return recorded_reply(version, "1 traefik:")
        if any(re.search(line, "/") for line in provider["skip_path_regex"].split("\n") if line):
            return recorded_reply(version, "3 traefik:")
        if endpoint.endswith("/auth/nginx"):
            return recorded_reply(version, "2 nginx:")
        return login_redirect(version, fake.url, provider["client_id"], provider["external_host"])

    return reply


def _serving(fake: FakeAuthentik, host: str) -> dict[str, Any] | None:
    """The first provider on the embedded outpost whose external host (a domain: whose cookie
    domain) covers ``host``; only providers with an application are served."""
    bound = fake.state.embedded_outpost()["providers"]
    providers = {p["pk"]: p for p in fake.state.proxy_providers()}
    for pk in bound:
        provider = providers[pk]
        if not provider["assigned_application_slug"]:
            continue
        own = urlsplit(provider["external_host"]).netloc == host
        domain = provider["cookie_domain"]
        if own or (provider["mode"] == "forward_domain" and host.endswith(f".{domain}")):
            return provider
    return None


class ReplayedOutpost(LoopbackServer):
    """A loopback outpost answering each request with ``reply`` for its path and the host in
    X-Forwarded-Host (else Host); keeps the hosts it was asked about. Serves from
    ``__enter__`` until ``__exit__``."""

    def __init__(self, reply: Replier) -> None:
        self.reply = reply
        self.asked: list[str] = []
        super().__init__()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outpost = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host = self.headers.get("X-Forwarded-Host") or self.headers.get("Host", "")
                outpost.asked.append(host)
                reply = outpost.reply(urlsplit(self.path).path, host)
                body = reply.body.encode()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep the test output to the test's own

        return Handler
