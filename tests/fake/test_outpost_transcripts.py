"""The fake's embedded outpost against file 13 of every recorded server, exchange by exchange.

For each directory of ``tests/data/authentik/`` holding ``13-outpost-forward-auth.json``, a fresh
fake gets the recording's setup (a group, two users, three providers and their applications,
one group binding, all three on the embedded outpost), then every exchange under
``/outpost.goauthentik.io/`` is sent in order with the recording's headers (the server's own
address and the cookies translated to the fake's) and compared: status, the ``Location``'s
scheme, host, path and query keys (``client_id`` the fake's provider's, ``redirect_uri`` and
``rd`` exact, the state's ``redirect``), the cookie's name (computed from the fake's client_id)
and attributes, which identity headers are present, and the body of 401, 500 and skipped 200s.

Each recording runs against the fake in its own mode (2024.12.5, 2025.10.3, 2026.2.2 and the
2026.8.0-rc1 build); what the fake answers otherwise would be listed in ``DIFFERENCES``.

Not replayed here: the login exchanges on the server (authorize, flow executor: the login tests
replay those); a callback carrying a code is replaced by ``FakeAuthentik.login`` for the same
user and host, as the code comes from that authorize step. The refresh trials (the outpost
PATCHes, 1-16 s delays) are timing, tested with the fake's refresh delay in
test_outpost_matching.
"""

from __future__ import annotations

import base64
import hashlib
import http.cookiejar
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from provision.testing.fake_authentik import FakeAuthentik

RECORDINGS = Path(__file__).resolve().parents[1] / "data" / "authentik"
FILE = "13-outpost-forward-auth.json"
RECORDED = sorted(path.parent.name for path in RECORDINGS.glob(f"*/{FILE}"))
TOKEN = "outpost-replay-token"
PREFIX = "/outpost.goauthentik.io/"
COMPARED_ATTRIBUTES = ("Path", "Domain", "Max-Age", "HttpOnly", "SameSite")

# (recording, step) -> why the fake answers that exchange otherwise (none since every
# recording has a mode of its own).
DIFFERENCES: dict[tuple[str, str], str] = {}


def cookie_id(client_id: str, recording: str) -> str:
    """What the cookie name ends with: 2024.12.5 took the client_id's start, later its hash."""
    if recording == "2024.12.5":
        return client_id[:8]
    return hashlib.sha256(client_id.encode()).hexdigest()[:8]


def state_claims(jwt: str) -> dict[str, Any]:
    payload = jwt.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    return claims


