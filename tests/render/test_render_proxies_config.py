"""Properties of the nginx and Caddy renderings beyond the fixed cases (no server started)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from provision.cli import main
from provision.config import desired_state
from provision.errors import ConfigError
from provision.render import render_caddy, render_nginx
from provision.settings import Settings
from tests.render.render_support import write_config
from tests.support import IDENTITY_HEADERS


def _settings(**document: Any) -> Settings:
    apps = [{"host": "a.example.test", "any_user": True, "backend": "http://127.0.0.1:8080"}]
    return Settings(**{"apps": apps, **document})


def _nginx(**document: Any) -> str:
    settings = _settings(**document)
    return render_nginx(settings, desired_state(settings))


def _caddy(**document: Any) -> str:
    settings = _settings(**document)
    return render_caddy(settings, desired_state(settings))


def test_nginx_copies_every_identity_header_from_the_auth_answer() -> None:
    text = _nginx()
    for header in IDENTITY_HEADERS:
        variable = "$" + header.lower().replace("-", "_")
        assert f"auth_request_set {variable} $upstream_http_{variable[1:]};" in text
        assert f"proxy_set_header {header} {variable};" in text
    assert "auth_request /outpost.goauthentik.io/auth/nginx;" in text
    assert "error_page 401 = @goauthentik_proxy_signin;" in text


def test_nginx_listen_and_headers_more_follow_the_settings() -> None:
    assert "    listen 80;" in _nginx()
    assert 'more_clear_input_headers "X-authentik-*";' in _nginx()
    custom = _nginx(nginx={"listen": "127.0.0.1:8081", "headers_more": False})
    assert "    listen 127.0.0.1:8081;" in custom
    assert "more_clear_input_headers" not in custom
    assert "only the outpost's own header names are cleared" in custom


def test_nginx_refuses_a_listen_value_that_would_inject_directives() -> None:
    with pytest.raises(ValueError, match="listen"):
        _settings(nginx={"listen": "80; include /etc/passwd"})


def test_nginx_verifies_an_https_outpost() -> None:
    text = _nginx(outpost={"address": "https://auth.example.test:9443"})
    assert "proxy_ssl_verify on;" in text
    assert 'proxy_ssl_trusted_certificate "/etc/ssl/certs/ca-certificates.crt";' in text
    assert "proxy_ssl_verify" not in _nginx()


def test_app_without_backend_gets_a_marked_placeholder() -> None:
    settings = Settings(apps=[{"host": "a.example.test", "any_user": True}])
    desired = desired_state(settings)
    nginx, caddy = render_nginx(settings, desired), render_caddy(settings, desired)
    assert "PLACEHOLDER" in nginx and "return 503;" in nginx
    assert nginx.count("        proxy_pass http://") == 1  # the outpost's, nothing else
    assert "PLACEHOLDER" in caddy and 'respond "no backend configured" 503' in caddy


@pytest.mark.parametrize("backend", ["http://127.0.0.1:1/x;evil", "http://127.0.0.1:1/{x}"])
def test_a_backend_that_would_break_the_config_is_refused(backend: str) -> None:
    with pytest.raises(ValidationError, match="percent-encode it"):
        Settings(apps=[{"host": "a.example.test", "any_user": True, "backend": backend}])
    # A desired state built without the settings is checked by the renderers all the same.
    settings = _settings()
    desired = desired_state(settings)
    desired = replace(desired, apps=(replace(desired.apps[0], backend=backend),))
    for render in (render_nginx, render_caddy):
        with pytest.raises(ConfigError, match=r"apps\[0\]\.backend"):
            render(settings, desired)


def test_caddy_site_addresses_follow_the_settings() -> None:
    assert re.search(r"^a\.example\.test \{$", _caddy(), re.M)
    plain = _caddy(caddy={"auto_https": False, "port": 8081})
    assert re.search(r"^http://a\.example\.test:8081 \{$", plain, re.M)


def test_caddy_orders_stripping_outpost_paths_auth_and_backend() -> None:
    text = _caddy()
    order = [
        text.index("request_header -X-Authentik-*"),
        text.index("request_header -X_authentik_*"),
        text.index("reverse_proxy /outpost.goauthentik.io/* http://127.0.0.1:9000"),
        text.index("forward_auth http://127.0.0.1:9000 {"),
        text.index("uri /outpost.goauthentik.io/auth/caddy"),
        text.index("reverse_proxy http://127.0.0.1:8080"),
    ]
    assert order == sorted(order)
    assert all(f"\t\t\t\t{header}\n" in text for header in IDENTITY_HEADERS)
    assert "trusted_proxies" not in text


def test_caddy_trusts_forwarded_headers_only_from_configured_proxies() -> None:
    text = _caddy(caddy={"trusted_proxies": ["10.0.0.0/8", "private_ranges"]})
    assert "trusted_proxies 10.0.0.0/8 private_ranges" in text
    with pytest.raises(ValueError, match="CIDR"):
        _settings(caddy={"trusted_proxies": ["10.0.0.0/8 }"]})


@pytest.mark.parametrize("kind", ["nginx", "caddy"])
def test_cli_writes_the_rendering(kind: str, tmp_path: Path) -> None:
    apps = [{"host": "a.example.test", "any_user": True}]
    config = write_config(tmp_path, {"secrets": {"sops_file": None}, "apps": apps})
    target = tmp_path / "out"
    assert main(["--config", str(config), "render", kind, "-o", str(target)], {}) == 0
    assert "a.example.test" in target.read_text(encoding="utf-8")


def test_cli_reports_an_unsafe_backend_as_a_config_error(tmp_path: Path) -> None:
    apps = [{"host": "a.example.test", "any_user": True, "backend": "http://127.0.0.1:1/$x"}]
    config = write_config(tmp_path, {"secrets": {"sops_file": None}, "apps": apps})
    assert main(["--config", str(config), "render", "nginx"], {}) == 78
