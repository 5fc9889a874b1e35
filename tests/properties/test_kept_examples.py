"""Runs the state machine found failing, kept as plain tests (Hypothesis cannot keep an
``@example`` for a state machine). Each replays the steps it printed, on every release."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping

import pytest

from provision.testing.fake_authentik import AUTHENTIK_VERSIONS
from tests.properties.checks import assert_access_as_declared, login_client_id
from tests.properties.test_administrator_edits import TARGETS, AdministratorEdits

pytestmark = pytest.mark.parametrize("release", AUTHENTIK_VERSIONS)


@pytest.fixture
def machine(release: str, secrets_environ: Mapping[str, str]) -> Iterator[AdministratorEdits]:
    cls = type(
        "Replayed",
        (AdministratorEdits,),
        {"release": release, "environ": secrets_environ, "tally": Counter()},
    )
    state = cls()
    try:
        state.first_sync()
        yield state
    finally:
        state.stop()


def test_a_hand_made_http_provider_for_a_declared_https_host_is_a_conflict(
    machine: AdministratorEdits,
) -> None:
    """Found before hosts were compared as the outpost keys them: sync said "No changes"."""
    machine.add_a_provider_for_a_declared_host(external_host="http://sonarr.home.example.com")
    machine.sync(fault=None, force=False)
    machine.settle()


def test_a_hand_made_provider_while_a_declared_group_is_renamed(
    machine: AdministratorEdits,
) -> None:
    """Found: the missing group stops the plan before the conflict is named; both refuse."""
    machine.bind_a_user(which=0, user="ben")
    machine.rename_a_group(name="media")
    machine.add_a_provider_for_a_declared_host(external_host="https://sonarr.home.example.com")
    machine.sync(fault=None, force=False)
    machine.settle()


def test_the_checks_see_each_broken_promise(machine: AdministratorEdits) -> None:
    """The checks the properties rely on fail when access is wider, a host is served by
    another provider, or a hand-made object changed."""
    world = machine.world
    unowned = world.unowned()
    listed = world.fake.state.embedded_outpost()["providers"]
    other = world.fake.state.add_proxy_provider("Other", "https://sonarr.home.example.com")
    world.fake.state.add_application("Other", "other", other["pk"])
    world.fake.state.set_outpost_providers([other["pk"], *listed])
    with pytest.raises(AssertionError, match="providers \\['Other', 'Provider for Sonarr'\\]"):
        assert_access_as_declared(world, TARGETS[:1])
    world.fake.state.set_outpost_providers(listed)
    assert login_client_id(world, "sonarr.home.example.com") != other["client_id"]
    world.fake.state.set_outpost_providers([other["pk"], *listed])
    assert login_client_id(world, "sonarr.home.example.com") == other["client_id"]
    world.fake.state.set_outpost_providers(listed)
    world.api("DELETE", "core/applications/other/")
    world.api("DELETE", f"providers/proxy/{other['pk']}/")
    assert_access_as_declared(world, TARGETS)
    assert world.unowned() == unowned
    sonarr = next(a for a in machine.owned_applications() if a["slug"] == "sonarr")
    (binding,) = [b for b in world.fake.state.policy_bindings() if b["target"] == sonarr["pk"]]
    world.api("DELETE", f"policies/bindings/{binding['pk']}/")
    with pytest.raises(AssertionError, match="ben"):
        assert_access_as_declared(world, TARGETS[:1])
    world.api("PATCH", f"core/groups/{world.fake.state.group_pk('staff')}/", {"name": "crew"})
    assert world.unowned() != unowned
    assert ("anonymous", "sonarr.home.example.com") not in machine.exposure()
    machine.edit_an_owned_field(which=2, edit=("provider", "skip_path_regex", "^/"))
    assert ("anonymous", "sonarr.home.example.com") in machine.exposure()