class Replay:
    """One recording replayed against one fake; collects every difference found."""

    def __init__(self, recording: str, fake: FakeAuthentik, session: requests.Session) -> None:
        self.recording = recording
        self.fake = fake
        self.session = session
        self.entries: list[dict[str, Any]] = json.loads((RECORDINGS / recording / FILE).read_text())
        self.server = self._recorded_server()
        self.providers: dict[str, dict[str, Any]] = {}  # recorded cookie id -> fake provider
        self.client_ids: dict[str, str] = {}  # recorded client_id -> the fake's
        self.jars: dict[str, dict[str, str]] = {}  # who -> fake cookie name -> value
        self.problems: list[str] = []
        self.compared = 0
        self.api_headers = {"Authorization": f"Bearer {fake.token}"}

    def _recorded_server(self) -> str:
        """The recorded server's own address, as Traefik's requests carry it in Host."""
        hosts = [e["request"].get("headers", {}).get("Host", "") for e in self.entries]
        return next(host for host in hosts if host.startswith("127.0.0.1:"))

    # -- setup -----------------------------------------------------------------------------

    def set_up(self) -> None:
        """The recording's setup, through the fake's API, with the fake's keys in bodies."""
        keys: dict[Any, Any] = {}
        for entry in self.entries:
            request, response = entry["request"], entry["response"]
            if (
                entry["step"] != "setup"
                or request["method"] != "POST"
                or "set_password" in (request["path"])
            ):
                continue
            body = {k: self._translated(k, v, keys) for k, v in request["body"].items()}
            answer = self.session.post(
                self.fake.url + request["path"], json=body, headers=self.api_headers, timeout=10
            )
            assert answer.status_code == 201, (request["path"], answer.text)
            keys[response["body"]["pk"]] = answer.json()["pk"]
            if "client_id" in response["body"]:
                self._learn_provider(response["body"], answer.json())
        self.fake.state.set_outpost_providers(p["pk"] for p in self.providers.values())

    def _translated(self, key: str, value: Any, keys: dict[Any, Any]) -> Any:
        flows = {f["slug"]: f["pk"] for f in self.fake.state.flows()}
        if key == "authorization_flow":
            return flows["default-provider-authorization-implicit-consent"]
        if key == "invalidation_flow":
            return flows["default-provider-invalidation-flow"]
        if key == "groups":
            return [keys[pk] for pk in value]
        return keys.get(value, value) if key in ("provider", "group", "target") else value

    def _learn_provider(self, recorded: dict[str, Any], created: dict[str, Any]) -> None:
        self.providers[cookie_id(recorded["client_id"], self.recording)] = created
        self.client_ids[recorded["client_id"]] = created["client_id"]

    # -- requests --------------------------------------------------------------------------

    def run(self) -> list[str]:
        for index, entry in enumerate(self.entries):
            if entry["request"]["path"].startswith(PREFIX):
                self.exchange(index, entry)
        return self.problems

    def exchange(self, index: int, entry: dict[str, Any]) -> None:
        request = entry["request"]
        who = next((u for u in ("rec13-alice", "rec13-bob") if u in entry["step"]), "anonymous")
        headers = dict(request.get("headers", {}))
        if request["path"].endswith("/callback") and "code" in request["query"]:
            self._log_in(who, headers["Host"])
            return
        if headers.get("Host") == self.server:
            headers["Host"] = urlsplit(self.fake.url).netloc
        if "Cookie" in headers:
            headers["Cookie"] = self._cookies(who, headers["Cookie"])
        try:
            answer: requests.Response | None = self.session.get(
                self.fake.url + request["path"],
                params=request["query"],
                headers=headers,
                allow_redirects=False,
                timeout=10,
            )
        except requests.ConnectionError:
            answer = None
        if answer is not None and "Set-Cookie" in answer.headers:
            name, _, value = answer.headers["Set-Cookie"].split(";")[0].partition("=")
            self.jars.setdefault(who, {})[name] = value
        if (self.recording, entry["step"]) not in DIFFERENCES:
            self.compared += 1
            for problem in self.compare(entry, answer):
                self.problems.append(f"[{index}] {entry['step']}: {problem}")

    def _log_in(self, who: str, host: str) -> None:
        """What the recorded authorize step and callback left: the user's session cookie."""
        name, value = self.fake.login(who, host)
        self.jars.setdefault(who, {})[name] = value

    def _cookies(self, who: str, recorded: str) -> str:
        sent = []
        for pair in recorded.split("; "):
            provider = self.providers[pair.split("=")[0].removeprefix("authentik_proxy_")]
            name = fake_cookie_name(provider)
            if name in self.jars.get(who, {}):
                sent.append(f"{name}={self.jars[who][name]}")
        return "; ".join(sent)

    # -- comparing ---------------------------------------------------------------------------

    def compare(self, entry: dict[str, Any], answer: requests.Response | None) -> list[str]:
        recorded = entry["response"]
        status = answer.status_code if answer is not None else None
        if status != recorded["status"]:
            return [f"status {status}, recorded {recorded['status']}"]
        if answer is None:
            return []
        checks: list[Callable[[], list[str]]] = [
            lambda: self.compare_location(entry, answer),
            lambda: self.compare_cookie(recorded, answer),
            lambda: compare_headers(recorded, answer),
        ]
        return [problem for check in checks for problem in check()]

    def compare_location(self, entry: dict[str, Any], answer: requests.Response) -> list[str]:
        recorded = entry["response"]["headers"].get("location")
        if recorded is None or "Location" not in answer.headers:
            return [] if recorded is None and "Location" not in answer.headers else ["Location"]
        want = urlsplit(recorded.replace(self.server, urlsplit(self.fake.url).netloc))
        got = urlsplit(answer.headers["Location"])
        problems = []
        if (want.scheme, want.netloc, want.path) != (got.scheme, got.netloc, got.path):
            problems.append(f"Location {got.geturl()}, recorded {recorded}")
        want_query, got_query = parse_qs(want.query), parse_qs(got.query)
        if set(want_query) != set(got_query):
            return [*problems, f"Location keys {sorted(got_query)}, recorded {sorted(want_query)}"]
        for key, exact in (
            ("client_id", self.client_ids.get),
            ("redirect_uri", None),
            ("rd", None),
        ):
            if key in want_query:
                expected = want_query[key][0] if exact is None else exact(want_query[key][0])
                if got_query[key][0] != expected:
                    problems.append(f"{key} {got_query[key][0]}, expected {expected}")
        if "scope" in want_query and set(want_query["scope"][0].split()) != set(
            got_query["scope"][0].split()
        ):
            problems.append(f"scope {got_query['scope']}, recorded {want_query['scope']}")
        recorded_state = (entry.get("note") or {}).get("state_jwt_claims")
        if recorded_state is not None:
            claims = state_claims(got_query["state"][0])
            if (set(claims), claims["redirect"]) != (
                set(recorded_state),
                recorded_state["redirect"],
            ):
                problems.append(f"state {claims}, recorded {recorded_state}")
        return problems

    def compare_cookie(self, recorded: dict[str, Any], answer: requests.Response) -> list[str]:
        want, got = recorded["headers"].get("set-cookie"), answer.headers.get("Set-Cookie")
        if want is None or got is None:
            return [] if want is None and got is None else [f"Set-Cookie {got}, recorded {want}"]
        recorded_name = want.split("=")[0]
        expected = fake_cookie_name(self.providers[recorded_name.removeprefix("authentik_proxy_")])
        problems = [] if got.split("=")[0] == expected else [f"cookie {got}, expected {expected}"]
        if cookie_attributes(want) != cookie_attributes(got):
            problems.append(f"cookie attributes {got}, recorded {want}")
        return problems


