"""A restricted application is never open: the fake's state is checked after every request.

Authentik lets every user through an application with no binding (10-access-check), so an
application whose config declares ``groups`` must never exist with zero bindings — not after
any single request of a first sync, a group change or an adopt, and not when a write fails.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from provision.testing.fake_authentik import FakeAuthentik
from provision.testing.fake_authentik.recording import RecordedRequest
from tests.e2e.conftest import Cli, hosts
from tests.support.versions import AUTHENTIK_VERSIONS

TRANSACTIONAL = "/api/v3/core/transactional/applications/"


class OpenWatch:
    """Checks, after every write the fake takes, that no restricted application is open."""

    def __init__(self, fake: FakeAuthentik, restricted: set[str]) -> None:
        self.fake = fake
        self.restricted = restricted
        self.checked = 0
        self.open: list[str] = []
        self._lock = threading.Lock()
        fake.on_write = self.check

    def check(self, request: RecordedRequest) -> None:
        with self._lock:
            self.checked += 1
            bound = {b["target"] for b in self.fake.state.policy_bindings()}
            for app in self.fake.state.applications():
                if app["slug"] in self.restricted and app["pk"] not in bound:
                    self.open.append(f"{app['slug']} after {request.method} {request.path}")


@pytest.fixture(params=AUTHENTIK_VERSIONS)
def authentik_version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def watched(cli: Cli, fake: FakeAuthentik) -> Iterator[tuple[Cli, FakeAuthentik]]:
    for group in ("media", "admins"):
        fake.state.add_group(group)
    yield cli, fake
    fake.on_write = None


def _restricted(apps: list[dict[str, Any]]) -> set[str]:
    return {a["host"].split(".")[0] for a in apps if a.get("groups")}


def test_first_sync_group_change_and_adopt_never_leave_an_app_open(
    watched: tuple[Cli, FakeAuthentik],
) -> None:
    cli, fake = watched
    apps = hosts(10, icon="https://icons.example.com/app.png")
    fake.state.add_application("Sonarr by hand", "sonarr")
    apps.append({"host": "sonarr.home.example.com", "groups": ["media"]})
    watch = OpenWatch(fake, _restricted(apps))
    cli.config(apps)
    assert cli("sync", "--adopt").code == 0
    for index in (2, 5):
        apps[index]["groups"] = ["admins"]
    apps[7]["groups"] = ["admins", "media"]
    cli.config(apps)
    assert cli("sync").code == 0
    assert watch.open == []
    assert watch.checked >= 12  # 10 transactions, the adopt, bindings, outpost
    assert cli("plan", "--detailed-exitcode").code == 0


@pytest.mark.parametrize("failure", ["500", "drop", "drop-after"])
def test_a_failed_write_never_leaves_an_app_open_and_a_rerun_converges(
    watched: tuple[Cli, FakeAuthentik], failure: str
) -> None:
    cli, fake = watched
    apps = hosts(4, icon="https://icons.example.com/app.png")
    cli.config(apps)
    writes = _writes_of_a_clean_first_sync(cli, fake)
    for number, (method, path) in enumerate(writes):
        _reset(fake)
        watch = OpenWatch(fake, _restricted(apps))
        earlier = sum(1 for w in writes[:number] if w == (method, path))
        fake.fail(
            method,
            f"^{path}$",
            status=500,
            drop=failure.startswith("drop"),
            after=failure == "drop-after",
            skip=earlier,
            times=50,  # past every retry: this write fails for the whole run
        )
        failed = cli("sync")
        assert failed.code != 0, f"write {number} ({method} {path}) did not fail the run"
        fake.clear_faults()
        assert cli("sync").code == 0, f"no convergence after a failure at {method} {path}"
        assert cli("plan", "--detailed-exitcode").code == 0
        assert watch.open == [], f"open after a failure at write {number}: {watch.open}"


def _writes_of_a_clean_first_sync(cli: Cli, fake: FakeAuthentik) -> list[tuple[str, str]]:
    assert cli("sync").code == 0
    writes = [(r.method, r.path) for r in fake.writes()]
    assert (("PUT", TRANSACTIONAL) in writes) and len(writes) >= 5
    return writes


def _reset(fake: FakeAuthentik) -> None:
    """Remove what the last run created, keeping the groups."""
    fake.on_write = None
    for app in fake.state.applications():
        fake.state.delete_application(app["slug"])
    for provider in fake.state.proxy_providers():
        fake.state.delete_proxy_provider(provider["pk"])
    fake.clear_log()
