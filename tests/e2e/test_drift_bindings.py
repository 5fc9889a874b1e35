"""Bindings edited by hand on an owned application are drift: plan shows them, sync repairs
them (the new binding first) without ever widening access, and ``verify --access`` names
them. Proved against the fake's policy engine, on every recorded release."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests

from provision.testing.fake_authentik import FakeAuthentik
from provision.testing.fake_authentik.api_applications import user_may_open
from provision.testing.fake_authentik.recording import RecordedRequest
from tests.e2e.conftest import CANARY, Cli
from tests.support.versions import AUTHENTIK_VERSIONS

pytestmark = pytest.mark.parametrize("authentik_version", AUTHENTIK_VERSIONS, indirect=True)

APPS = [{"host": "sonarr.home.example.com", "groups": ["media"]}]


def _api(fake: FakeAuthentik, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = requests.request(
        method,
        f"{fake.url}/api/v3/{path}",
        json=body,
        headers={"Authorization": f"Bearer {CANARY}"},
        timeout=5,
    )
    assert answer.status_code in (200, 201), answer.text
    result: dict[str, Any] = answer.json()
    return result


def _user(fake: FakeAuthentik, username: str, groups: list[str]) -> int:
    body = {"username": username, "name": username.title(), "groups": groups}
    return int(_api(fake, "POST", "core/users/", body)["pk"])


class Household:
    """alice is in media, bob is in nothing; sonarr is synced, restricted to media."""

    def __init__(self, cli: Cli, fake: FakeAuthentik) -> None:
        self.fake = fake
        self.media = fake.state.add_group("media")["pk"]
        self.alice = _user(fake, "alice", [self.media])
        self.bob = _user(fake, "bob", [])
        cli.config(APPS)
        assert cli("sync").code == 0
        app = next(a for a in fake.state.applications() if a["slug"] == "sonarr")
        self.app = app["pk"]
        (self.binding,) = self.bindings()

    def bindings(self) -> list[dict[str, Any]]:
        return [b for b in self.fake.state.policy_bindings() if b["target"] == self.app]

    def admitted(self) -> set[str]:
        """Whom the fake's policy engine lets open sonarr, of the two people."""
        with self.fake.state.lock:
            store = self.fake.state.store
            record = store.applications[self.app]
            people = {"alice": self.alice, "bob": self.bob}
            return {name for name, pk in people.items() if user_may_open(store, record, pk)}

    def edit_binding(self, **fields: Any) -> None:
        body = {"target": self.app, "group": self.media, "order": 0, **fields}
        _api(self.fake, "PATCH", f"policies/bindings/{self.binding['pk']}/", body)

    def bind(self, **subject: Any) -> None:
        _api(self.fake, "POST", "policies/bindings/", {"target": self.app, "order": 3, **subject})

    def bind_policy(self) -> None:
        # The fake has no policy objects; the binding is put in its store as Authentik keeps
        # one (an expression policy bound by hand, which the fake's engine cannot run).
        with self.fake.state.lock:
            pk = str(uuid.uuid4())
            self.fake.state.store.bindings[pk] = {
                **{"pk": pk, "policy": str(uuid.uuid4()), "group": None, "user": None},
                **{"negate": False, "enabled": True, "timeout": 30, "failure_result": False},
                **{"target": self.app, "order": 4},
            }


EDITS: dict[str, tuple[Callable[[Household], None], str]] = {
    "disabled": (lambda h: h.edit_binding(enabled=False), "sonarr -> group media (disabled)"),
    "negated": (lambda h: h.edit_binding(negate=True), "sonarr -> group media (negated)"),
    "user": (lambda h: h.bind(user=h.bob), "sonarr -> user bob"),
    "duplicate": (lambda h: h.bind(group=h.media), "sonarr -> group media (duplicate)"),
    "policy": (lambda h: h.bind_policy(), "sonarr -> policy "),
}


class NeverWider:
    """After every write of the sync, sonarr admits no one outside media (alice's group)
    whom it refused before: a repair may let the declared members in, nobody else."""

    def __init__(self, household: Household) -> None:
        self.household = household
        self.before = household.admitted()
        self.wider: list[str] = []
        self.checked = 0
        self._lock = threading.Lock()
        household.fake.on_write = self.check

    def check(self, request: RecordedRequest) -> None:
        with self._lock:
            self.checked += 1
            extra = self.household.admitted() - self.before - {"alice"}
            if extra:
                self.wider.append(f"{sorted(extra)} after {request.method} {request.path}")


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_binding_edited_by_hand_is_drift_and_sync_repairs_it(
    edit: str, cli: Cli, fake: FakeAuthentik
) -> None:
    household = Household(cli, fake)
    change, label = EDITS[edit]
    change(household)
    verified = cli("verify", "--access")
    assert verified.code == 65, verified.out
    assert f"binding {label.removeprefix('sonarr -> ')}" in verified.out
    planned = cli("plan", "--detailed-exitcode")
    assert planned.code == 2, planned.err
    assert f"- policy binding '{label}" in planned.out
    watch = NeverWider(household)
    synced = cli("sync")
    fake.on_write = None
    assert synced.code == 0, synced.err
    assert watch.checked > 0 and watch.wider == []
    (kept,) = household.bindings()
    assert (kept["group"], kept["user"], kept["policy"]) == (household.media, None, None)
    assert (kept["enabled"], kept["negate"]) == (True, False)
    if edit != "policy":  # the fake's engine runs no policy; the binding is gone all the same
        assert household.admitted() == {"alice"}
    assert "No changes" in cli("plan").out
    after = cli("verify", "--access")
    assert after.code == 0, after.out


@pytest.mark.parametrize("edit", ["disabled", "negated"])
def test_a_retried_create_never_takes_the_drifting_binding_for_the_new_one(
    edit: str, cli: Cli, fake: FakeAuthentik
) -> None:
    """The create of the repairing binding fails once (503) and is retried: the retry looks
    for a binding an earlier attempt may have made, and must not take the disabled or negated
    one it is about to delete for it (the app would be left with none: open to every user)."""
    household = Household(cli, fake)
    EDITS[edit][0](household)
    fake.fail("POST", r"/api/v3/policies/bindings/$", status=503)
    synced = cli("sync")
    assert synced.code == 0, synced.err
    (kept,) = household.bindings()
    assert (kept["group"], kept["enabled"], kept["negate"]) == (household.media, True, False)
    assert household.admitted() == {"alice"}
