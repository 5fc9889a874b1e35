"""Two syncs at once end with the union on the outpost and no duplicates."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from provision.cli import main
from provision.testing.fake_authentik import FakeAuthentik, RecordedRequest
from tests.reliability.conftest import (
    PROVISION,
    TOKEN,
    assert_converged_state,
    environ,
    seed_unrelated,
    write_config,
)


def _apps(prefix: str, n: int) -> list[dict[str, Any]]:
    return [{"host": f"{prefix}{i:02d}.home.example.com", "groups": ["media"]} for i in range(n)]


def _run_together(fake: FakeAuthentik, tmp_path: Path, sets: list[list[dict[str, Any]]]) -> None:
    lock_dir = tmp_path / "run"
    lock_dir.mkdir()
    processes = []
    for index, apps in enumerate(sets):
        config = write_config(tmp_path / f"provision-{index}.yaml", fake, apps)
        processes.append(
            subprocess.Popen(
                [*PROVISION, "-q", "--config", str(config), "sync"],
                env=environ(lock_dir),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        )
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()


def test_disjoint_host_sets_at_once(tmp_path: Path) -> None:
    with FakeAuthentik(token=TOKEN, latency=0.005) as fake:
        fake.state.add_group("media")
        unrelated = seed_unrelated(fake)
        first, second = _apps("a", 10), _apps("b", 10)
        _run_together(fake, tmp_path, [first, second])
        assert_converged_state(fake, first + second, unrelated)


def test_same_host_set_at_once(tmp_path: Path) -> None:
    with FakeAuthentik(token=TOKEN, latency=0.005) as fake:
        fake.state.add_group("media")
        unrelated = seed_unrelated(fake)
        apps = _apps("s", 10)
        _run_together(fake, tmp_path, [apps, apps])
        assert_converged_state(fake, apps, unrelated)
        patches = [r for r in fake.writes() if r.method == "PATCH"]
        assert len(patches) == 1  # the second run found everything done


def test_outpost_overwritten_by_another_writer_is_merged_again(tmp_path: Path) -> None:
    """Another writer replaces the outpost's list right after our PATCH: we notice and merge."""
    with FakeAuthentik(token=TOKEN) as fake:
        fake.state.add_group("media")
        unrelated = seed_unrelated(fake)
        other = int(
            fake.state.add_proxy_provider("other-writer", "https://other-writer.example.org")["pk"]
        )
        raced = False

        def other_writer(request: RecordedRequest) -> None:
            nonlocal raced
            if request.method == "PATCH" and not raced:
                raced = True
                fake.state.set_outpost_providers([unrelated, other])

        fake.on_write = other_writer
        apps = _apps("r", 3)
        config = write_config(tmp_path / "provision.yaml", fake, apps)
        assert main(["--config", str(config), "sync"], environ(tmp_path)) == 0
        assert raced
        outpost = set(fake.state.embedded_outpost()["providers"])
        assert other in outpost
        assert len([r for r in fake.writes() if r.method == "PATCH"]) == 2
        assert_converged_state(fake, apps, unrelated)
