"""The rendered Caddyfile in a real Caddy, with the fake outpost and echo backends.

Each backend answers with the request headers it received, so the tests see exactly what a
protected application would see, including any header a client tried to spoof.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from provision.render import render_caddy
from provision.testing.fake_authentik import FakeAuthentik
from tests.render import proxy_checks
from tests.render.render_support import CASE_NAMES, CASES, load_case, write_config
from tests.support import free_port, serve_hosts
from tests.support.backends import Backend
from tests.support.caddy import NO_SUCH_HOST, running_caddy, validate
from tests.support.stack import HOSTS, Stack


@pytest.fixture(scope="module")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One Caddy for the module, importing the rendering as one's own Caddyfile would."""
    directory = tmp_path_factory.mktemp("caddy")
    port = free_port()
    with (
        FakeAuthentik(token="t") as fake,
        Backend(HOSTS[0]) as one,
        Backend(HOSTS[1]) as two,
    ):
        serve_hosts(fake, HOSTS)
        backends = {HOSTS[0]: one, HOSTS[1]: two}
        document = {
            "secrets": {"sops_file": None},
            "outpost": {"address": fake.url},
            "caddy": {"auto_https": False, "port": port},
            "apps": [{"host": h, "any_user": True, "backend": b.url} for h, b in backends.items()],
        }
        config = load_case(write_config(directory, document))
        rendered = directory / "authentik.caddy"
        rendered.write_text(render_caddy(config.settings, config.desired), encoding="utf-8")
        with running_caddy(directory, rendered, port) as caddy:
            yield Stack(fake, caddy.url, backends)
            assert caddy.errors() == []


@pytest.fixture
def stack(running_stack: Stack) -> Stack:
    running_stack.clear()
    return running_stack


def test_anonymous_requests_are_sent_to_the_outpost_login(stack: Stack) -> None:
    proxy_checks.anonymous_requests_are_sent_to_the_login(stack)
    response = stack.get(HOSTS[0], "/a?b=1")
    assert response.status_code == 307  # the outpost's own answer, passed on by forward_auth
    assert response.headers["Location"] == (
        f"http://{HOSTS[0]}/outpost.goauthentik.io/start?rd=http%3A%2F%2F{HOSTS[0]}%2Fa%3Fb%3D1"
    )


def test_anonymous_spoofed_user_never_reaches_the_backend(stack: Stack) -> None:
    proxy_checks.anonymous_spoofed_user_never_reaches_the_backend(stack)


def test_logged_in_requests_carry_only_the_outposts_identity(stack: Stack) -> None:
    proxy_checks.logged_in_requests_carry_only_the_outposts_identity(stack)


def test_spoofed_headers_in_any_spelling_never_reach_the_backend(stack: Stack) -> None:
    proxy_checks.spoofed_headers_are_replaced_or_removed(stack)


def test_the_client_cannot_choose_the_host_the_outpost_checks(stack: Stack) -> None:
    proxy_checks.the_client_cannot_choose_the_host_the_outpost_checks(stack)


def test_outpost_paths_reach_the_outpost_not_the_backend(stack: Stack) -> None:
    proxy_checks.outpost_paths_reach_the_outpost_not_the_backend(stack)


def test_other_hosts_are_not_served_by_a_rendered_site(stack: Stack) -> None:
    assert stack.get("other.example.test", headers=stack.cookie()).status_code == NO_SUCH_HOST
    assert stack.seen_by_backends() == 0


@pytest.mark.parametrize("case", CASE_NAMES)
def test_each_case_is_a_valid_caddyfile(case: str, tmp_path: Path) -> None:
    checked = validate(tmp_path, CASES / case / "Caddyfile")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Valid configuration" in checked.stdout + checked.stderr


def test_a_user_in_many_groups_gets_through(stack: Stack) -> None:
    proxy_checks.large_identity_headers_pass(stack)
