"""``verify --access`` against the fake's policy engine: who may enter, read-only."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from provision.testing.fake_authentik import FakeAuthentik
from tests.e2e.conftest import CANARY, Cli
from tests.support.versions import AUTHENTIK_VERSIONS

# Who may enter is recorded on both releases (10-access-check); the fake answers as each did.
pytestmark = pytest.mark.parametrize("authentik_version", AUTHENTIK_VERSIONS, indirect=True)

APPS = [
    {"host": "sonarr.home.example.com", "groups": ["media"]},
    {"host": "radarr.home.example.com", "groups": ["media"]},
    {"host": "jellyfin.home.example.com", "any_user": True},
]
CHECK_ACCESS = "/check_access/"


def _add_user(fake: FakeAuthentik, username: str, *groups: str, active: bool = True) -> int:
    pks = {g["name"]: g["pk"] for g in fake.state.groups()}
    body: dict[str, Any] = {"username": username, "name": username.title(), "is_active": active}
    body["groups"] = [pks[g] for g in groups]
    answer = requests.post(
        f"{fake.url}/api/v3/core/users/",
        json=body,
        headers={"Authorization": f"Bearer {CANARY}"},
        timeout=5,
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["pk"])


def _household(fake: FakeAuthentik) -> dict[str, int]:
    fake.state.add_group("media")
    fake.state.add_group("admins")
    return {
        "alice": _add_user(fake, "alice", "media"),
        "carol": _add_user(fake, "carol", "media"),
        "bob": _add_user(fake, "bob"),
    }


def _synced(cli: Cli, fake: FakeAuthentik, apps: list[dict[str, Any]] = APPS) -> None:
    cli.config(apps)
    assert cli("sync").code == 0
    fake.clear_log()


def _binding_of(fake: FakeAuthentik, slug: str) -> dict[str, Any]:
    app = next(a for a in fake.state.applications() if a["slug"] == slug)
    (binding,) = [b for b in fake.state.policy_bindings() if b["target"] == app["pk"]]
    return binding


def _delete(fake: FakeAuthentik, path: str) -> None:
    answer = requests.delete(
        f"{fake.url}/api/v3/{path}", headers={"Authorization": f"Bearer {CANARY}"}, timeout=5
    )
    assert answer.status_code == 204


def _check_access_calls(fake: FakeAuthentik) -> list[tuple[str, str]]:
    return [
        (r.path.split("/")[-3], r.query.get("for_user", ""))
        for r in fake.requests
        if r.path.endswith(CHECK_ACCESS)
    ]


def test_members_pass_outsiders_are_refused_and_open_apps_are_named(
    cli: Cli, fake: FakeAuthentik
) -> None:
    users = _household(fake)
    _synced(cli, fake)
    result = cli("verify", "--access")
    assert result.code == 0, result.out + result.err
    out = result.out
    for slug in ("sonarr", "radarr"):
        assert f"ok    access {slug}: alice may enter (member of media)" in out
        assert f"ok    access {slug}: bob is refused (in none of media)" in out
    assert "ok    access jellyfin: open to every authenticated user (" in out
    assert "verify --access: 3 apps admit whom they declare" in out
    # Only reads, and exactly one check_access per sampled user and app.
    assert {r.method for r in fake.requests} == {"GET"}
    calls = _check_access_calls(fake)
    assert len(calls) == len(set(calls))
    assert ("sonarr", str(users["alice"])) in calls
    assert ("sonarr", str(users["bob"])) in calls
    assert not [c for c in calls if c[0] == "jellyfin"]
    fake.clear_log()
    document = json.loads(cli("verify", "--access", "--output", "json").out)
    reported = [(a["slug"], str(c["user_pk"])) for a in document["access"] for c in a["checks"]]
    assert sorted(_check_access_calls(fake)) == sorted(reported)
    jellyfin = document["access"][2]
    assert jellyfin["open_to_every_user"] is True and jellyfin["checks"] == []


def test_each_member_passes_when_both_groups_are_declared(cli: Cli, fake: FakeAuthentik) -> None:
    users = _household(fake)
    _add_user(fake, "dave", "admins")
    _synced(cli, fake, [{"host": "sonarr.home.example.com", "groups": ["media", "admins"]}])
    result = cli("verify", "--access", "--output", "json")
    assert result.code == 0, result.out
    (app,) = json.loads(result.out)["access"]
    checks = {c["user"]: (c["should_pass"], c["passing"]) for c in app["checks"]}
    assert checks["alice"] == (True, True)
    assert checks["dave"] == (True, True)
    assert checks["bob"] == (False, False)
    assert users["carol"] not in {c["user_pk"] for c in app["checks"]}  # one member per group


def test_binding_deleted_behind_the_tools_back_is_open_to_every_user(
    cli: Cli, fake: FakeAuthentik
) -> None:
    _household(fake)
    _synced(cli, fake)
    _delete(fake, f"policies/bindings/{_binding_of(fake, 'sonarr')['pk']}/")
    fake.clear_log()
    result = cli("verify", "--access")
    assert result.code == 65
    assert "FAIL  access sonarr: open to every user: it has no bindings, so bob" in result.out
    assert "ok    access radarr: bob is refused" in result.out
    document = json.loads(cli("verify", "--access", "--output", "json").out)
    sonarr = next(a for a in document["access"] if a["slug"] == "sonarr")
    assert sonarr["ok"] is False and sonarr["open_to_every_user"] is True
    assert document["exit_code"] == 65
    assert {r.method for r in fake.requests} == {"GET"}


def test_binding_to_the_wrong_group_names_the_member_kept_out(
    cli: Cli, fake: FakeAuthentik
) -> None:
    _household(fake)
    _synced(cli, fake)
    binding = _binding_of(fake, "sonarr")
    admins = next(g["pk"] for g in fake.state.groups() if g["name"] == "admins")
    answer = requests.put(
        f"{fake.url}/api/v3/policies/bindings/{binding['pk']}/",
        json={"target": binding["target"], "group": admins, "order": 0},
        headers={"Authorization": f"Bearer {CANARY}"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    result = cli("verify", "--access")
    assert result.code == 65
    assert (
        "FAIL  access sonarr: keeps out alice, member of media (rule: groups media)" in result.out
    )


def test_group_without_active_member_is_a_warning(cli: Cli, fake: FakeAuthentik) -> None:
    fake.state.add_group("media")
    _add_user(fake, "dave", "media", active=False)
    _add_user(fake, "bob")
    _synced(cli, fake, [{"host": "sonarr.home.example.com", "groups": ["media"]}])
    result = cli("verify", "--access")
    assert result.code == 0, result.out
    assert (
        "warn  access sonarr: group media has no active member: nobody can enter through it"
        in result.out
    )
    assert "dave" not in result.out


def test_sync_verify_checks_access_too(cli: Cli, fake: FakeAuthentik) -> None:
    _household(fake)
    cli.config(APPS)
    result = cli("sync", "--verify")
    assert result.code == 0, result.out + result.err
    assert "ok    access sonarr: alice may enter (member of media)" in result.out
    document = json.loads(cli("sync", "--verify", "--output", "json").out)
    assert [a["ok"] for a in document["access"]] == [True, True, True]
