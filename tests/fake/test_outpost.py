"""The fake's embedded outpost: login redirects, cookies, skipped paths and the login endpoints.

The recorded answers themselves are replayed in test_outpost_transcripts; these tests pin the
behaviour around them: which session a cookie names, what a callback accepts, what
``FakeAuthentik.login`` refuses.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from provision.testing.fake_authentik import FakeAuthentik
from tests.support import IDENTITY_HEADERS

PREFIX = "/outpost.goauthentik.io"
TRAEFIK = f"{PREFIX}/auth/traefik"
NGINX = f"{PREFIX}/auth/nginx"
SONARR = "sonarr.example.test"


def claims(jwt: str) -> dict[str, Any]:
    """A JWT's payload, unverified (the test only reads what the outpost put there)."""
    payload = jwt.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    return decoded


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def cookie_of(response: requests.Response) -> tuple[str, str, list[str]]:
    """(name, value, attributes) of the answer's one ``Set-Cookie``."""
    first, *attributes = response.headers["Set-Cookie"].split("; ")
    name, _, value = first.partition("=")
    return name, value, attributes


def ask(fake: FakeAuthentik, host: str, uri: str = "/", **headers: str) -> requests.Response:
    """Ask as Traefik does: the server's own address in Host, the request in X-Forwarded-*."""
    sent = {"X-Forwarded-Proto": "http", "X-Forwarded-Host": host, "X-Forwarded-Uri": uri}
    return requests.get(
        fake.url + TRAEFIK, headers=sent | headers, allow_redirects=False, timeout=5
    )


def visit(fake: FakeAuthentik, host: str, endpoint: str, **params: str) -> requests.Response:
    """A browser on ``host`` asking the outpost's own pages (the proxy routes them there)."""
    return requests.get(
        f"{fake.url}{PREFIX}/{endpoint}",
        params=params,
        headers={"Host": host},
        allow_redirects=False,
        timeout=5,
    )


def provider(fake: FakeAuthentik, name: str, external_host: str, **fields: Any) -> dict[str, Any]:
    """A provider with its application, on the embedded outpost."""
    created = fake.state.add_proxy_provider(name, external_host, **fields)
    fake.state.add_application(name, name.lower(), provider=created["pk"])
    listed = fake.state.embedded_outpost()["providers"]
    fake.state.set_outpost_providers([*listed, created["pk"]])
    return created


@pytest.fixture
def sonarr(fake: FakeAuthentik) -> dict[str, Any]:
    return provider(fake, "Sonarr", f"http://{SONARR}", skip_path_regex="^/api/\n[invalid")


def test_anonymous_is_sent_to_authorize_with_a_cookie_of_its_own(
    fake: FakeAuthentik, sonarr: dict[str, Any]
) -> None:
    answer = ask(fake, SONARR, "/x?y=1")
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(f"{fake.url}/application/o/authorize/?")
    query = query_of(location)
    assert query["client_id"] == sonarr["client_id"]
    assert query["redirect_uri"] == (
        f"http://{SONARR}/outpost.goauthentik.io/callback?X-authentik-auth-callback=true"
    )
    assert query["scope"] == "profile email openid ak_proxy entitlements"
    state = claims(query["state"])
    assert state["iss"] == f"goauthentik.io/outpost/{sonarr['client_id']}"
    assert state["redirect"] == f"http://{SONARR}/x?y=1"
    name, value, attributes = cookie_of(answer)
    assert name == "authentik_proxy_" + hashlib.sha256(sonarr["client_id"].encode()).hexdigest()[:8]
    assert attributes[0] == "Path=/" and "Max-Age=3601" in attributes
    assert attributes[-2:] == ["HttpOnly", "SameSite=Lax"]
    again = ask(fake, SONARR, Cookie=f"{name}={value}")
    assert again.status_code == 302
    assert "Set-Cookie" not in again.headers  # the session exists: nothing new to set


