"""The rendered Caddyfile in a real Caddy, with the fake outpost and echo backends.

Each backend answers with the request headers it received, so the tests see exactly what a
protected application would see, including any header a client tried to spoof. Every test runs
on both Caddy builds users run: Debian's 2.6 and a current release (``CADDY_BUILDS``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
import requests

from provision.render import render_caddy
from tests.render import proxy_checks
from tests.render.render_support import CASE_NAMES, CASES, load_case, write_config
from tests.support import free_port
from tests.support.backends import Backend
from tests.support.caddy import CADDY_BUILDS, NO_SUCH_HOST, running_caddy, validate
from tests.support.scripted import Answer, scripted_server
from tests.support.stack import HOSTS, Stack


@pytest.fixture(scope="module", params=CADDY_BUILDS)
def running_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One Caddy per build for the module, importing the rendering as a Caddyfile would."""
    directory = tmp_path_factory.mktemp(f"caddy-{request.param}")
    port = free_port()
    section = {"caddy": {"auto_https": False, "port": port}}
    run = partial(running_caddy, build=request.param)
    with proxy_checks.rendered_stack(
        directory, port, section, render_caddy, "authentik.caddy", run
    ) as up:
        yield up


@pytest.fixture
def stack(running_stack: Stack) -> Stack:
    running_stack.clear()
    return running_stack


@pytest.mark.parametrize("check", proxy_checks.EVERY_PROXY, ids=lambda c: c.__name__)
def test_what_every_proxy_must_do(stack: Stack, check: Callable[[Stack], None]) -> None:
    check(stack)


def test_anonymous_requests_are_sent_to_the_outpost_login(stack: Stack) -> None:
    proxy_checks.anonymous_requests_are_sent_to_the_login(stack)
    response = stack.get(HOSTS[0], "/a?b=1")
    # The outpost's own answer, passed on by forward_auth: straight to authorize, with the
    # host's callback and the provider's cookie.
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(f"{stack.fake.url}/application/o/authorize/?client_id=")
    callback = f"%3A%2F%2F{HOSTS[0]}%2Foutpost.goauthentik.io%2Fcallback"
    assert callback in location.partition("redirect_uri=")[2]
    assert response.headers["Set-Cookie"].startswith("authentik_proxy_")


def test_other_hosts_are_not_served_by_a_rendered_site(stack: Stack) -> None:
    response = stack.get("other.example.test", headers=stack.cookie(HOSTS[0]))
    assert response.status_code == NO_SUCH_HOST
    assert stack.seen_by_backends() == 0


def _skipped_path(path: str, query: dict[str, str]) -> Answer:
    """The outpost's recorded answer on a path its skip_path_regex opens: 200, empty, no
    identity header (file 13, step 3)."""
    return 200, "text/plain", b""


@pytest.mark.parametrize("build", CADDY_BUILDS)
def test_a_skipped_path_reaches_the_backend_without_identity_or_placeholder(
    build: str, tmp_path: Path
) -> None:
    port = free_port()
    with scripted_server(_skipped_path) as (outpost, asked), Backend(HOSTS[0]) as backend:
        document = {
            "secrets": {"sops_file": None},
            "outpost": {"address": outpost},
            "caddy": {"auto_https": False, "port": port},
            "apps": [{"host": HOSTS[0], "any_user": True, "backend": backend.url}],
        }
        config = load_case(write_config(tmp_path, document))
        rendered = tmp_path / "authentik.caddy"
        rendered.write_text(render_caddy(config.settings, config.desired), encoding="utf-8")
        with running_caddy(tmp_path, rendered, port, build=build) as caddy:
            sent = {"Host": HOSTS[0]}
            response = requests.get(f"{caddy.url}/api/things", headers=sent, timeout=10)
    assert response.status_code == 200, response.text
    assert asked == ["/outpost.goauthentik.io/auth/caddy"]
    (record,) = backend.seen
    assert [n for n, _ in record["headers"] if n.lower().startswith("x-authentik")] == []
    assert [(n, v) for n, v in record["headers"] if "{" in v] == []


@pytest.mark.parametrize("build", CADDY_BUILDS)
@pytest.mark.parametrize("case", CASE_NAMES)
def test_each_case_is_a_valid_caddyfile(case: str, build: str, tmp_path: Path) -> None:
    checked = validate(tmp_path, CASES / case / "Caddyfile", build)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Valid configuration" in checked.stdout + checked.stderr