def fake_cookie_name(provider: dict[str, Any]) -> str:
    return "authentik_proxy_" + cookie_id(provider["client_id"], "the fake")


def cookie_attributes(set_cookie: str) -> list[str]:
    attributes = set_cookie.split("; ")[1:]
    return [a for a in attributes if a.split("=")[0] in COMPARED_ATTRIBUTES]


def identity(names: list[str]) -> set[str]:
    """The outpost's identity headers among ``names`` (the 404 page's X-Authentik-Id is not)."""
    lowered = {name.lower() for name in names}
    return {n for n in lowered if n.startswith("x-authentik-") and n != "x-authentik-id"}


def compare_headers(recorded: dict[str, Any], answer: requests.Response) -> list[str]:
    problems = []
    names = recorded["header_names"]
    got_names = list(answer.headers)
    if identity(names) != identity(got_names):
        problems.append(f"identity headers {sorted(identity(got_names))}")
    for header in ("x-powered-by", "user-agent", "x-content-type-options"):
        want = recorded["headers"].get(header)
        if want != answer.headers.get(header):
            problems.append(f"{header} {answer.headers.get(header)!r}, recorded {want!r}")
    plain = recorded["status"] in (401, 500) or (recorded["status"] == 200 and not identity(names))
    if plain and answer.text != recorded["body"]:
        problems.append(f"body {answer.text!r}, recorded {recorded['body']!r}")
    if recorded["status"] == 404 and "Not Found" not in answer.text:
        problems.append("not Authentik's Not Found page")
    return problems


@pytest.mark.parametrize("recording", RECORDED)
def test_the_outpost_answers_as_recorded(recording: str) -> None:
    with (
        FakeAuthentik(token=TOKEN, authentik_version=recording) as fake,
        requests.Session() as session,
    ):
        session.trust_env = False  # never a proxy from the environment
        # Cookies go only where the recording sent them, from the replay's own jars.
        session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        replay = Replay(recording, fake, session)
        replay.set_up()
        problems = replay.run()
    outpost = [e for e in replay.entries if e["request"]["path"].startswith(PREFIX)]
    logins = [e for e in outpost if "code" in e["request"]["query"]]
    listed = [e for e in outpost if (recording, e["step"]) in DIFFERENCES]
    assert replay.compared == len(outpost) - len(logins) - len(listed) > 50
    assert not problems, f"{recording}:\n" + "\n".join(problems)


def test_every_recording_is_replayed_and_every_difference_exists() -> None:
    assert {"2024.12.5", "2025.10.3", "2026.2.2", "2026.8.0-rc1"} <= set(RECORDED)
    for recording, step in DIFFERENCES:
        steps = {e["step"] for e in json.loads((RECORDINGS / recording / FILE).read_text())}
        assert step in steps, (recording, step)