def test_skip_path_regex_lines_are_go_regexps(fake: FakeAuthentik, sonarr: dict[str, Any]) -> None:
    skipped = ask(fake, SONARR, "/api/things")
    assert (skipped.status_code, skipped.text) == (200, "")
    assert not any(header in skipped.headers for header in IDENTITY_HEADERS)
    assert ask(fake, SONARR, "/x/api/").status_code == 302  # the line that compiled, unanchored
    fake.add_user("alice")
    name, value = fake.login("alice", SONARR)
    logged_in = ask(fake, SONARR, "/api/things", Cookie=f"{name}={value}")
    assert logged_in.headers["X-authentik-username"] == "alice"


def test_an_empty_line_in_skip_path_regex_opens_every_path(fake: FakeAuthentik) -> None:
    # A trailing one is trimmed by the API; one between two rules stays and matches anything.
    provider(fake, "Radarr", "http://radarr.example.test", skip_path_regex="^/api/\n\n^/js/")
    assert ask(fake, "radarr.example.test", "/admin").status_code == 200


def test_forward_domain_matches_the_whole_url_and_sets_a_domain_cookie(
    fake: FakeAuthentik,
) -> None:
    domain = provider(
        fake,
        "Home",
        "http://auth.home.test",
        mode="forward_domain",
        cookie_domain="home.test",
        skip_path_regex="^http://public\\.home\\.test/",
    )
    assert ask(fake, "public.home.test", "/any").status_code == 200
    anonymous = ask(fake, "app.home.test", "/any")
    redirect_uri = query_of(anonymous.headers["Location"])["redirect_uri"]
    assert urlsplit(redirect_uri).netloc == "auth.home.test"  # the auth host takes the callback
    assert "Domain=home.test" in cookie_of(anonymous)[2]
    fake.add_user("alice")
    name, value = fake.login("alice", "app.home.test")
    for host in ("app.home.test", "other.home.test", "auth.home.test"):
        answer = ask(fake, host, Cookie=f"{name}={value}")
        assert answer.headers["X-authentik-meta-provider"] == domain["name"]


def test_a_cookie_serves_only_its_own_provider(fake: FakeAuthentik, sonarr: dict[str, Any]) -> None:
    provider(fake, "Radarr", "http://radarr.example.test")
    fake.add_user("alice")
    name, value = fake.login("alice", "radarr.example.test")
    assert ask(fake, "radarr.example.test", Cookie=f"{name}={value}").status_code == 200
    assert ask(fake, SONARR, Cookie=f"{name}={value}").status_code == 302
    forged = ask(fake, SONARR, Cookie=f"{cookie_of(ask(fake, SONARR))[0]}={value}")
    assert forged.status_code == 302


def test_https_external_hosts_get_secure_cookies(fake: FakeAuthentik) -> None:
    provider(fake, "Lidarr", "https://lidarr.example.test")
    assert "Secure" in cookie_of(ask(fake, "lidarr.example.test"))[2]


def test_login_follows_the_policy_engine_on_stored_users(
    fake: FakeAuthentik, api: requests.Session, sonarr: dict[str, Any]
) -> None:
    group = fake.state.group_pk("media")
    application = fake.state.applications()[0]["pk"]
    binding = {"target": application, "group": group, "order": 0}
    assert api.post(fake.url + "/api/v3/policies/bindings/", json=binding).status_code == 201
    fake.add_user("alice", ["media"])
    fake.add_user("bob")
    with pytest.raises(PermissionError, match="bob"):
        fake.login("bob", SONARR)
    name, value = fake.login("alice", SONARR)
    answer = ask(fake, SONARR, Cookie=f"{name}={value}", **{"User-Agent": "probe"})
    assert answer.status_code == 200
    assert all(header in answer.headers for header in IDENTITY_HEADERS)
    assert answer.headers["User-Agent"] == "probe"
    assert answer.headers["X-authentik-groups"] == "media"
    fake.state.add_group("late")
    user = next(u for u in fake.state.store.users.values() if u["username"] == "alice")
    next(g for g in fake.state.store.groups.values() if g["name"] == "late")["users"].append(
        user["pk"]
    )
    later = ask(fake, SONARR, Cookie=f"{name}={value}")
    assert later.headers["X-authentik-groups"] == "media|late"  # the stored user, now
    with pytest.raises(LookupError):
        fake.login("nobody", SONARR)


