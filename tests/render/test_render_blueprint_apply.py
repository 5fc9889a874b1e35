"""The rendered blueprint, imported into the fake Authentik, gives the end state of a sync.

One fake receives the blueprint through the one-shot import of its release line
(``profile.blueprint_import``: ``POST /api/v3/flows/instances/import/`` up to 2026.2,
``POST /api/v3/managed/blueprints/import/`` from 2026.5, transcripts 08c and 14), another runs
``provision sync`` on the same config; then both are read back and compared, in every mode the
fake speaks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from provision.cli import main
from provision.render import render_blueprint
from provision.testing.fake_authentik import FakeAuthentik
from provision.versions import FLOW_IMPORT, profile_for
from tests.render.render_support import load_case, write_config
from tests.support.versions import EVERY_MODE

GROUPS = ("media", "admins", "ops")
APPS: list[dict[str, Any]] = [
    {
        "host": "sonarr.home.example.test",
        "group": "Media",
        "description": "TV series",
        "groups": ["media"],
        "skip_path_regex": "^/api/\n^/feed/",
        "backend": "http://127.0.0.1:8989",
    },
    {
        "host": "grafana.home.example.test",
        "group": "Monitoring",
        "groups": ["admins", "ops"],
        "access_token_validity": "hours=2",
        "authorization_flow": "default-provider-authorization-explicit-consent",
    },
    {
        "host": "jellyfin.home.example.test",
        "name": "Jellyfin",
        "slug": "jelly",
        "launch_url": "https://jellyfin.home.example.test/web/",
        "any_user": True,
    },
]


DOMAINS = [
    {"domain": "home.example.test", "auth_host": "auth.home.example.test", "groups": ["ops"]}
]


def _document(url: str) -> dict[str, Any]:
    return {
        "authentik": {"url": url, "timeout": 10},
        "secrets": {"sops_file": None},
        "owner": "authentik-provision",
        "apps": APPS,
        "domains": DOMAINS,
    }


@pytest.fixture(params=EVERY_MODE)
def fakes(request: pytest.FixtureRequest) -> Iterator[tuple[FakeAuthentik, FakeAuthentik]]:
    version = str(request.param)
    with (
        FakeAuthentik(token="t", authentik_version=version) as by_sync,
        FakeAuthentik(token="t", authentik_version=version) as by_blueprint,
    ):
        for fake in (by_sync, by_blueprint):
            for group in GROUPS:
                fake.state.add_group(group)
        yield by_sync, by_blueprint


def _sync(fake: FakeAuthentik, tmp_path: Path) -> None:
    config = write_config(tmp_path / "sync", _document(fake.url))
    environ = {"AUTHENTIK_TOKEN": fake.token, "RUNTIME_DIRECTORY": str(tmp_path / "sync")}
    assert main(["-q", "--config", str(config), "sync"], environ) == 0


def _blueprint_text(fake: FakeAuthentik, tmp_path: Path) -> str:
    config = load_case(write_config(tmp_path / "blueprint", _document(fake.url)))
    return render_blueprint(config.settings, config.desired)


def _import(fake: FakeAuthentik, text: str) -> None:
    """The one-shot import of the fake's release line, as a user would call it."""
    endpoint = profile_for(fake.version.name).blueprint_import
    response = requests.post(
        fake.url + endpoint,
        headers={"Authorization": f"Bearer {fake.token}"},
        files={"file": ("forward-auth.yaml", text.encode("utf-8"), "application/yaml")},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.json()["success"] is True, response.json()["logs"]


def _end_state(fake: FakeAuthentik) -> dict[str, Any]:
    """What forward auth depends on, by names and slugs instead of each server's own keys."""
    state = fake.state
    flows = {f["pk"]: f["slug"] for f in state.flows()}
    groups = {g["pk"]: g["name"] for g in state.groups()}
    providers = {p["pk"]: p for p in state.proxy_providers()}
    applications = {a["pk"]: a for a in state.applications()}
    return {
        "providers": {
            p["name"]: (
                p["mode"],
                p["external_host"].rstrip("/").lower(),
                flows[p["authorization_flow"]],
                flows[p["invalidation_flow"]],
                p["access_token_validity"],
                p["skip_path_regex"],
                p["cookie_domain"],
            )
            for p in providers.values()
        },
        "applications": {
            a["slug"]: (
                a["name"],
                providers[a["provider"]]["name"] if a["provider"] is not None else None,
                a["meta_launch_url"],
                a["meta_description"],
                a["meta_publisher"],
                a["group"],
                a["policy_engine_mode"],
            )
            for a in applications.values()
        },
        "bindings": sorted(
            (applications[b["target"]]["slug"], groups[b["group"]], b["order"])
            for b in state.policy_bindings()
            if b.get("group")
        ),
        "outpost": sorted(providers[pk]["name"] for pk in state.embedded_outpost()["providers"]),
    }


def _bind_foreign_provider(fake: FakeAuthentik) -> None:
    """A provider someone else put on the embedded outpost."""
    foreign = fake.state.add_proxy_provider("Someone else's", "https://other.example.test")
    outpost = fake.state.embedded_outpost()
    response = requests.patch(
        f"{fake.url}/api/v3/outposts/instances/{outpost['pk']}/",
        json={"providers": [*outpost["providers"], foreign["pk"]]},
        headers={"Authorization": f"Bearer {fake.token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def test_blueprint_creates_what_sync_creates(
    fakes: tuple[FakeAuthentik, FakeAuthentik], tmp_path: Path
) -> None:
    by_sync, by_blueprint = fakes
    _sync(by_sync, tmp_path)
    _import(by_blueprint, _blueprint_text(by_blueprint, tmp_path))
    synced, imported = _end_state(by_sync), _end_state(by_blueprint)
    assert imported == synced
    # The comparison is over real content, not two empty servers.
    assert sorted(synced["applications"]) == ["grafana", "home-example-test", "jelly", "sonarr"]
    assert synced["bindings"] == [
        ("grafana", "admins", 0),
        ("grafana", "ops", 1),
        ("home-example-test", "ops", 0),
        ("sonarr", "media", 0),
    ]
    assert synced["outpost"] == [
        "Provider for Grafana",
        "Provider for Jellyfin",
        "Provider for Sonarr",
        "Provider for home.example.test",
    ]
    domain = synced["providers"]["Provider for home.example.test"]
    assert (domain[0], domain[1], domain[-1]) == (
        "forward_domain",
        "https://auth.home.example.test",
        "home.example.test",
    )
    assert synced["providers"]["Provider for Grafana"][2] == (
        "default-provider-authorization-explicit-consent"
    )


def test_importing_the_blueprint_twice_changes_nothing(
    fakes: tuple[FakeAuthentik, FakeAuthentik], tmp_path: Path
) -> None:
    _, fake = fakes
    text = _blueprint_text(fake, tmp_path)
    _import(fake, text)
    first = _end_state(fake)
    _import(fake, text)
    assert _end_state(fake) == first
    assert len(fake.state.policy_bindings()) == 4


def test_blueprint_replaces_the_outpost_list_where_sync_merges(
    fakes: tuple[FakeAuthentik, FakeAuthentik], tmp_path: Path
) -> None:
    # The caveat the blueprint's header and the README state (transcript 08b).
    by_sync, by_blueprint = fakes
    for fake in fakes:
        _bind_foreign_provider(fake)
    _sync(by_sync, tmp_path)
    _import(by_blueprint, _blueprint_text(by_blueprint, tmp_path))
    assert "Someone else's" in _end_state(by_sync)["outpost"]
    assert "Someone else's" not in _end_state(by_blueprint)["outpost"]
    assert len(_end_state(by_blueprint)["outpost"]) == 4


def test_each_line_is_imported_by_its_own_endpoint_and_the_other_is_refused(
    fakes: tuple[FakeAuthentik, FakeAuthentik], tmp_path: Path
) -> None:
    _, fake = fakes
    endpoint = profile_for(fake.version.name).blueprint_import
    newer = fake.version.name.startswith("2026.8")
    assert endpoint == ("/api/v3/managed/blueprints/import/" if newer else FLOW_IMPORT)
    other = FLOW_IMPORT if newer else "/api/v3/managed/blueprints/import/"
    refused = requests.post(
        fake.url + other,
        headers={"Authorization": f"Bearer {fake.token}"},
        files={
            "file": ("forward-auth.yaml", _blueprint_text(fake, tmp_path).encode(), "text/yaml")
        },
        timeout=10,
    )
    assert refused.status_code in (404, 405)  # 2026.8 build: 405 on the old path (08c)
    assert fake.state.applications() == []
