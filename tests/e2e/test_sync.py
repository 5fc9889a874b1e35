"""Issue acceptance: sync and plan against the fake Authentik, real sockets, real sops."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from provision.testing.fake_authentik import FakeAuthentik
from tests.e2e.conftest import Cli, hosts
from tests.support import bind_on_embedded_outpost
from tests.support.versions import AUTHENTIK_VERSIONS

OWNER = "authentik-provision"
TRANSACTIONAL = "/api/v3/core/transactional/applications/"

# Every lifecycle below runs against the fake speaking each recorded release.
pytestmark = pytest.mark.parametrize("authentik_version", AUTHENTIK_VERSIONS, indirect=True)


def _unrelated(fake: FakeAuthentik, n: int = 3) -> list[int]:
    pks = [
        int(fake.state.add_proxy_provider(f"hand-made-{i}", f"https://other{i}.example.org")["pk"])
        for i in range(n)
    ]
    bind_on_embedded_outpost(fake, pks)
    fake.clear_log()
    return pks


def _ours(fake: FakeAuthentik) -> list[dict[str, Any]]:
    return [a for a in fake.state.applications() if a["meta_publisher"] == OWNER]


def _write_paths(fake: FakeAuthentik) -> list[str]:
    return [f"{r.method} {r.path}" for r in fake.writes()]


def test_first_sync_of_20_hosts_keeps_unrelated_providers(cli: Cli, fake: FakeAuthentik) -> None:
    fake.state.add_group("media")
    unrelated = _unrelated(fake)
    apps = [
        *hosts(18),
        {"host": "open1.home.example.com", "any_user": True},
        {"host": "open2.home.example.com", "any_user": True},
    ]
    cli.config(apps)
    result = cli("sync")
    assert result.code == 0, result.err
    flows = {f["slug"]: f["pk"] for f in fake.state.flows()}
    providers = {p["name"]: p for p in fake.state.proxy_providers()}
    applications = {a["slug"]: a for a in _ours(fake)}
    assert len(applications) == 20
    for app in apps:
        slug = app["host"].split(".")[0]
        provider = providers[f"Provider for {slug.title()}"]
        assert provider["mode"] == "forward_single"
        assert provider["external_host"] == f"https://{app['host']}"
        assert (
            provider["authorization_flow"]
            == flows["default-provider-authorization-implicit-consent"]
        )
        assert provider["invalidation_flow"] == flows["default-provider-invalidation-flow"]
        assert applications[slug]["provider"] == provider["pk"]
    media = next(g["pk"] for g in fake.state.groups() if g["name"] == "media")
    bound_targets = {b["target"] for b in fake.state.policy_bindings() if b["group"] == media}
    assert bound_targets == {a["pk"] for s, a in applications.items() if not s.startswith("open")}
    outpost = set(fake.state.embedded_outpost()["providers"])
    assert len(outpost) == 23
    assert set(unrelated) <= outpost
    assert "Plan: 58 to add, 1 to change, 0 to remove." in result.out
    assert len([p for p in _write_paths(fake) if "outposts" in p]) == 1


def test_second_sync_writes_nothing_and_group_change_touches_one_app(
    cli: Cli, fake: FakeAuthentik
) -> None:
    for group in ("media", "admins"):
        fake.state.add_group(group)
    apps = hosts(5)
    cli.config(apps)
    assert cli("sync").code == 0
    fake.clear_log()
    again = cli("sync")
    assert again.code == 0
    assert fake.writes() == []
    assert "No changes" in again.out
    gets = [r for r in fake.requests if r.path.startswith("/api/")]
    assert len(gets) <= 8, [f"{r.method} {r.path}" for r in gets]

    apps[2]["groups"] = ["admins"]
    cli.config(apps)
    fake.clear_log()
    changed = cli("sync")
    assert changed.code == 0
    writes = fake.writes()
    assert {r.method for r in writes} == {"DELETE", "POST"}
    assert all(r.path.startswith("/api/v3/policies/bindings/") for r in writes)
    target = next(a["pk"] for a in fake.state.applications() if a["slug"] == "app02")
    assert {r.body["target"] for r in writes if r.method == "POST"} == {target}


def test_plan_detailed_exitcode_and_plan_never_writes(cli: Cli, fake: FakeAuthentik) -> None:
    fake.state.add_group("media")
    cli.config(hosts(3))
    pending = cli("plan", "--detailed-exitcode")
    assert pending.code == 2
    assert fake.writes() == []
    assert "+ application 'App00'" in pending.out
    assert re.search(r'provider\.name +"Provider for App00"', pending.out)
    assert cli("plan").code == 0
    assert cli("sync").code == 0
    assert cli("plan", "--detailed-exitcode").code == 0


def test_plan_json_is_machine_readable(cli: Cli, fake: FakeAuthentik) -> None:
    fake.state.add_group("media")
    cli.config(hosts(1))
    result = cli("plan", "--output", "json")
    document = json.loads(result.out)
    assert document["plan"]["summary"] == {"add": 3, "change": 1, "remove": 0, "no_changes": False}
    kinds = [(c["action"], c["kind"]) for c in document["plan"]["changes"]]
    assert kinds == [("create", "application"), ("update", "outpost")]
    created = document["plan"]["changes"][0]
    assert created["transaction"] is True
    assert created["provider"] == "Provider for App00"
    assert created["bindings"] == [{"group": "media"}]


def test_prune_deletes_exactly_the_undeclared(cli: Cli, fake: FakeAuthentik) -> None:
    fake.state.add_group("media")
    unrelated = _unrelated(fake, 1)
    apps = hosts(10)
    cli.config(apps)
    assert cli("sync").code == 0
    before = {p["name"]: p["pk"] for p in fake.state.proxy_providers()}
    cli.config(apps[:8])
    fake.clear_log()
    kept = cli("sync")
    assert kept.code == 0 and fake.writes() == []
    assert "no longer declared; kept (use --prune)" in kept.out
    pruned = cli("sync", "--prune")
    assert pruned.code == 0, pruned.err
    gone = {before["Provider for App08"], before["Provider for App09"]}
    paths = _write_paths(fake)
    assert sorted(paths) == sorted(
        [
            f"PATCH /api/v3/outposts/instances/{fake.state.embedded_outpost()['pk']}/",
            "DELETE /api/v3/core/applications/app08/",
            "DELETE /api/v3/core/applications/app09/",
            *(f"DELETE /api/v3/providers/proxy/{pk}/" for pk in gone),
        ]
    )
    assert paths[0].startswith("PATCH /api/v3/outposts/")
    outpost = set(fake.state.embedded_outpost()["providers"])
    assert not outpost & gone and set(unrelated) <= outpost and len(outpost) == 9


def test_pruning_over_the_safety_limit_needs_force(cli: Cli, fake: FakeAuthentik) -> None:
    fake.state.add_group("media")
    apps = hosts(10)
    cli.config(apps)
    assert cli("sync").code == 0
    cli.config(apps[:5])
    fake.clear_log()
    refused = cli("sync", "--prune")
    assert refused.code == 65
    assert "deletes 5 of 10 owned applications" in refused.err and "--force" in refused.err
    assert fake.writes() == []
    assert cli("sync", "--prune", "--force").code == 0
    assert len(_ours(fake)) == 5


def test_hand_made_application_conflicts_until_adopted(cli: Cli, fake: FakeAuthentik) -> None:
    fake.state.add_group("media")
    fake.state.add_application("Sonarr by hand", "sonarr")
    cli.config([{"host": "sonarr.home.example.com", "groups": ["media"]}])
    refused = cli("sync")
    assert refused.code == 65
    assert "application 'sonarr'" in refused.err and "--adopt" in refused.err
    assert fake.writes() == []
    adopted = cli("sync", "--adopt")
    assert adopted.code == 0, adopted.err
    assert "(adopt)" in adopted.out
    (app,) = [a for a in fake.state.applications() if a["slug"] == "sonarr"]
    assert (
        app["meta_publisher"] == OWNER and app["name"] == "Sonarr" and app["provider"] is not None
    )
    assert cli("plan", "--detailed-exitcode").code == 0


def test_orphan_provider_from_a_crash_is_reused_for_an_open_app(
    cli: Cli, fake: FakeAuthentik
) -> None:
    orphan = fake.state.add_proxy_provider("Provider for Sonarr", "https://sonarr.home.example.com")
    cli.config([{"host": "sonarr.home.example.com", "any_user": True}])
    assert cli("sync").code == 0
    providers = [p for p in fake.state.proxy_providers() if p["name"] == "Provider for Sonarr"]
    assert [p["pk"] for p in providers] == [orphan["pk"]]
    (app,) = [a for a in fake.state.applications() if a["slug"] == "sonarr"]
    assert app["provider"] == orphan["pk"]
    assert all(r.path != TRANSACTIONAL for r in fake.writes())


def test_orphan_provider_of_a_restricted_app_is_replaced_by_the_transaction(
    cli: Cli, fake: FakeAuthentik
) -> None:
    fake.state.add_group("media")
    orphan = fake.state.add_proxy_provider("Provider for Sonarr", "https://sonarr.home.example.com")
    cli.config([{"host": "sonarr.home.example.com", "groups": ["media"]}])
    result = cli("sync")
    assert result.code == 0, result.err
    assert "orphan proxy provider 'Provider for Sonarr'" in result.out
    writes = _write_paths(fake)
    assert writes[:2] == [f"DELETE /api/v3/providers/proxy/{orphan['pk']}/", f"PUT {TRANSACTIONAL}"]
    (provider,) = [p for p in fake.state.proxy_providers() if p["name"] == "Provider for Sonarr"]
    (app,) = [a for a in fake.state.applications() if a["slug"] == "sonarr"]
    assert app["provider"] == provider["pk"] != orphan["pk"]
    assert [b["target"] for b in fake.state.policy_bindings()] == [app["pk"]]
    assert provider["pk"] in fake.state.embedded_outpost()["providers"]


def test_icon_is_written_as_the_release_takes_it_and_then_left_alone(
    cli: Cli, fake: FakeAuthentik
) -> None:
    fake.state.add_group("media")
    icon = "https://icons.example.com/sonarr.png"
    cli.config([{"host": "sonarr.home.example.com", "groups": ["media"], "icon": icon}])
    assert cli("sync").code == 0
    (app,) = [a for a in fake.state.applications() if a["slug"] == "sonarr"]
    assert app["meta_icon"] == icon
    set_icon_url = "POST /api/v3/core/applications/sonarr/set_icon_url/"
    (created,) = [r for r in fake.writes() if r.path == TRANSACTIONAL]
    if not fake.version.icon_in_body:  # 2024.12 and 2025.10 ignore meta_icon in a body
        assert set_icon_url in _write_paths(fake)
        assert "meta_icon" not in created.body["app"]
    else:  # set_icon_url is gone (405); meta_icon is written with the application
        assert set_icon_url not in _write_paths(fake)
        assert created.body["app"]["meta_icon"] == icon
    fake.clear_log()
    assert cli("sync").code == 0
    assert fake.writes() == []
    changed = "https://icons.example.com/sonarr-2.png"
    cli.config([{"host": "sonarr.home.example.com", "groups": ["media"], "icon": changed}])
    assert cli("sync").code == 0
    (app,) = [a for a in fake.state.applications() if a["slug"] == "sonarr"]
    assert app["meta_icon"] == changed
    fake.clear_log()
    assert cli("sync").code == 0
    assert fake.writes() == []


def test_sync_verify_json_is_one_document(cli: Cli, fake: FakeAuthentik) -> None:
    fake.state.add_group("media")
    cli.config(hosts(2))
    result = cli("sync", "--verify", "--output", "json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert [v["classification"] for v in document["verify"]] == ["protected", "protected"]
    assert document["plan"]["summary"]["add"] == 6
    assert len(document["applied"]) == 3  # two transactions and the outpost PATCH
