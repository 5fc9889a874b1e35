"""The rendered nginx server blocks in a real nginx, with the fake outpost and echo backends.

Each backend answers with the request headers it received, so the tests see exactly what a
protected application would see, including any header a client tried to spoof.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from provision.render import render_nginx
from tests.render import proxy_checks
from tests.render.render_support import CASE_NAMES, CASES, load_case, write_config
from tests.support import free_port
from tests.support.nginx import NO_SUCH_HOST, check_config, running_nginx
from tests.support.stack import HOSTS, Stack


@pytest.fixture(scope="module")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One nginx for the module, like one would run it: the rendering included in http."""
    directory = tmp_path_factory.mktemp("nginx")
    port = free_port()
    section = {"nginx": {"listen": f"127.0.0.1:{port}"}}
    with proxy_checks.rendered_stack(
        directory, port, section, render_nginx, "authentik.conf", running_nginx
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
    location = stack.get(HOSTS[0], "/a?b=1").headers["Location"]
    assert location == f"http://{HOSTS[0]}/outpost.goauthentik.io/start?rd=http://{HOSTS[0]}/a?b=1"


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
