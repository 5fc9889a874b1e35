"""The exact writes a sync sends, per scenario: (method, path, body), in order (docs/ownership.md).

Each sync runs one write at a time (authentik.concurrency = 1), so the order is the plan's.
"""

from __future__ import annotations

from typing import Any

import pytest

from provision.testing.fake_authentik import FakeAuthentik
from tests.e2e.conftest import Cli
from tests.support.versions import AUTHENTIK_VERSIONS

pytestmark = pytest.mark.parametrize("authentik_version", AUTHENTIK_VERSIONS, indirect=True)

OWNER = "authentik-provision"
TRANSACTIONAL = "/api/v3/core/transactional/applications/"
ICON = "https://icons.example.com/sonarr.png"
SERIAL = {"concurrency": 1}

Write = tuple[str, str, Any]


def _writes(fake: FakeAuthentik) -> list[Write]:
    return [(r.method, r.path, r.body) for r in fake.writes()]


def _ids(fake: FakeAuthentik) -> dict[str, Any]:
    flows = {f["slug"]: f["pk"] for f in fake.state.flows()}
    groups = {g["name"]: g["pk"] for g in fake.state.groups()}
    apps = {a["slug"]: a for a in fake.state.applications()}
    return {"flows": flows, "groups": groups, "apps": apps}


def _provider(name: str, host: str, flows: dict[str, str]) -> dict[str, Any]:
    return {
        "name": name,
        "mode": "forward_single",
        "external_host": f"https://{host}",
        "authorization_flow": flows["default-provider-authorization-implicit-consent"],
        "invalidation_flow": flows["default-provider-invalidation-flow"],
        "access_token_validity": "hours=24",
        "skip_path_regex": "",
    }


def _app(slug: str, name: str, host: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": name,
        "meta_launch_url": f"https://{host}",
        "meta_description": "",
        "meta_publisher": OWNER,
        "group": "",
        "policy_engine_mode": "any",
    }


def _outpost_path(fake: FakeAuthentik) -> str:
    return f"/api/v3/outposts/instances/{fake.state.embedded_outpost()['pk']}/"


def test_first_sync_sends_one_transaction_per_app_then_one_outpost_patch(
    cli: Cli, fake: FakeAuthentik
) -> None:
    fake.state.add_group("media")
    cli.config(
        [
            {"host": "sonarr.home.example.com", "groups": ["media"], "icon": ICON},
            {"host": "open.home.example.com", "any_user": True},
        ],
        authentik=SERIAL,
    )
    assert cli("sync").code == 0
    ids = _ids(fake)
    flows, media = ids["flows"], ids["groups"]["media"]
    sonarr_app = _app("sonarr", "Sonarr", "sonarr.home.example.com")
    legacy_icons = not fake.version.icon_in_body
    if not legacy_icons:
        sonarr_app["meta_icon"] = ICON
    providers = sorted(p["pk"] for p in fake.state.proxy_providers())
    expected: list[Write] = [
        (
            "PUT",
            TRANSACTIONAL,
            {
                "app": sonarr_app,
                "provider_model": "authentik_providers_proxy.proxyprovider",
                "provider": _provider("Provider for Sonarr", "sonarr.home.example.com", flows),
                "policy_bindings": [{"group": media, "order": 0}],
            },
        ),
    ]
    if legacy_icons:  # 2024.12 and 2025.10 ignore meta_icon in a body
        expected.append(("POST", "/api/v3/core/applications/sonarr/set_icon_url/", {"url": ICON}))
    expected += [
        (
            "PUT",
            TRANSACTIONAL,
            {
                "app": _app("open", "Open", "open.home.example.com"),
                "provider_model": "authentik_providers_proxy.proxyprovider",
                "provider": _provider("Provider for Open", "open.home.example.com", flows),
                "policy_bindings": [],
            },
        ),
        ("PATCH", _outpost_path(fake), {"providers": providers}),
    ]
    assert _writes(fake) == expected


def test_resync_group_change_and_prune_send_exactly_what_differs(
    cli: Cli, fake: FakeAuthentik
) -> None:
    for group in ("media", "admins"):
        fake.state.add_group(group)
    apps = [
        {"host": "sonarr.home.example.com", "groups": ["media"]},
        {"host": "radarr.home.example.com", "groups": ["media"]},
    ]
    cli.config(apps, authentik=SERIAL)
    assert cli("sync").code == 0
    fake.clear_log()
    assert cli("sync").code == 0
    assert _writes(fake) == []

    ids = _ids(fake)
    sonarr = ids["apps"]["sonarr"]
    (old,) = [b for b in fake.state.policy_bindings() if b["target"] == sonarr["pk"]]
    apps[0]["groups"] = ["admins"]
    cli.config(apps, authentik=SERIAL)
    fake.clear_log()
    assert cli("sync").code == 0
    # The new binding first: with none, the application would be open to every user.
    assert _writes(fake) == [
        (
            "POST",
            "/api/v3/policies/bindings/",
            {"target": sonarr["pk"], "group": ids["groups"]["admins"], "order": 0},
        ),
        ("DELETE", f"/api/v3/policies/bindings/{old['pk']}/", None),
    ]

    radarr = ids["apps"]["radarr"]
    cli.config(apps[:1], authentik=SERIAL)
    fake.clear_log()
    assert cli("sync", "--prune").code == 0
    # Outpost entry first, then the application, then its provider (docs/ownership.md).
    assert _writes(fake) == [
        ("PATCH", _outpost_path(fake), {"providers": [sonarr["provider"]]}),
        ("DELETE", "/api/v3/core/applications/radarr/", None),
        ("DELETE", f"/api/v3/providers/proxy/{radarr['provider']}/", None),
    ]