class TestLoginEndpoints:
    def start(self, fake: FakeAuthentik, rd: str) -> tuple[str, str, dict[str, Any]]:
        """The cookie and state a browser holds after ``start?rd=``."""
        answer = visit(fake, SONARR, "start", rd=rd)
        assert answer.status_code == 302
        name, value, _ = cookie_of(answer)
        return f"{name}={value}", query_of(answer.headers["Location"])["state"], answer.headers

    def issue_code(self, fake: FakeAuthentik, sonarr: dict[str, Any], **grant: Any) -> str:
        """What the authorize step leaves for the callback."""
        user = next(u for u in fake.state.store.users.values() if u["username"] == "akadmin")
        callback = f"http://{SONARR}/outpost.goauthentik.io/callback?X-authentik-auth-callback=true"
        with fake.state.lock:
            fake.state.store.authorization_codes["c0de"] = {
                "user": user["pk"],
                "client_id": sonarr["client_id"],
                "redirect_uri": callback,
                **grant,
            }
        return "c0de"

    def callback(self, fake: FakeAuthentik, cookie: str, **params: str) -> requests.Response:
        return requests.get(
            f"{fake.url}{PREFIX}/callback",
            params={"X-authentik-auth-callback": "true", **params},
            headers={"Host": SONARR, "Cookie": cookie},
            allow_redirects=False,
            timeout=5,
        )

    def test_a_code_logs_the_session_in_once(
        self, fake: FakeAuthentik, sonarr: dict[str, Any]
    ) -> None:
        cookie, state, _ = self.start(fake, f"http://{SONARR}/wanted")
        code = self.issue_code(fake, sonarr)
        answer = self.callback(fake, cookie, code=code, state=state)
        assert (answer.status_code, answer.headers["Location"]) == (302, f"http://{SONARR}/wanted")
        assert "Max-Age=3599" in cookie_of(answer)[2]
        assert ask(fake, SONARR, Cookie=cookie).headers["X-authentik-username"] == "akadmin"
        assert self.callback(fake, cookie, code=code, state=state).status_code == 400

    def test_the_callback_refuses_what_it_did_not_start(
        self, fake: FakeAuthentik, sonarr: dict[str, Any]
    ) -> None:
        cookie, state, _ = self.start(fake, "")
        other_cookie, _, _ = self.start(fake, "")
        assert self.callback(fake, cookie).status_code == 400
        code = self.issue_code(fake, sonarr, client_id="someone-else")
        assert self.callback(fake, cookie, code=code, state=state).status_code == 400
        code = self.issue_code(fake, sonarr)
        assert self.callback(fake, other_cookie, code=code, state=state).status_code == 400
        assert ask(fake, SONARR, Cookie=cookie).status_code == 302

    def test_rd_is_kept_only_on_the_provider_host(
        self, fake: FakeAuthentik, sonarr: dict[str, Any]
    ) -> None:
        assert claims(self.start(fake, "http://evil.example.test/")[1])["redirect"] == ""
        assert claims(self.start(fake, "/path")[1])["redirect"] == f"http://{SONARR}/path"
        cookie, state, _ = self.start(fake, "http://evil.example.test/")
        code = self.issue_code(fake, sonarr)
        answer = self.callback(fake, cookie, code=code, state=state)
        assert answer.headers["Location"] == f"http://{SONARR}"  # the external host instead

    @pytest.mark.parametrize("authentik_version", ["2025.10.3", "2026.2.2"], indirect=True)
    def test_sign_out_as_each_release_does(
        self, fake: FakeAuthentik, sonarr: dict[str, Any], authentik_version: str
    ) -> None:
        anonymous = visit(fake, SONARR, "sign_out")
        assert anonymous.headers["Location"] == (
            f"http://{SONARR}/outpost.goauthentik.io/start"
            "?rd=http%3A%2F%2Fsonarr.example.test%2Foutpost.goauthentik.io%2Fsign_out"
        )
        name, value = fake.login("akadmin", SONARR)
        headers = {"Host": SONARR, "Cookie": f"{name}={value}"}
        url = f"{fake.url}{PREFIX}/sign_out"
        if authentik_version == "2025.10.3":
            with pytest.raises(requests.ConnectionError):
                requests.get(url, headers=headers, allow_redirects=False, timeout=5)
            assert ask(fake, SONARR, Cookie=f"{name}={value}").status_code == 200
            return
        answer = requests.get(url, headers=headers, allow_redirects=False, timeout=5)
        assert answer.headers["Location"].startswith(
            f"{fake.url}/application/o/sonarr/end-session/?id_token_hint="
        )
        assert ask(fake, SONARR, Cookie=f"{name}={value}").status_code == 302


