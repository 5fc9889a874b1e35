"""No value from the config can add a directive, a route or a matcher to a rendering.

Hostile values are either refused with 78 (by the config, or by the renderer of a syntax that
cannot hold them) or written so that the real nginx, Caddy and Traefik load the file with
exactly the directives, routes and matchers of a harmless config: counted, not eyeballed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from provision.cli import main
from provision.config import load_config
from provision.errors import EX_CONFIG, ConfigError
from provision.render import render_blueprint, render_caddy, render_nginx, render_traefik
from tests.render.render_support import write_config
from tests.support.caddy import caddy_binary, main_caddyfile
from tests.support.nginx import check_config
from tests.support.traefik import running_traefik

SYSTEM_CA = Path("/etc/ssl/certs/ca-certificates.crt")
# Every character that ends or opens something in one of the syntaxes.
INJECTION = ';} location /leak { return 200; } # "$x` `) || Host(`evil.test`) {$y}'
# A file name holds all of it but '/': nginx must read it as one path.
CA_NAME = 'ca;} location leak { return 200; } # "$x` {$y}\\.pem'
HOST = "a.example.test"


def _document(**app: Any) -> dict[str, Any]:
    entry = {"host": HOST, "slug": "a", "any_user": True, "backend": "http://127.0.0.1:8080"}
    entry |= app
    return {"secrets": {"sops_file": None}, "apps": [entry]}


def _nginx_directives(text: str) -> Counter[str]:
    """Directive names as nginx reads them: quoted strings are single arguments."""
    token = r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'|#[^\n]*|[{};]|[^\s{};\"'#]+"
    names: Counter[str] = Counter()
    starts = True
    for word in re.findall(token, text):
        if word.startswith("#"):
            continue
        if starts and word not in "{};":
            names[word] += 1
        starts = word in "{};"
    return names


@pytest.mark.parametrize(
    ("section", "values", "field"),
    [
        ("apps", {"host": "a`.example.test"}, "apps[0].host"),
        ("apps", {"host": "a.example.test`) || Host(`b.example.test"}, "apps[0].host"),
        ("apps", {"host": "a}.example.test"}, "apps[0].host"),
        ("apps", {"host": "a.example.test;\nlocation /x { return 200; }"}, "apps[0].host"),
        ("domains", {"domain": "example.test`)", "auth_host": "a.example.test"}, "domain"),
        ("domains", {"domain": "example.test", "auth_host": "a.example.test {"}, "auth_host"),
    ],
)
def test_a_host_that_would_change_a_rendering_is_refused_by_the_config(
    tmp_path: Path, section: str, values: dict[str, str], field: str
) -> None:
    entry = {"any_user": True, **values}
    path = write_config(tmp_path, {"secrets": {"sops_file": None}, section: [entry]})
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert caught.value.exit_code == EX_CONFIG
    assert field in str(caught.value)


@pytest.mark.parametrize("kind", ["nginx", "caddy", "traefik", "blueprint"])
@pytest.mark.parametrize(
    "backend",
    [
        "http://127.0.0.1:1/;return",
        "http://127.0.0.1:1/}",
        "http://127.0.0.1:1/{x}",
        "http://127.0.0.1:1/`)||Host(`evil.test`)||PathPrefix(`/",
        "http://127.0.0.1:1/$host",
    ],
)
def test_a_backend_a_proxy_syntax_cannot_hold_is_refused_with_78(
    tmp_path: Path, kind: str, backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Refused where it is declared, for every proxy: what the settings accept renders for all.
    path = write_config(tmp_path, _document(backend=backend))
    assert main(["--config", str(path), "render", kind], {}) == EX_CONFIG
    assert "apps[0].backend" in capsys.readouterr().err


def _with_ca(tmp_path: Path, name: str) -> dict[str, Any]:
    ca = tmp_path / "ca" / name
    ca.parent.mkdir()
    shutil.copyfile(SYSTEM_CA, ca)
    document = _document()
    document["authentik"] = {"ca_bundle": str(ca)}
    document["outpost"] = {"address": "https://127.0.0.1:9443"}
    return document


def test_a_ca_bundle_path_is_one_quoted_argument_in_the_real_nginx(tmp_path: Path) -> None:
    hostile = load_config(write_config(tmp_path, _with_ca(tmp_path, CA_NAME)), environ={})
    rendered = tmp_path / "authentik.conf"
    rendered.write_text(render_nginx(hostile.settings, hostile.desired), encoding="utf-8")
    checked = check_config(tmp_path, rendered)
    # nginx loads the CA file while testing: it found the file under its exact name.
    assert checked.returncode == 0, checked.stderr
    plain_document = _document() | {"outpost": {"address": "https://127.0.0.1:9443"}}
    plain = load_config(write_config(tmp_path / "plain", plain_document), environ={})
    expected = _nginx_directives(render_nginx(plain.settings, plain.desired))
    found = _nginx_directives(rendered.read_text(encoding="utf-8"))
    assert found == expected
    assert (found["server"], found["location"], found["return"]) == (1, 3, 1)


def test_a_ca_bundle_path_with_a_newline_is_refused_with_78(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, _with_ca(tmp_path, "ca.pem\n    location leak {"))
    assert main(["--config", str(path), "render", "nginx"], {}) == EX_CONFIG
    assert "authentik.ca_bundle" in capsys.readouterr().err


def _free_text() -> dict[str, str]:
    """Every free-text field of an app, hostile; none of them belongs in a proxy config."""
    return {
        "name": f"App {INJECTION}",
        "description": INJECTION,
        "group": INJECTION,
        "skip_path_regex": "^/api/" + re.escape(INJECTION),
    }


def test_free_text_never_reaches_a_proxy_rendering(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, _document(**_free_text())), environ={})
    plain = load_config(write_config(tmp_path / "plain", _document(name="App")), environ={})
    for render in (render_nginx, render_caddy, render_traefik):
        assert render(config.settings, config.desired) == render(plain.settings, plain.desired)


def test_the_blueprint_carries_hostile_text_as_values_only(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, _document(**_free_text())), environ={})
    plain = load_config(write_config(tmp_path / "plain", _document(name="App")), environ={})
    document = yaml.safe_load(render_blueprint(config.settings, config.desired).replace("!", ""))
    baseline = yaml.safe_load(render_blueprint(plain.settings, plain.desired).replace("!", ""))
    assert [e["model"] for e in document["entries"]] == [e["model"] for e in baseline["entries"]]
    (provider,) = [e for e in document["entries"] if e["model"].endswith("proxyprovider")]
    assert provider["attrs"]["skip_path_regex"] == "^/api/" + re.escape(INJECTION)


def _adapted_routes(directory: Path, rendered: Path) -> list[Any]:
    config = main_caddyfile(directory, rendered, 8080, catch_all=False)
    command = [caddy_binary(), "adapt", "--config", str(config), "--adapter", "caddyfile"]
    environ = {"HOME": str(directory), "XDG_CONFIG_HOME": str(directory), "PATH": "/usr/bin"}
    adapted = subprocess.run(command, capture_output=True, text=True, check=False, env=environ)
    assert adapted.returncode == 0, adapted.stderr
    servers = json.loads(adapted.stdout)["apps"]["http"]["servers"]
    return [route for server in servers.values() for route in server["routes"]]


def _shape(node: Any) -> Any:
    """The routes' structure: keys, handler names and matcher kinds, without the values."""
    if isinstance(node, Mapping):
        return {k: _shape(v) for k, v in node.items() if k not in ("dial", "upstreams")}
    if isinstance(node, list):
        return [_shape(item) for item in node]
    return type(node).__name__


