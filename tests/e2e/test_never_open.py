"""A restricted application is never open: the fake's state is checked after every request.

Authentik lets every user through an application with no binding (10-access-check), so an
application whose config declares ``groups`` must never exist with zero bindings — not after
any single request of a first sync, a group change or an adopt, and not when a write fails.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from provision.testing.fake_authentik import FakeAuthentik
from provision.testing.fake_authentik.recording import RecordedRequest
from tests.e2e.conftest import Cli, hosts
from tests.support.versions import AUTHENTIK_VERSIONS

TRANSACTIONAL = "/api/v3/core/transactional/applications/"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class OpenWatch:
    """Checks, after every write the fake takes, that no restricted application is open.

    ``then`` runs after each check (with the request), e.g. to arm a fault for a later write.
    """

    def __init__(
        self,
        fake: FakeAuthentik,
        restricted: set[str],
        then: Callable[[RecordedRequest], None] | None = None,
    ) -> None:
        self.fake = fake
        self.restricted = restricted
        self.then = then
        self.checked = 0
        self.open: list[str] = []
        self._lock = threading.Lock()
        fake.on_write = self.check

    def check(self, request: RecordedRequest) -> None:
        # One snapshot under the state's own lock: no write lands between the two reads.
        with self._lock, self.fake.state.lock:
            if self.then is not None:
                self.then(request)
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
    cli: Cli, authentik_version: str, failure: str
) -> None:
    apps = hosts(4, icon="https://icons.example.com/app.png")
    apps.append({"host": "open.home.example.com", "any_user": True})
    writes = _writes_of_a_clean_first_sync(cli, authentik_version, apps)
    for number, (method, path) in enumerate(writes):
        with FakeAuthentik(token=cli.fake.token, authentik_version=authentik_version) as fake:
            run = _cli_for(cli, fake, apps)
            fault = {
                "status": 500,
                "drop": failure.startswith("drop"),
                "after": failure == "drop-after",
                "times": 50,  # past every retry: this write fails for the whole run
            }
            earlier = sum(1 for w in writes[:number] if w == (method, path))
            watch = OpenWatch(fake, _restricted(apps), _arm_at(fake, method, path, earlier, fault))
            failed = run("sync")
            if failure != "drop-after":  # a write that landed may be found again on re-read
                assert failed.code != 0, f"write {number} ({method} {path}) did not fail the run"
                assert "before stopping" in failed.err or failed.code == 75, failed.err
            fake.clear_faults()
            assert run("sync").code == 0, f"no convergence after a failure at {method} {path}"
            assert run("plan", "--detailed-exitcode").code == 0
            assert watch.open == [], f"open after a failure at write {number}: {watch.open}"


def _arm_at(
    fake: FakeAuthentik, method: str, path: str, earlier: int, fault: dict[str, Any]
) -> Callable[[RecordedRequest], None]:
    """Fail the write after ``earlier`` successful writes of the same method and path."""
    seen = 0
    pattern = "^" + UUID.sub("[^/]+", path) + "$"  # each fake has its own outpost UUID
    if earlier == 0:
        fake.fail(method, pattern, **fault)

    def then(request: RecordedRequest) -> None:
        nonlocal seen
        if request.method == method and re.match(pattern, request.path):
            seen += 1
            if seen == earlier:
                fake.fail(method, pattern, **fault)

    return then


def _cli_for(cli: Cli, fake: FakeAuthentik, apps: list[dict[str, Any]]) -> Cli:
    for group in ("media", "admins"):
        fake.state.add_group(group)
    run = Cli(fake, cli.workdir, cli.environ, cli.capsys, cli.outputs)
    # One write at a time, so the k-th is known; a short retry budget, so a failure is quick.
    run.config(apps, authentik={"concurrency": 1, "retries": 2, "retry_budget": 0.5})
    return run


def _writes_of_a_clean_first_sync(
    cli: Cli, version: str, apps: list[dict[str, Any]]
) -> list[tuple[str, str]]:
    with FakeAuthentik(token=cli.fake.token, authentik_version=version) as fake:
        run = _cli_for(cli, fake, apps)
        assert run("sync").code == 0
        writes = [(r.method, r.path) for r in fake.writes()]
    assert ("PUT", TRANSACTIONAL) in writes and len(writes) >= 6
    return writes


def test_the_watch_sees_an_open_application(cli: Cli, fake: FakeAuthentik) -> None:
    """The check above can fail: an application created without a binding is caught."""
    fake.state.add_group("media")
    cli.config([{"host": "sonarr.home.example.com", "any_user": True}])
    watch = OpenWatch(fake, {"sonarr"})  # declared open, but watched as if restricted
    assert cli("sync").code == 0
    assert watch.open and watch.open[0].startswith("sonarr after PUT")
