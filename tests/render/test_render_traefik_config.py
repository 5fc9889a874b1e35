"""Properties of the Traefik rendering that every config must keep, beyond the fixed cases."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from provision.config import desired_state
from provision.errors import ConfigError, UsageError
from provision.render import render_traefik
from provision.render.traefik import traefik_config
from provision.settings import Settings
from tests.support import IDENTITY_HEADERS

RENDER_PACKAGE = Path(__file__).resolve().parents[2] / "provision" / "render"
LONGEST_HOST = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])


def _render(**document: Any) -> dict[str, Any]:
    settings = Settings(**document)
    return traefik_config(settings, desired_state(settings))


def _apps(*hosts: str, backend: str | None = "http://127.0.0.1:8080") -> list[dict[str, Any]]:
    return [{"host": h, "any_user": True, "backend": backend} for h in hosts]


def test_forward_auth_carries_every_header_of_the_outpost() -> None:
    middleware = _render(apps=_apps("a.example.test"))["http"]["middlewares"]["authentik"]
    assert middleware["forwardAuth"]["authResponseHeaders"] == list(IDENTITY_HEADERS)
    assert middleware["forwardAuth"]["trustForwardHeader"] is True
    # Any other client-sent X-authentik-* header is dropped by forwardAuth itself.
    assert middleware["forwardAuth"]["authResponseHeadersRegex"] == "(?i)^X-authentik-"
    assert middleware["forwardAuth"]["address"] == (
        "http://127.0.0.1:9000/outpost.goauthentik.io/auth/traefik"
    )
    # Bounded: the outpost's largest answer (its 404 page) is about 4 KB.
    assert 8192 <= middleware["forwardAuth"]["maxResponseBodySize"] <= 1 << 20


# The forwarding headers a client may send that forwardAuth would pass on (trustForwardHeader)
# instead of the request's own URI and Host; X-Forwarded-Proto is the front proxy's to set.
CLIENT_FORWARDING = (
    "X-Original-URI",
    "X-Original-URL",
    "X-Forwarded-Uri",
    "X-Forwarded-Host",
    "X-Forwarded-Method",
    "X-Forwarded-Prefix",
)


def test_strip_middleware_deletes_each_header_forward_auth_sets() -> None:
    http = _render(apps=_apps("a.example.test"))["http"]
    strip = http["middlewares"]["authentik-strip-headers"]["headers"]["customRequestHeaders"]
    assert strip == dict.fromkeys((*IDENTITY_HEADERS, *CLIENT_FORWARDING), "")


def test_app_routers_strip_client_headers_before_forward_auth() -> None:
    http = _render(apps=_apps("a.example.test", "b.example.test"))["http"]
    app_routers = [r for name, r in http["routers"].items() if not name.endswith("-outpost")]
    assert len(app_routers) == 2
    for router in app_routers:
        assert router["middlewares"] == ["authentik-strip-headers", "authentik"]


def test_outpost_router_outranks_the_app_router_even_for_the_longest_host() -> None:
    app = {"host": LONGEST_HOST, "slug": "long", "any_user": True, "backend": "http://127.0.0.1:1"}
    routers = _render(apps=[app])["http"]["routers"]
    app_router, outpost_router = routers["long"], routers["long-outpost"]
    # Without an explicit priority Traefik ranks a router by the length of its rule.
    assert "priority" not in app_router
    assert outpost_router["priority"] > len(app_router["rule"])
    assert outpost_router["rule"] == (
        f"Host(`{LONGEST_HOST}`) && PathPrefix(`/outpost.goauthentik.io/`)"
    )
    assert outpost_router["service"] == "authentik-outpost"


def test_an_app_without_backend_gets_only_its_outpost_router() -> None:
    http = _render(apps=_apps("a.example.test", backend=None))["http"]
    assert list(http["routers"]) == ["a-outpost"]
    assert list(http["services"]) == ["authentik-outpost"]


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_tls_verification_is_only_skipped_when_asked(fmt: str) -> None:
    document: dict[str, Any] = {
        "apps": _apps("a.example.test"),
        "outpost": {"address": "https://localhost:9443"},
    }
    settings = Settings(**document)
    assert "insecureSkipVerify" not in render_traefik(settings, desired_state(settings), fmt)
    settings = Settings(**document | {"traefik": {"insecure_skip_verify": True}})
    rendered = render_traefik(settings, desired_state(settings), fmt)
    config = json.loads(rendered) if fmt == "json" else yaml.safe_load(rendered)
    http = config["http"]
    assert http["middlewares"]["authentik"]["forwardAuth"]["tls"] == {"insecureSkipVerify": True}
    assert http["services"]["authentik-outpost"]["loadBalancer"]["serversTransport"] == (
        "authentik-outpost"
    )
    assert http["serversTransports"] == {"authentik-outpost": {"insecureSkipVerify": True}}


def test_no_tls_block_without_a_cert_resolver() -> None:
    routers = _render(apps=_apps("a.example.test"), traefik={"cert_resolver": None})["http"][
        "routers"
    ]
    assert routers and all("tls" not in r for r in routers.values())
    routers = _render(apps=_apps("a.example.test"), traefik={"cert_resolver": "le"})["http"][
        "routers"
    ]
    assert all(r["tls"] == {"certResolver": "le"} for r in routers.values())


def test_names_that_would_collide_are_refused() -> None:
    backend = "http://127.0.0.1:1"
    apps = [
        {"host": "a.example.test", "slug": "a", "any_user": True},
        {"host": "b.example.test", "slug": "a-outpost", "any_user": True, "backend": backend},
        {
            "host": "c.example.test",
            "slug": "authentik-outpost",
            "any_user": True,
            "backend": backend,
        },
    ]
    with pytest.raises(ConfigError) as caught:
        _render(apps=apps)
    assert caught.value.problems == [
        "traefik: two routers would be named 'a-outpost'; change one app's slug"
        " (or traefik.outpost_service)",
        "traefik: two services would be named 'authentik-outpost'; change one app's slug"
        " (or traefik.outpost_service)",
    ]


def test_unknown_format_is_a_usage_error() -> None:
    settings = Settings()
    with pytest.raises(UsageError, match="toml"):
        render_traefik(settings, desired_state(settings), "toml")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", ["__init__.py", "traefik.py", "blueprint.py"])
def test_renderers_are_pure(module: str) -> None:
    path = RENDER_PACKAGE / module
    forbidden = {
        "requests",
        "socket",
        "subprocess",
        "os",
        "pathlib",
        "urllib.request",
        "http.client",
        "provision.authentik",
        "provision.secrets",
        "provision.config",
    }
    imported = _imported_modules(path)
    assert imported, "the module was not read"
    assert not {m for m in imported if m in forbidden or m.split(".")[0] in forbidden}
    calls = {
        n.func.id
        for n in ast.walk(ast.parse(path.read_text()))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    assert "open" not in calls
