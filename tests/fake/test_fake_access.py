"""Who may enter: users by group and ``check_access`` as each release answers them (10)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from provision.testing.fake_authentik import AUTHENTIK_VERSIONS, FakeAuthentik

USERS = "/api/v3/core/users/"
APP = "/api/v3/core/applications/rec/"
pytestmark = pytest.mark.parametrize("authentik_version", AUTHENTIK_VERSIONS, indirect=True)


def _user(api: requests.Session, fake: FakeAuthentik, name: str, *groups: str, **extra: Any) -> int:
    body = {"username": name, "name": name, "groups": list(groups), **extra}
    answer = api.post(fake.url + USERS, json=body)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["pk"])


def _passing(api: requests.Session, fake: FakeAuthentik, user: int) -> bool:
    answer = api.get(fake.url + APP + "check_access/", params={"for_user": user})
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["passing"])


def _bind(
    api: requests.Session, fake: FakeAuthentik, target: str, group: str, **extra: Any
) -> None:
    body = {"target": target, "group": group, "order": 0, **extra}
    assert api.post(fake.url + "/api/v3/policies/bindings/", json=body).status_code == 201


@pytest.fixture
def app(fake: FakeAuthentik) -> str:
    provider = fake.state.add_proxy_provider("rec", "https://rec.example.test")
    return str(fake.state.add_application("rec", "rec", provider["pk"])["pk"])


def test_users_by_group_are_paged_with_autocomplete(
    fake: FakeAuthentik, api: requests.Session
) -> None:
    media = fake.state.add_group("media")
    alice = _user(api, fake, "alice", media["pk"])
    _user(api, fake, "dave", media["pk"], is_active=False)
    _user(api, fake, "bob")
    by_pk = api.get(fake.url + USERS, params={"groups_by_pk": media["pk"]}).json()
    assert [u["username"] for u in by_pk["results"]] == ["alice", "dave"]
    if fake.version.list_autocomplete:  # 2024.12.5 answers lists without it
        assert by_pk["autocomplete"]["current_model"] == "authentik_core.user"
    active = api.get(fake.url + USERS, params={"groups_by_name": "media", "is_active": "true"})
    assert [u["pk"] for u in active.json()["results"]] == [alice]
    assert api.delete(fake.url + USERS + f"{alice}/").status_code == 204
    after = api.get(fake.url + USERS, params={"groups_by_name": "media"}).json()
    assert [u["username"] for u in after["results"]] == ["dave"]


def test_no_binding_passes_everyone_and_bindings_decide(
    fake: FakeAuthentik, api: requests.Session, app: str
) -> None:
    media = fake.state.add_group("media")["pk"]
    alice, dave = _user(api, fake, "alice", media), _user(api, fake, "dave", media, is_active=False)
    bob, admin = _user(api, fake, "bob"), 5  # akadmin: a superuser outside the bound group
    assert all(_passing(api, fake, user) for user in (alice, bob, dave, admin))
    _bind(api, fake, app, media)
    verdicts = [_passing(api, fake, user) for user in (alice, bob, dave, admin)]
    assert verdicts == [True, False, True, False]


def test_all_mode_with_one_of_two_groups(
    fake: FakeAuthentik, api: requests.Session, app: str, authentik_version: str
) -> None:
    media, admins = fake.state.add_group("media")["pk"], fake.state.add_group("admins")["pk"]
    alice, carol = _user(api, fake, "alice", media), _user(api, fake, "carol", media, admins)
    _bind(api, fake, app, media)
    _bind(api, fake, app, admins)
    assert api.patch(fake.url + APP, json={"policy_engine_mode": "all"}).status_code == 200
    assert _passing(api, fake, carol)
    assert _passing(api, fake, alice) is (authentik_version == "2025.10.3")


def test_negated_binding_refuses_its_members(
    fake: FakeAuthentik, api: requests.Session, app: str
) -> None:
    media = fake.state.add_group("media")["pk"]
    alice, bob = _user(api, fake, "alice", media), _user(api, fake, "bob")
    _bind(api, fake, app, media, negate=True)
    assert (_passing(api, fake, alice), _passing(api, fake, bob)) == (False, True)


def test_errors(fake: FakeAuthentik, api: requests.Session, app: str) -> None:
    unknown = api.get(fake.url + APP + "check_access/", params={"for_user": 999999})
    assert (unknown.status_code, unknown.json()) == (400, {"for_user": "User not found"})
    missing = api.get(fake.url + "/api/v3/core/applications/nope/check_access/")
    named = fake.version.not_found_names_model  # 2024.12.5: "Not found."
    expected = {"detail": "No Application matches the given query." if named else "Not found."}
    assert (missing.status_code, missing.json()) == (404, expected)