def test_adopt_closes_the_application_with_its_binding_before_anything_else(
    cli: Cli, fake: FakeAuthentik
) -> None:
    fake.state.add_group("media")
    provider = fake.state.add_proxy_provider("sonarr-by-hand", "https://sonarr.home.example.com")
    hand_made = fake.state.add_application("Sonarr by hand", "sonarr", provider=provider["pk"])
    cli.config([{"host": "sonarr.home.example.com", "groups": ["media"]}], authentik=SERIAL)
    fake.clear_log()
    assert cli("sync", "--adopt").code == 0
    ids = _ids(fake)
    writes = _writes(fake)
    assert writes[0] == (
        "POST",
        "/api/v3/policies/bindings/",
        {"target": hand_made["pk"], "group": ids["groups"]["media"], "order": 0},
    )
    assert [(m, p) for m, p, _ in writes[1:]] == [
        ("PATCH", f"/api/v3/providers/proxy/{provider['pk']}/"),
        ("PATCH", "/api/v3/core/applications/sonarr/"),
        ("PATCH", _outpost_path(fake)),
    ]
    assert writes[1][2]["mode"] == "forward_single"  # a PATCH without mode is refused (03d)
    assert writes[2][2]["meta_publisher"] == OWNER


def test_outpost_authentik_host_is_one_patch_that_keeps_every_other_key(
    cli: Cli, fake: FakeAuthentik
) -> None:
    cli.config([{"host": "open.home.example.com", "any_user": True}], authentik=SERIAL)
    assert cli("sync").code == 0
    before = dict(fake.state.embedded_outpost()["config"])
    cli.config(
        [{"host": "open.home.example.com", "any_user": True}],
        authentik=SERIAL,
        outpost={"authentik_host": "https://auth.example.com/"},
    )
    plan = cli("plan")
    assert "config.authentik_host" in plan.out
    fake.clear_log()
    assert cli("sync").code == 0
    ((method, path, body),) = _writes(fake)
    assert (method, path) == ("PATCH", _outpost_path(fake))
    assert body == {"config": before | {"authentik_host": "https://auth.example.com/"}}
    assert fake.state.embedded_outpost()["config"]["authentik_host"] == "https://auth.example.com/"
    fake.clear_log()
    assert cli("sync").code == 0
    assert _writes(fake) == []


def test_provider_made_for_an_existing_application_is_attached_by_its_new_pk(
    cli: Cli, fake: FakeAuthentik
) -> None:
    # An owned application left without provider: the provider is created, then the
    # application and the outpost get the pk Authentik gave it in this run.
    fake.state.add_application(
        "Open",
        "open",
        meta_launch_url="https://open.home.example.com",
        meta_publisher=OWNER,
    )
    cli.config([{"host": "open.home.example.com", "any_user": True}], authentik=SERIAL)
    plan = cli("plan")
    assert 'provider  (none) -> "(new)"' in plan.out
    fake.clear_log()
    assert cli("sync").code == 0
    flows = _ids(fake)["flows"]
    created = next(p for p in fake.state.proxy_providers() if p["name"] == "Provider for Open")
    assert _writes(fake) == [
        (
            "POST",
            "/api/v3/providers/proxy/",
            _provider("Provider for Open", "open.home.example.com", flows),
        ),
        ("PATCH", "/api/v3/core/applications/open/", {"provider": created["pk"]}),
        ("PATCH", _outpost_path(fake), {"providers": [created["pk"]]}),
    ]
    assert _ids(fake)["apps"]["open"]["provider"] == created["pk"]


@pytest.mark.parametrize("new_apps", [1, 3])
def test_new_providers_are_read_back_with_the_fewest_requests(
    cli: Cli, fake: FakeAuthentik, new_apps: int
) -> None:
    for i in range(150):  # an install with many providers: 2 pages at 2026.2.2's cap of 100
        fake.state.add_proxy_provider(f"other-{i:03}", f"https://other{i:03}.example.org")
    apps = [{"host": f"new{i}.home.example.com", "any_user": True} for i in range(new_apps)]
    cli.config(apps, authentik=SERIAL)
    fake.clear_log()
    assert cli("sync").code == 0
    requests = [(r.method, r.path) for r in fake.requests if r.path.startswith("/api/")]
    last_put = max(i for i, (m, _) in enumerate(requests) if m == "PUT")
    patch = next(i for i, (m, _) in enumerate(requests) if m == "PATCH")
    read_back = [r for r in requests[last_put + 1 : patch] if "/outposts/" not in r[1]]
    # (150 + new) providers at the release's page cap (the client asks for the cap)
    pages = -(-(150 + new_apps) // fake.version.max_page_size)
    if new_apps <= pages:  # one GET per new application is cheaper
        assert read_back == [("GET", f"/api/v3/core/applications/new{i}/") for i in range(new_apps)]
    else:  # one paged list of providers is cheaper
        assert read_back == [("GET", "/api/v3/providers/proxy/")] * pages
    ours = {p["name"]: p["pk"] for p in fake.state.proxy_providers()}
    outpost = set(fake.state.embedded_outpost()["providers"])
    assert {ours[f"Provider for New{i}"] for i in range(new_apps)} == outpost
