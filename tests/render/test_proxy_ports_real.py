"""What the outpost sees of a port in the Host header, through the real nginx and Caddy.

The outpost matches the host with its port (docs/forward-auth.md). The rendered nginx asks it with
``$host`` (no port), so a site on any port is matched; Caddy's ``forward_auth`` passes the Host
as the browser sent it, so a site on a port browsers must name is not (``doctor`` warns about
``caddy.port``).
"""

from __future__ import annotations

from pathlib import Path

import requests

from provision.render import render_caddy, render_nginx
from provision.testing.fake_authentik import FakeAuthentik
from tests.render.render_support import load_case, write_config
from tests.support import free_port, serve_hosts
from tests.support.backends import Backend
from tests.support.caddy import running_caddy
from tests.support.nginx import running_nginx

HOST = "alpha.example.test"
AUTH = "/outpost.goauthentik.io/auth/"


def _config(directory: Path, fake: FakeAuthentik, backend: Backend, port: int) -> Path:
    return write_config(
        directory,
        {
            "secrets": {"sops_file": None},
            "outpost": {"address": fake.url},
            "caddy": {"auto_https": False, "port": port},
            "nginx": {"listen": f"127.0.0.1:{port}"},
            "apps": [{"host": HOST, "any_user": True, "backend": backend.url}],
        },
    )


def _asked_host(fake: FakeAuthentik) -> list[str | None]:
    return [r.headers.get("x-forwarded-host") for r in fake.requests if r.path.startswith(AUTH)]


def test_nginx_asks_without_the_port_and_caddy_with_it(tmp_path: Path) -> None:
    port = free_port()
    with FakeAuthentik(token="t") as fake, Backend("b") as backend:
        serve_hosts(fake, [HOST])
        config = load_case(_config(tmp_path, fake, backend, port))
        sent = {"Host": f"{HOST}:{port}"}
        nginx_conf = tmp_path / "nginx"
        nginx_conf.mkdir()
        rendered = nginx_conf / "authentik.conf"
        rendered.write_text(render_nginx(config.settings, config.desired), encoding="utf-8")
        with running_nginx(nginx_conf, rendered, port) as nginx:
            fake.clear_log()
            answer = requests.get(nginx.url, headers=sent, allow_redirects=False, timeout=10)
            assert answer.status_code == 302  # the login redirect: the outpost matched
            assert _asked_host(fake) == [HOST]
        caddy_conf = tmp_path / "caddy"
        caddy_conf.mkdir()
        rendered = caddy_conf / "authentik.caddy"
        rendered.write_text(render_caddy(config.settings, config.desired), encoding="utf-8")
        with running_caddy(caddy_conf, rendered, port) as caddy:
            fake.clear_log()
            answer = requests.get(caddy.url, headers=sent, allow_redirects=False, timeout=10)
            assert answer.status_code == 404  # the outpost's page: no provider for host:port
            assert _asked_host(fake) == [f"{HOST}:{port}"]
        assert backend.seen == []