def test_hosts_and_headers_the_outpost_cannot_serve(
    fake: FakeAuthentik, sonarr: dict[str, Any]
) -> None:
    unbound = ask(fake, "nobody.example.test")
    assert unbound.status_code == 404
    assert unbound.headers["X-Powered-By"] == "authentik"
    assert "Not Found" in unbound.text
    bare = requests.get(fake.url + TRAEFIK, headers={"Host": SONARR}, timeout=5)
    assert (bare.status_code, bare.text) == (500, "configuration error\n")
    assert requests.get(fake.url + TRAEFIK, timeout=5).status_code == 404  # Host: the server
    nginx = requests.get(
        fake.url + NGINX, headers={"X-Original-URL": f"http://{SONARR}/"}, timeout=5
    )
    assert nginx.status_code == 404
    assert visit(fake, "nobody.example.test", "ping").status_code == 204
    assert visit(fake, SONARR, "nope").status_code == 404


def test_cli_sets_the_outpost_refresh_delay() -> None:
    command = [sys.executable, "-m", "provision.testing.fake_authentik", "--port", "0"]
    command += ["--token", "cli-refresh-token", "--outpost-refresh-delay", "3600"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().removeprefix("listening on ")
        api = {"Authorization": "Bearer cli-refresh-token"}
        flows = requests.get(f"{url}/api/v3/flows/instances/", headers=api, timeout=5).json()
        by_slug = {flow["slug"]: flow["pk"] for flow in flows["results"]}
        body = {
            "name": "Sonarr",
            "external_host": f"http://{SONARR}",
            "mode": "forward_single",
            "authorization_flow": by_slug["default-provider-authorization-implicit-consent"],
            "invalidation_flow": by_slug["default-provider-invalidation-flow"],
        }
        created = requests.post(f"{url}/api/v3/providers/proxy/", json=body, headers=api, timeout=5)
        app = {"name": "Sonarr", "slug": "sonarr", "provider": created.json()["pk"]}
        requests.post(f"{url}/api/v3/core/applications/", json=app, headers=api, timeout=5)
        outposts = requests.get(f"{url}/api/v3/outposts/instances/", headers=api, timeout=5)
        outpost = outposts.json()["results"][0]["pk"]
        bound = {"providers": [created.json()["pk"]]}
        patch = f"{url}/api/v3/outposts/instances/{outpost}/"
        assert requests.patch(patch, json=bound, headers=api, timeout=5).status_code == 200
        sent = {"X-Forwarded-Proto": "http", "X-Forwarded-Host": SONARR, "X-Forwarded-Uri": "/"}
        assert requests.get(url + TRAEFIK, headers=sent, timeout=5).status_code == 404  # not yet
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
