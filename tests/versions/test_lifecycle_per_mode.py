"""The lifecycle on the fake's newest and oldest modes (2026.8.0-rc1 build, 2024.12.5).

The whole end-to-end suite runs on the two releases of ``tests.support.versions``; on these
two modes it would cost about 60 s more than the suite's budget on this machine (measured:
168 s for two modes, 232 s for four), so the steps that decide whether access is right run
here: a first sync, a resync with 0 writes, a group change, and no restricted application
ever open after any write the fake takes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from provision.testing.fake_authentik import FakeAuthentik
from tests.e2e.conftest import Cli, authentik_token, cli, fake, hosts
from tests.e2e.test_never_open import OpenWatch
from tests.support.versions import AUTHENTIK_VERSIONS, EVERY_MODE

# The end-to-end fixtures, used here as they are there (the token is the canary the CLI uses).
__all__ = ["authentik_token", "cli", "fake"]

# Every mode the end-to-end suite leaves out runs here.
NEW_MODES = tuple(version for version in EVERY_MODE if version not in AUTHENTIK_VERSIONS)


def test_the_modes_left_out_of_the_end_to_end_suite_are_the_oldest_and_the_build() -> None:
    assert NEW_MODES == ("2024.12.5", "2026.8.0-rc1")


@pytest.fixture(params=NEW_MODES)
def authentik_version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def groups(fake: FakeAuthentik) -> Iterator[dict[str, str]]:
    yield {name: fake.state.add_group(name)["pk"] for name in ("media", "admins")}
    fake.on_write = None


def _bound_groups(fake: FakeAuthentik) -> dict[str, set[str]]:
    """slug -> the groups bound to that application."""
    by_pk = {a["pk"]: a["slug"] for a in fake.state.applications()}
    bound: dict[str, set[str]] = {}
    for binding in fake.state.policy_bindings():
        bound.setdefault(by_pk[binding["target"]], set()).add(binding["group"])
    return bound


def test_first_sync_resync_and_group_change_keep_access_as_declared(
    cli: Cli, fake: FakeAuthentik, groups: dict[str, str]
) -> None:
    apps = [*hosts(3), {"host": "open.home.example.com", "any_user": True}]
    watch = OpenWatch(fake, {f"app{i:02d}" for i in range(3)})
    cli.config(apps)
    assert cli("sync").code == 0
    assert _bound_groups(fake) == {f"app{i:02d}": {groups["media"]} for i in range(3)}
    slugs = {a["slug"] for a in fake.state.applications()}
    assert slugs == {"app00", "app01", "app02", "open"}
    outpost = set(fake.state.embedded_outpost()["providers"])
    assert {a["provider"] for a in fake.state.applications()} <= outpost

    fake.clear_log()
    assert cli("sync").code == 0
    assert fake.writes() == []  # a resync of an unchanged config writes nothing

    apps[1]["groups"] = ["admins"]
    cli.config(apps)
    assert cli("sync").code == 0
    assert _bound_groups(fake)["app01"] == {groups["admins"]}
    assert cli("plan", "--detailed-exitcode").code == 0
    assert watch.open == []
    assert watch.checked >= 5  # 4 transactions and the outpost, then the group change
