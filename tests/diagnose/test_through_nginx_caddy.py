"""``verify --through`` a real nginx and a real Caddy running the rendered config."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.diagnose.conftest import Cli, assert_login_redirect
from tests.support import free_port
from tests.support.backends import Backend
from tests.support.caddy import running_caddy
from tests.support.nginx import running_nginx

HOSTS = ("sonarr.home.example.com", "jellyfin.home.example.com")


def _by_host(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {h["host"]: h for h in document["hosts"]}


@contextlib.contextmanager
def _nginx(directory: Path, rendered: Path, port: int) -> Iterator[str]:
    with running_nginx(directory, rendered, port) as nginx:
        yield nginx.url


@contextlib.contextmanager
def _caddy(directory: Path, rendered: Path, port: int) -> Iterator[str]:
    with running_caddy(directory, rendered, port) as caddy:
        yield caddy.url


Start = Callable[[Path, Path, int], contextlib.AbstractContextManager[str]]
PROXIES: dict[str, tuple[Start, Callable[[int], dict[str, Any]]]] = {
    "nginx": (_nginx, lambda port: {"nginx": {"listen": f"127.0.0.1:{port}"}}),
    "caddy": (_caddy, lambda port: {"caddy": {"auto_https": False, "port": port}}),
}


@pytest.mark.parametrize("kind", sorted(PROXIES))
def test_rendered_config_protects_every_host(
    kind: str, cli: Cli, backend: Backend, tmp_path: Path
) -> None:
    start, section = PROXIES[kind]
    port = free_port()
    apps = [
        {"host": HOSTS[0], "groups": ["media"], "backend": backend.url},
        {"host": HOSTS[1], "any_user": True, "backend": backend.url},
    ]
    cli.config(apps, **section(port))
    cli.sync()
    rendered = tmp_path / f"rendered.{kind}"
    assert cli("render", kind, "-o", str(rendered)).code == 0
    with start(tmp_path, rendered, port) as proxy:
        backend.seen.clear()
        result = cli("verify", "--through", proxy, "--output", "json")
    assert result.code == 0, result.out
    found = _by_host(result.json())
    assert sorted(found) == sorted(HOSTS)
    for host, answer in found.items():
        assert answer["via"] == "proxy"
        assert_login_redirect(answer, host, scheme="http")
        assert answer["provider"]  # nginx's start names none: the outpost's answer did
    assert backend.requests == []  # no anonymous request reached the app


@pytest.mark.parametrize("kind", sorted(PROXIES))
def test_host_left_out_of_the_proxy_is_not_protected(
    kind: str, cli: Cli, backend: Backend, tmp_path: Path
) -> None:
    """The outpost would demand a login, but the proxy has no block for the second host."""
    start, section = PROXIES[kind]
    port = free_port()
    cli.config([{"host": HOSTS[0], "groups": ["media"], "backend": backend.url}], **section(port))
    cli.sync()
    rendered = tmp_path / f"rendered.{kind}"
    assert cli("render", kind, "-o", str(rendered)).code == 0
    apps = [
        {"host": HOSTS[0], "groups": ["media"], "backend": backend.url},
        {"host": HOSTS[1], "any_user": True, "backend": backend.url},
    ]
    cli.config(apps, **section(port))
    cli.sync()
    with start(tmp_path, rendered, port) as proxy:
        result = cli("verify", "--through", proxy, "--output", "json")
    assert result.code == 65, result.out
    found = _by_host(result.json())
    assert found[HOSTS[0]]["classification"] == "protected"
    assert found[HOSTS[1]]["classification"] != "protected"
    assert found[HOSTS[1]]["via"] == "proxy"


def test_caddy_without_a_site_for_the_host_is_no_route(
    cli: Cli, backend: Backend, tmp_path: Path
) -> None:
    """Caddy answers a host none of its sites names with an empty 200 of its own."""
    port = free_port()
    section = PROXIES["caddy"][1](port)
    cli.config([{"host": HOSTS[0], "groups": ["media"], "backend": backend.url}], **section)
    rendered = tmp_path / "rendered.caddy"
    assert cli("render", "caddy", "-o", str(rendered)).code == 0
    apps = [
        {"host": HOSTS[0], "groups": ["media"], "backend": backend.url},
        {"host": HOSTS[1], "any_user": True, "backend": backend.url},
    ]
    cli.config(apps, **section)
    cli.sync()
    with running_caddy(tmp_path, rendered, port, catch_all=False) as caddy:
        result = cli("verify", "--through", caddy.url, "--output", "json")
    assert result.code == 65, result.out
    found = _by_host(result.json())
    assert found[HOSTS[0]]["classification"] == "protected"
    assert found[HOSTS[1]]["classification"] == "no_route"
    assert found[HOSTS[1]]["status"] == 200
    assert backend.requests == []
