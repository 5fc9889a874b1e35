"""``verify --through``: anonymous requests through a real Traefik in front of the fake outpost."""

from __future__ import annotations

from pathlib import Path

from tests.diagnose.conftest import Cli, StartTraefik, assert_login_redirect
from tests.support.backends import Backend

HOST = "sonarr.home.example.com"


def _by_host(document: dict[str, object]) -> dict[str, dict[str, object]]:
    hosts = document["hosts"]
    assert isinstance(hosts, list)
    return {h["host"]: h for h in hosts}


def test_backend_without_forward_auth_is_unprotected(
    cli: Cli, backend: Backend, start_traefik: StartTraefik
) -> None:
    """The outpost would demand a login, but the router skips the middleware."""
    cli.config([{"host": HOST, "groups": ["media"]}])
    cli.sync()
    dynamic = {
        "http": {
            "routers": {
                "sonarr": {"rule": f"Host(`{HOST}`)", "entryPoints": ["web"], "service": "sonarr"}
            },
            "services": {"sonarr": {"loadBalancer": {"servers": [{"url": backend.url}]}}},
        }
    }
    proxy = start_traefik(dynamic)
    result = cli("verify", "--through", proxy, "--output", "json")
    found = _by_host(result.json())[HOST]
    assert found["classification"] == "unprotected"
    assert found["via"] == "proxy"
    assert found["status"] == 200
    assert "UNPROTECTED" in str(found["detail"])
    assert result.code == 65
    assert f"{HOST} /" in backend.requests


def test_rendered_config_protects_every_host(
    cli: Cli, backend: Backend, start_traefik: StartTraefik, tmp_path: Path
) -> None:
    apps = [
        {"host": HOST, "groups": ["media"], "backend": backend.url},
        {"host": "jellyfin.home.example.com", "any_user": True, "backend": backend.url},
    ]
    cli.config(apps, traefik={"entrypoints": ["web"], "cert_resolver": None})
    cli.sync()
    rendered = tmp_path / "rendered.yaml"
    assert cli("render", "traefik", "-o", str(rendered)).code == 0
    proxy = start_traefik(rendered)
    backend.seen.clear()
    result = cli("verify", "--through", proxy, "--output", "json")
    assert result.code == 0, result.out
    for host, found in _by_host(result.json()).items():
        assert found["via"] == "proxy"
        assert_login_redirect(found, host, scheme="http")
    assert backend.requests == []  # no anonymous request reached the app