def test_caddy_adapts_a_hostile_config_to_the_routes_of_a_plain_one(tmp_path: Path) -> None:
    shapes = []
    for name, app in (("hostile", _free_text()), ("plain", {"name": "App"})):
        config = load_config(write_config(tmp_path / name, _document(**app)), environ={})
        rendered = tmp_path / name / "authentik.caddy"
        rendered.write_text(render_caddy(config.settings, config.desired), encoding="utf-8")
        shapes.append(_shape(_adapted_routes(tmp_path / name, rendered)))
    assert shapes[0] == shapes[1]
    assert shapes[0]  # the site's routes are there at all


def test_traefik_loads_only_the_declared_routers_whatever_the_text(tmp_path: Path) -> None:
    # A backend is an origin only (a path is refused): the free text is what could add a rule.
    backend = "http://127.0.0.1:1"
    app = _free_text() | {"backend": backend}
    config = load_config(write_config(tmp_path, _document(**app)), environ={})
    dynamic = tmp_path / "dynamic.yaml"
    dynamic.write_text(render_traefik(config.settings, config.desired), encoding="utf-8")
    declared = {"a-outpost", "a"}
    with running_traefik(tmp_path, dynamic, expected_routers=declared) as traefik:
        routers = traefik.file_objects("routers")
        services = traefik.file_objects("services")
    assert set(routers) == declared
    assert routers["a"]["rule"] == f"Host(`{HOST}`)"
    assert (
        routers["a-outpost"]["rule"] == f"Host(`{HOST}`) && PathPrefix(`/outpost.goauthentik.io/`)"
    )
    assert services["a"]["loadBalancer"]["servers"] == [{"url": backend}]
