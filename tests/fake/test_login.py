"""A real login in the fake: passwords set through the API, the flow executor, and the authorize
step deciding on the STORED users and groups with the fake's policy engine.

The browser here plays Traefik against the fake's own outpost (``tests/support/browser.py``);
every test runs in each release the fake speaks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from provision.testing.fake_authentik import AUTHENTIK_VERSIONS, FakeAuthentik
from tests.support.browser import Browser, LoginFailed, LoginRefused

pytestmark = pytest.mark.parametrize("authentik_version", AUTHENTIK_VERSIONS, indirect=True)

TOKEN = "login-test-token-7d2a"
HOST = "app.login.test"
GROUP = "app-users"
PASSWORD = "correct horse"
CALLBACK = f"http://{HOST}/outpost.goauthentik.io/callback?X-authentik-auth-callback=true"


@dataclass
class Site:
    fake: FakeAuthentik
    api: requests.Session
    provider: dict[str, Any]
    members: str  # the group's pk
    alice: int
    bob: int

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.api.request(method, f"{self.fake.url}/api/v3{path}", timeout=10, **kwargs)

    def set_members(self, *users: int) -> None:
        self.call("PATCH", f"/core/groups/{self.members}/", json={"users": list(users)})

    def authorize(self, browser: Browser, **query: str) -> requests.Response:
        params = {
            "client_id": self.provider["client_id"],
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": "openid email profile ak_proxy",
            "state": "made-up",
            **query,
        }
        url = f"{self.fake.url}/application/o/authorize/?{urlencode(params)}"
        return browser.send("GET", url)


@pytest.fixture
def site(authentik_version: str) -> Iterator[Site]:
    """One forward_single host bound to one group: alice is in it, bob is not."""
    with FakeAuthentik(token=TOKEN, authentik_version=authentik_version) as fake:
        alice = fake.add_user("alice", groups=[GROUP], password=PASSWORD)
        bob = fake.add_user("bob", password=PASSWORD)
        provider = fake.state.add_proxy_provider("app", f"http://{HOST}")
        application = fake.state.add_application("app", "app", provider["pk"])
        fake.state.set_outpost_providers([provider["pk"]])
        members = fake.state.group_pk(GROUP)
        with requests.Session() as api:
            api.trust_env = False
            api.headers["Authorization"] = f"Bearer {TOKEN}"
            site = Site(fake, api, provider, members, alice, bob)
            binding = {"target": application["pk"], "group": members, "order": 0}
            assert site.call("POST", "/policies/bindings/", json=binding).status_code == 201
            yield site


def test_a_member_logs_in_and_the_outpost_names_the_stored_user(site: Site) -> None:
    with Browser(site.fake.url) as browser:
        answer = browser.login(HOST, "alice", PASSWORD)
        assert answer.status_code == 200
        assert answer.headers["X-authentik-username"] == "alice"
        assert GROUP in answer.headers["X-authentik-groups"].split("|")
        assert browser.get(HOST).status_code == 200  # the outpost cookie keeps her in


def test_a_non_member_is_refused_at_the_authorize_step_and_gets_no_code(site: Site) -> None:
    with Browser(site.fake.url) as browser:
        with pytest.raises(LoginRefused) as refused:
            browser.login(HOST, "bob", PASSWORD)
        page = refused.value.response
        assert page.status_code == 200
        assert "Permission denied" in page.text and "bob" in page.text
        assert not [
            c for c in site.fake.state.store.authorization_codes.values() if c["user"] == site.bob
        ]
        assert browser.get(HOST).status_code == 302  # the outpost never logged him in


def test_the_authorize_step_reads_the_groups_as_stored_at_that_moment(site: Site) -> None:
    with Browser(site.fake.url) as alice, Browser(site.fake.url) as bob:
        with pytest.raises(LoginRefused):
            bob.login(HOST, "bob", PASSWORD)
        site.set_members(site.bob)
        # Already logged in to Authentik: the authorize step admits him at once.
        assert site.authorize(bob).headers["location"].startswith(f"{CALLBACK}&code=")
        with pytest.raises(LoginRefused):
            alice.login(HOST, "alice", PASSWORD)


def test_a_wrong_password_is_answered_by_the_password_stage_again(site: Site) -> None:
    with Browser(site.fake.url) as browser:
        with pytest.raises(LoginFailed) as failed:
            browser.login(HOST, "alice", "not her password")
        challenge = failed.value.challenge
        assert challenge["component"] == "ak-stage-password"
        assert challenge["response_errors"] == {
            "password": [{"string": "Invalid password", "code": "invalid"}]
        }


def test_an_unknown_user_is_not_told_apart_from_a_wrong_password(site: Site) -> None:
    with Browser(site.fake.url) as browser:
        with pytest.raises(LoginFailed) as failed:
            browser.login(HOST, "mallory", PASSWORD)
        assert failed.value.challenge["pending_user"] == "mallory"
        assert "password" in failed.value.challenge["response_errors"]


def test_an_inactive_user_never_logs_in_and_loses_a_session_he_had(site: Site) -> None:
    with Browser(site.fake.url) as browser:
        assert browser.login(HOST, "alice", PASSWORD).status_code == 200
        with site.fake.state.lock:
            site.fake.state.store.users[site.alice]["is_active"] = False
        # The server no longer counts the session: the authorize step asks for a login again.
        assert "code=" not in site.authorize(browser).headers["location"]
    with Browser(site.fake.url) as browser, pytest.raises(LoginFailed):
        browser.login(HOST, "alice", PASSWORD)


def test_a_new_password_replaces_the_old_one_and_is_stored_hashed(site: Site) -> None:
    answer = site.call("POST", f"/core/users/{site.alice}/set_password/", json={"password": "new"})
    assert (answer.status_code, answer.text) == (204, "")
    stored = site.fake.state.store.users[site.alice]["password"]
    assert "new" not in stored.split("$")[-1] and PASSWORD not in stored
    with Browser(site.fake.url) as browser, pytest.raises(LoginFailed):
        browser.login(HOST, "alice", PASSWORD)
    with Browser(site.fake.url) as browser:
        assert browser.login(HOST, "alice", "new").status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "answer"),
    [
        ({}, 400, {"password": ["This field is required."]}),
        ({"password": "  "}, 400, {"password": ["This field may not be blank."]}),
        ([], 400, {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
    ],
)
def test_set_password_refuses_what_drf_refuses(
    site: Site, body: Any, status: int, answer: Any
) -> None:
    response = site.call("POST", f"/core/users/{site.alice}/set_password/", json=body)
    assert (response.status_code, response.json()) == (status, answer)


def test_set_password_of_an_unknown_user_or_without_rights(site: Site) -> None:
    missing = site.call("POST", "/core/users/999/set_password/", json={"password": "x"})
    named = site.fake.version.not_found_names_model  # 2024.12.5: "Not found."
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": "No User matches the given query." if named else "Not found."},
    )
    readonly = {"Authorization": f"Bearer {site.fake.readonly_token}"}
    url = f"{site.fake.url}/api/v3/core/users/{site.alice}/set_password/"
    with requests.Session() as viewer:
        viewer.trust_env = False
        refused = viewer.post(url, json={"password": "x"}, headers=readonly, timeout=10)
    assert refused.status_code == 403


def test_the_authorize_request_is_checked_before_anyone_logs_in(site: Site) -> None:
    with Browser(site.fake.url) as browser:
        assert browser.send("GET", f"{site.fake.url}/application/o/authorize/").status_code == 404
        unknown = site.authorize(browser, client_id="no-such-client")
        assert unknown.status_code == 400 and "Client ID Error" in unknown.text
        elsewhere = site.authorize(browser, redirect_uri="http://evil.test/callback")
        assert elsewhere.status_code == 400 and "Redirect URI Error" in elsewhere.text
        assert browser.cookies.for_host(site.fake.url.removeprefix("http://")) == {}


def test_the_executor_is_reached_with_the_session_cookie_not_a_token(site: Site) -> None:
    executor = f"{site.fake.url}/api/v3/flows/executor/default-authentication-flow/"
    anonymous = requests.Session()
    anonymous.trust_env = False
    answer = anonymous.get(executor, params={"query": "next=/"}, timeout=10)
    assert answer.status_code == 200
    assert answer.json()["component"] == "ak-stage-identification"
    assert "authentik_session=" in answer.headers["set-cookie"]
    unknown = anonymous.get(f"{site.fake.url}/api/v3/flows/executor/no-such-flow/", timeout=10)
    assert unknown.status_code == 404


def test_a_domain_login_calls_back_on_the_auth_host_and_serves_every_host(site: Site) -> None:
    fake = site.fake
    domain = fake.state.add_proxy_provider(
        "dom", "http://auth.dom.test", mode="forward_domain", cookie_domain="dom.test"
    )
    fake.state.add_application("dom", "dom", domain["pk"])
    fake.state.set_outpost_providers([site.provider["pk"], domain["pk"]])
    with Browser(fake.url) as browser:
        assert (
            browser.login("app1.dom.test", "bob", PASSWORD).headers["X-authentik-username"] == "bob"
        )
        proxy_cookies = [c for c in browser.cookies.all() if c.name.startswith("authentik_proxy_")]
        assert [(c.domain, c.host_only) for c in proxy_cookies] == [("dom.test", False)]
        assert browser.get("app2.dom.test").status_code == 200
