"""The rendered nginx server blocks in a real nginx, with the fake outpost and echo backends.

Each backend answers with the request headers it received, so the tests see exactly what a
protected application would see, including any header a client tried to spoof.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from provision.render import render_nginx
from tests.render import proxy_checks
from tests.render.render_support import CASE_NAMES, CASES, load_case, write_config
from tests.support import free_port
from tests.support.backends import websocket_echo
from tests.support.nginx import NO_SUCH_HOST, check_config, running_nginx
from tests.support.stack import HOSTS, Stack, x_authentik


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
    response = stack.get("other.example.test", headers=stack.cookie(HOSTS[0]))
    assert response.status_code == NO_SUCH_HOST
    assert stack.seen_by_backends() == 0


def test_websockets_pass_through_after_login(stack: Stack) -> None:
    """Sonarr, Jellyfin and Home Assistant push live updates over a WebSocket."""
    cookie = stack.cookie(HOSTS[0])["Cookie"]
    status, echoed = websocket_echo(f"{stack.url}/live", HOSTS[0], cookie, "ping")
    assert status == "HTTP/1.1 101 Switching Protocols"
    assert echoed == "ping"
    (record,) = stack.backends[HOSTS[0]].seen
    assert record["path"] == "/live"
    assert x_authentik(record)["x-authentik-username"] == ["alice"]


def test_an_anonymous_websocket_is_sent_to_the_login(stack: Stack) -> None:
    status, echoed = websocket_echo(f"{stack.url}/live", HOSTS[0], "none=1", "ping")
    assert status.split()[1] == "302"
    assert echoed == ""
    assert stack.seen_by_backends() == 0


def _without_host_header(stack: Stack, path: str, cookie: str = "") -> tuple[str, str]:
    """Ask as HTTP/3 does, with the host in the request target and no Host header (in HTTP/1.0:
    1.1 requires one). Returns the status line and the Location (else the body)."""
    address = stack.url.removeprefix("http://").split(":")
    lines = [f"GET http://{HOSTS[0]}{path} HTTP/1.0"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    with socket.create_connection((address[0], int(address[1])), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b"".join(iter(lambda: sock.recv(65536), b"")).decode(errors="replace")
    head, _, body = answer.partition("\r\n\r\n")
    location = re.search(r"^Location: (.*)$", head, re.MULTILINE)
    return head.splitlines()[0], location.group(1).strip() if location else body


def test_without_a_host_header_the_login_redirect_keeps_the_host(stack: Stack) -> None:
    status, location = _without_host_header(stack, "/page")
    assert status == "HTTP/1.1 302 Moved Temporarily"
    start = f"http://{HOSTS[0]}/outpost.goauthentik.io/start"
    assert location == f"{start}?rd=http://{HOSTS[0]}/page"


def test_without_a_host_header_the_backend_gets_the_host(stack: Stack) -> None:
    status, _ = _without_host_header(stack, "/page", stack.cookie(HOSTS[0])["Cookie"])
    assert status == "HTTP/1.1 200 OK"
    (record,) = stack.backends[HOSTS[0]].seen
    assert record["host"] == HOSTS[0]
    assert x_authentik(record)["x-authentik-username"] == ["alice"]


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
