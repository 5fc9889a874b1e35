"""A binding that expires (2026.8 models: ``expires``, ``expiring``) is never the declared one.

An expired binding still appears in Authentik's lists and one that will expire stops admitting
its group one day; neither is what the config declares, so on an owned application both are
drift: ``verify --access`` names them, ``plan`` deletes them and ``sync`` puts a plain binding
in their place. No recorded build sends the fields (the 2026.8.0-rc1 build ignored them in
file 14), so the fake's binding record is given them as the released line keeps them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from provision.bindings import bound_groups
from provision.model import parse_policy_binding
from provision.testing.fake_authentik import FakeAuthentik
from tests.e2e.conftest import CANARY, Cli, cli

__all__ = ["cli"]  # the end-to-end fixture, used here as it is there

MEDIA = "3f0c5c59-6f3a-4a58-9d0e-2b1f5b1d6a11"
EXPIRES = ("2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z")  # expired, expiring


def _binding(**fields: Any) -> dict[str, Any]:
    base = {"pk": "b1", "target": "app", "group": MEDIA, "user": None, "policy": None}
    return base | {"enabled": True, "negate": False, "order": 0} | fields


@pytest.mark.parametrize("expires", EXPIRES)
def test_an_expiring_binding_of_a_declared_group_does_not_count_as_declared(
    expires: str,
) -> None:
    binding = parse_policy_binding(_binding(expiring=True, expires=expires))
    judged = bound_groups([binding], [MEDIA])
    assert (judged.kept, judged.missing, judged.drift) == ({}, (MEDIA,), (binding,))
    assert judged.labels({MEDIA: "media"}) == (f"group media (expires {expires})",)


def test_a_binding_that_never_expires_is_the_declared_one() -> None:
    binding = parse_policy_binding(_binding(expiring=False, expires=None))
    assert bound_groups([binding], [MEDIA]).kept == {MEDIA: binding}


@pytest.fixture
def fake() -> Iterator[FakeAuthentik]:
    """The 2026.8 build, the newest line the fake speaks."""
    with FakeAuthentik(token=CANARY, authentik_version="2026.8.0-rc1") as server:
        yield server


@pytest.fixture
def synced(cli: Cli, fake: FakeAuthentik) -> Iterator[str]:
    """sonarr synced, bound to media; yields the pk of its binding."""
    fake.state.add_group("media")
    cli.config([{"host": "sonarr.home.example.com", "groups": ["media"]}])
    assert cli("sync").code == 0
    (binding,) = fake.state.policy_bindings()
    yield str(binding["pk"])


@pytest.mark.parametrize("expires", EXPIRES)
def test_sync_replaces_an_expiring_binding_on_an_owned_app(
    expires: str, cli: Cli, fake: FakeAuthentik, synced: str
) -> None:
    with fake.state.lock:
        fake.state.store.bindings[synced].update(expiring=True, expires=expires)
    label = f"group media (expires {expires})"
    verified = cli("verify", "--access")
    assert verified.code == 65, verified.out
    assert f"binding {label}" in verified.out
    planned = cli("plan", "--detailed-exitcode")
    assert planned.code == 2, planned.err
    assert f"- policy binding 'sonarr -> {label}'" in planned.out
    assert cli("sync").code == 0
    (kept,) = fake.state.policy_bindings()
    assert kept["pk"] != synced and "expiring" not in kept
    assert "No changes" in cli("plan").out
