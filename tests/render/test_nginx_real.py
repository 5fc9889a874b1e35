"""The rendered nginx server blocks in a real nginx, with the fake outpost and echo backends.

Each backend answers with the request headers it received, so the tests see exactly what a
protected application would see, including any header a client tried to spoof.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from provision.render import render_nginx
from provision.testing.fake_authentik import FakeAuthentik
from tests.render import proxy_checks
from tests.render.render_support import CASE_NAMES, CASES, load_case, write_config
from tests.support import free_port, serve_hosts
from tests.support.backends import Backend
from tests.support.nginx import NO_SUCH_HOST, check_config, running_nginx
from tests.support.stack import HOSTS, Stack


@pytest.fixture(scope="module")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One nginx for the module, like one would run it: the rendering included in http."""
    directory = tmp_path_factory.mktemp("nginx")
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
            "nginx": {"listen": f"127.0.0.1:{port}"},
            "apps": [{"host": h, "any_user": True, "backend": b.url} for h, b in backends.items()],
        }
        config = load_case(write_config(directory, document))
        rendered = directory / "authentik.conf"
        rendered.write_text(render_nginx(config.settings, config.desired), encoding="utf-8")
        with running_nginx(directory, rendered, port) as nginx:
            yield Stack(fake, nginx.url, backends)
            assert nginx.errors() == []


@pytest.fixture
def stack(running_stack: Stack) -> Stack:
    running_stack.clear()
    return running_stack


def test_anonymous_requests_are_sent_to_the_outpost_login(stack: Stack) -> None:
    proxy_checks.anonymous_requests_are_sent_to_the_login(stack)
    location = stack.get(HOSTS[0], "/a?b=1").headers["Location"]
    assert location == f"http://{HOSTS[0]}/outpost.goauthentik.io/start?rd=http://{HOSTS[0]}/a?b=1"


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


def test_other_hosts_are_not_served_by_a_rendered_server(stack: Stack) -> None:
    assert stack.get("other.example.test", headers=stack.cookie()).status_code == NO_SUCH_HOST
    assert stack.seen_by_backends() == 0


def _resolvable(text: str) -> str:
    """nginx resolves proxy_pass names when it loads; the cases' made-up ones cannot resolve
    here, so they stand for loopback (as an /etc/hosts entry would)."""
    return re.sub(
        r"(proxy_pass https?://)(?!127\.0\.0\.1|localhost)[^:/;]+", r"\g<1>127.0.0.1", text
    )


@pytest.mark.parametrize("case", CASE_NAMES)
def test_each_case_loads_in_real_nginx(case: str, tmp_path: Path) -> None:
    rendered = tmp_path / "authentik.conf"
    rendered.write_text(_resolvable((CASES / case / "nginx.conf").read_text(encoding="utf-8")))
    checked = check_config(tmp_path, rendered)
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr


def test_without_headers_more_the_rendering_loads_too(tmp_path: Path) -> None:
    document = {
        "secrets": {"sops_file": None},
        "nginx": {"headers_more": False},
        "apps": [{"host": "a.example.test", "any_user": True, "backend": "http://127.0.0.1:1"}],
    }
    config = load_case(write_config(tmp_path, document))
    rendered = tmp_path / "authentik.conf"
    rendered.write_text(render_nginx(config.settings, config.desired), encoding="utf-8")
    checked = check_config(tmp_path, rendered)
    assert checked.returncode == 0, checked.stderr


def test_a_user_in_many_groups_gets_through(stack: Stack) -> None:
    proxy_checks.large_identity_headers_pass(stack)
