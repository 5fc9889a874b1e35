"""The rendered Caddyfile in a real Caddy, with the fake outpost and echo backends.

Each backend answers with the request headers it received, so the tests see exactly what a
protected application would see, including any header a client tried to spoof.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from provision.render import render_caddy
from tests.render import proxy_checks
from tests.render.render_support import CASE_NAMES, CASES
from tests.support import free_port
from tests.support.caddy import NO_SUCH_HOST, running_caddy, validate
from tests.support.stack import HOSTS, Stack


@pytest.fixture(scope="module")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One Caddy for the module, importing the rendering as one's own Caddyfile would."""
    directory = tmp_path_factory.mktemp("caddy")
    port = free_port()
    section = {"caddy": {"auto_https": False, "port": port}}
    with proxy_checks.rendered_stack(
        directory, port, section, render_caddy, "authentik.caddy", running_caddy
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
    assert response.status_code == 307  # the outpost's own answer, passed on by forward_auth
    assert response.headers["Location"] == (
        f"http://{HOSTS[0]}/outpost.goauthentik.io/start?rd=http%3A%2F%2F{HOSTS[0]}%2Fa%3Fb%3D1"
    )


def test_other_hosts_are_not_served_by_a_rendered_site(stack: Stack) -> None:
    assert stack.get("other.example.test", headers=stack.cookie()).status_code == NO_SUCH_HOST
    assert stack.seen_by_backends() == 0


@pytest.mark.parametrize("case", CASE_NAMES)
def test_each_case_is_a_valid_caddyfile(case: str, tmp_path: Path) -> None:
    checked = validate(tmp_path, CASES / case / "Caddyfile")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Valid configuration" in checked.stdout + checked.stderr
