"""The fake's login against the recorded logins of transcript 13, per release.

The setup steps (a group, two users with passwords set through ``set_password``, three
providers and applications, a group binding) are replayed first, their answers teaching the
fake's primary keys and client IDs. Then every server-side exchange of the login steps 4-7 is
replayed in order with one cookie jar per user, as the recording browsers kept them: the
authorize endpoint, ``/flows/-/default/authentication/`` and the flow executor. The outpost's
own exchanges (``/outpost.goauthentik.io/``) belong to the outpost's replay; the authorize
requests carry a made-up ``state`` in place of the outpost's JWT.

Each answer must match the recording: the status, the ``Location`` exactly (once the fake's
client IDs, state and code are written as the recording writes them), every header name as
often as recorded, the server's own header values, the cookies set (names and attributes),
the cookies the browser sends, JSON bodies key for key and value for value (but the avatar),
and the "Permission denied" page: its recorded first 2,000 characters and its visible text.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import requests

from provision.testing.fake_authentik import FakeAuthentik
from tests.support.browser import CookieJar

RECORDINGS = Path(__file__).resolve().parents[1] / "data" / "authentik"
RELEASES = ("2024.12.5", "2025.10.3", "2026.2.2", "2026.8.0-rc1")
TOKEN = "login-replay-token"
PASSWORD = "rec13-Password-1"
STATE = "made-up-state"
LOGIN_STEPS = re.compile(r"^[4-7] login: (?P<user>rec13-\w+)")
OUTPOST = "/outpost.goauthentik.io/"
RECORDED_TEXT_LIMIT = 2000
# Values that differ on every server: the recording's avatar is rendered from the user's
# initials, the fake answers Authentik's default picture.
VOLATILE_KEYS = frozenset({"pending_user_avatar"})
# Headers whose values the server sets the same way on every answer of a kind.
COMPARED_HEADERS = (
    "allow",
    "content-language",
    "content-type",
    "referrer-policy",
    "vary",
    "x-content-type-options",
    "x-frame-options",
    "x-powered-by",
)
# Added by the fake's HTTP server on every answer; the recorded Authentik sent none.
FAKE_ONLY_HEADERS = frozenset({"server"})


def transcript(release: str) -> list[dict[str, Any]]:
    exchanges: list[dict[str, Any]] = json.loads(
        (RECORDINGS / release / "13-outpost-forward-auth.json").read_text()
    )
    return exchanges


class Replay:
    """The fake, the keys learned from its answers, and one cookie jar per user."""

    def __init__(self, fake: FakeAuthentik) -> None:
        self.fake = fake
        self.host = fake.url.removeprefix("http://")
        self.keys: dict[Any, Any] = {}  # recorded pk or client_id -> the fake's
        self.jars: dict[str, CookieJar] = {}
        self.session = requests.Session()
        self.session.trust_env = False
        # The jars above are the browsers' only cookies.
        self.session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))

    def learn(self, recorded: Any, answered: Any) -> None:
        """Pair the recorded and the fake's ``pk`` and ``client_id`` values of one answer."""
        if isinstance(recorded, dict) and isinstance(answered, dict):
            for key in ("pk", "client_id"):
                if key in recorded and key in answered:
                    self.keys[recorded[key]] = answered[key]
            for key in recorded.keys() & answered.keys():
                self.learn(recorded[key], answered[key])
        elif isinstance(recorded, list) and isinstance(answered, list):
            for pair in zip(recorded, answered, strict=False):
                self.learn(*pair)

    def sub(self, value: Any) -> Any:
        """A recorded request value with the fake's keys, the made-up state and password."""
        if isinstance(value, dict):
            return {k: self.sub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.sub(v) for v in value]
        if not isinstance(value, str):
            return self.keys.get(value, value)
        if value in ("<redacted>",):
            return PASSWORD
        for recorded, fake in self.keys.items():
            if isinstance(recorded, str) and len(recorded) > 8:
                value = value.replace(recorded, str(fake))
        return value.replace("<jwt>", STATE)

    def unsub(self, text: str) -> str:
        """A fake's answer text written as the recording writes it."""
        for recorded, fake in self.keys.items():
            if isinstance(recorded, str) and len(recorded) > 8:
                text = text.replace(str(fake), recorded)
        text = re.sub(r"code=[0-9a-f]{32}", "code=<code>", text)
        return text.replace(STATE, "<jwt>")

    def path(self, path: str) -> str:
        return "/".join(
            str(self.keys.get(int(s), s)) if s.isdigit() else s for s in path.split("/")
        )

    def send(self, request: dict[str, Any], user: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {TOKEN}"} if user is None else {}
        if user is not None:
            cookies = self.jars.setdefault(user, CookieJar()).for_host(self.host)
            if cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        body = self.sub(request["body"])
        response = self.session.request(
            request["method"],
            self.fake.url + self.path(request["path"]),
            params=self.sub(request["query"]),
            json=body,
            headers=headers,
            allow_redirects=False,
            timeout=30,
        )
        if user is not None:
            for set_cookie in response.raw.headers.getlist("Set-Cookie"):
                self.jars[user].store(self.host, set_cookie)
        return response


def _cookie_shapes(values: list[str]) -> list[str]:
    """Set-Cookie values with their value and dates written as the recording writes them."""
    shapes = [re.sub(r"^([^=]+)=[^;]*", r"\1=<cookie>", v) for v in values]
    return [
        re.sub(r"(?i)expires=[^;]+", lambda m: m[0].split("=")[0] + "=<date>", s) for s in shapes
    ]


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


class _Text(HTMLParser):
    """The visible text of a page (script and style left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.words += data.split()


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " ".join(parser.words)


def _same_json(replay: Replay, recorded: Any, answered: Any, where: str) -> None:
    if isinstance(recorded, dict):
        assert isinstance(answered, dict), where
        assert list(answered) == list(recorded), f"{where}: keys"
        for key, value in recorded.items():
            if key not in VOLATILE_KEYS:
                _same_json(replay, value, answered[key], f"{where}.{key}")
    elif isinstance(recorded, str):
        assert replay.unsub(str(answered)) == recorded, where
    else:
        assert answered == recorded, where


def _check_headers(replay: Replay, recorded: dict[str, Any], response: requests.Response) -> None:
    raw = response.raw.headers
    names = Counter(
        {n.lower(): len(raw.getlist(n)) for n in raw if n.lower() not in FAKE_ONLY_HEADERS}
    )
    assert names == Counter(n.lower() for n in recorded["header_names"])
    headers = recorded["headers"]
    for name in COMPARED_HEADERS:
        assert response.raw.headers.getlist(name) == _as_list(headers.get(name)), name
    location = response.headers.get("location")
    assert (replay.unsub(location) if location else None) == headers.get("location")
    cookies = _cookie_shapes(response.raw.headers.getlist("Set-Cookie"))
    assert cookies == _as_list(headers.get("set-cookie"))


def _check(replay: Replay, exchange: dict[str, Any], response: requests.Response) -> None:
    recorded = exchange["response"]
    assert response.status_code == recorded["status"]
    _check_headers(replay, recorded, response)
    body = recorded["body"]
    if isinstance(body, dict):
        _same_json(replay, body, response.json(), "body")
    elif exchange.get("note", {}).get("html_text"):
        assert response.text[:RECORDED_TEXT_LIMIT] == body
        assert visible_text(response.text) == exchange["note"]["html_text"]
    else:
        assert response.text == body


def _sent_cookie_names(replay: Replay, user: str) -> list[str]:
    return sorted(replay.jars.setdefault(user, CookieJar()).for_host(replay.host))


def _recorded_cookie_names(request: dict[str, Any]) -> list[str]:
    header = request.get("headers", {}).get("Cookie", "")
    return sorted(part.split("=")[0].strip() for part in header.split(";") if part.strip())


@pytest.mark.parametrize("authentik_version", RELEASES, indirect=True)
def test_the_recorded_logins_replay_exchange_for_exchange(authentik_version: str) -> None:
    exchanges = transcript(authentik_version)
    with FakeAuthentik(token=TOKEN, authentik_version=authentik_version) as fake:
        replay = Replay(fake)
        for exchange in (e for e in exchanges if e["step"] == "setup"):
            response = replay.send(exchange["request"])
            assert response.status_code == exchange["response"]["status"], exchange["request"]
            if response.content:
                replay.learn(exchange["response"]["body"], response.json())
        replayed = 0
        for index, exchange in enumerate(exchanges):
            login = LOGIN_STEPS.match(exchange["step"])
            request = exchange["request"]
            if login is None or request["method"] == "NOTE" or request["path"].startswith(OUTPOST):
                continue
            user = login["user"]
            assert _sent_cookie_names(replay, user) == _recorded_cookie_names(request), index
            response = replay.send(request, user)
            try:
                _check(replay, exchange, response)
            except AssertionError as exc:
                raise AssertionError(f"exchange {index} ({exchange['step']}): {exc}") from exc
            replayed += 1
        # Steps 4 and 5 run the whole flow (2025.10.3 through /flows/-/default/authentication/),
        # 6 and 7 authorize at once.
        assert (
            replayed
            == {"2024.12.5": 20, "2025.10.3": 20, "2026.2.2": 18, "2026.8.0-rc1": 18}[
                authentik_version
            ]
        )


@pytest.mark.parametrize("authentik_version", RELEASES, indirect=True)
def test_set_password_answers_as_recorded(authentik_version: str) -> None:
    """204 with an empty body, as the setup steps recorded it."""
    recorded = [
        e for e in transcript(authentik_version) if e["request"]["path"].endswith("/set_password/")
    ]
    assert len(recorded) == 2
    with FakeAuthentik(token=TOKEN, authentik_version=authentik_version) as fake:
        pk = fake.add_user("someone")
        session = requests.Session()
        session.trust_env = False
        response = session.post(
            f"{fake.url}/api/v3/core/users/{pk}/set_password/",
            json={"password": PASSWORD},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=10,
        )
        for exchange in recorded:
            assert response.status_code == exchange["response"]["status"] == 204
            assert response.text == exchange["response"]["body"] == ""
