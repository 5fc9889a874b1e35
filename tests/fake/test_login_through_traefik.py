"""The test browser logs in through a real Traefik running the rendered config (no shortcuts).

The whole recorded dance: the host's page, the outpost's redirect to authorize, the flow
executor on the fake, the callback on the host through Traefik, and the backend reached with
the outpost's identity; a user outside the bound group ends on "Permission denied" and the
backend never sees him.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from provision.render import render_traefik
from provision.testing.fake_authentik import FakeAuthentik
from tests.render.render_support import load_case, write_config
from tests.support import serve_hosts
from tests.support.backends import Backend
from tests.support.browser import Browser, LoginRefused
from tests.support.traefik import running_traefik

HOST = "media.example.test"
GROUP = "media"
PASSWORD = "through-traefik"


@dataclass
class Stack:
    fake: FakeAuthentik
    traefik_url: str
    backend: Backend


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("login-traefik")
    with FakeAuthentik(token="t") as fake, Backend(HOST) as backend:
        (pk,) = serve_hosts(fake, [HOST])
        fake.add_user("alice", [GROUP], password=PASSWORD)
        fake.add_user("bob", password=PASSWORD)
        application = next(a for a in fake.state.applications() if a["provider"] == pk)
        binding = {"target": application["pk"], "group": fake.state.group_pk(GROUP), "order": 0}
        headers = {"Authorization": f"Bearer {fake.token}"}
        url = f"{fake.url}/api/v3/policies/bindings/"
        assert requests.post(url, json=binding, headers=headers, timeout=10).status_code == 201
        document = {
            "secrets": {"sops_file": None},
            "outpost": {"address": fake.url},
            "traefik": {"entrypoints": ["web"], "cert_resolver": None},
            "apps": [{"host": HOST, "any_user": True, "backend": backend.url}],
        }
        config = load_case(write_config(directory, document))
        dynamic = directory / "dynamic.yaml"
        dynamic.write_text(
            render_traefik(config.settings, config.desired, "yaml"), encoding="utf-8"
        )
        routers = {name for a in config.desired.apps for name in (a.slug, f"{a.slug}-outpost")}
        with running_traefik(directory, dynamic, ["web"], routers) as traefik:
            yield Stack(fake, traefik.url("web"), backend)


def test_a_member_logs_in_through_traefik_and_the_backend_sees_her(stack: Stack) -> None:
    stack.backend.seen.clear()
    with Browser(stack.fake.url, via=stack.traefik_url) as browser:
        answer = browser.login(HOST, "alice", PASSWORD, path="/library", scheme="https")
        assert answer.status_code == 200, answer.text
        record = answer.json()
        assert (record["backend"], record["path"]) == (HOST, "/library")
        seen = {name.lower(): value for name, value in record["headers"]}
        assert seen["x-authentik-username"] == "alice"
        assert browser.get(HOST, "/again", scheme="https").status_code == 200


def test_a_non_member_never_reaches_the_backend_through_traefik(stack: Stack) -> None:
    stack.backend.seen.clear()
    with Browser(stack.fake.url, via=stack.traefik_url) as browser:
        with pytest.raises(LoginRefused):
            browser.login(HOST, "bob", PASSWORD, scheme="https")
        assert browser.get(HOST, scheme="https").status_code == 302
    assert stack.backend.seen == []
