"""Crash suite: SIGKILL a first sync right after its k-th write, for every k; then converge."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

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

APPS: list[dict[str, Any]] = [
    {
        "host": f"app{i:02d}.home.example.com",
        **({"groups": ["media"]} if i < 4 else {"any_user": True}),
    }
    for i in range(20)
]
WRITES = 20 + 1  # one transaction per application (provider, app, bindings), one outpost PATCH
RESTRICTED = {a["host"].split(".")[0] for a in APPS if "groups" in a}


def _killed_after(k: int, tmp_path: Path) -> None:
    with FakeAuthentik(token=TOKEN) as fake:
        fake.state.add_group("media")
        unrelated = seed_unrelated(fake)
        # One write at a time, so "the k-th write" is the same on every run.
        config = write_config(tmp_path / "provision.yaml", fake, APPS, concurrency=1)
        count = 0
        killed = threading.Event()
        process: subprocess.Popen[bytes] | None = None

        def on_write(_: RecordedRequest) -> None:
            nonlocal count
            count += 1
            if count == k and process is not None:
                os.kill(process.pid, signal.SIGKILL)
                killed.set()

        fake.on_write = on_write
        process = subprocess.Popen(
            [*PROVISION, "-q", "--config", str(config), "sync"],
            env=environ(tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _, err = process.communicate(timeout=60)
        assert killed.is_set(), f"the sync finished before write {k}: {err.decode()}"
        assert process.returncode == -signal.SIGKILL
        fake.on_write = None
        # Killed anywhere, no restricted application is left open (without a binding).
        bound = {b["target"] for b in fake.state.policy_bindings()}
        apps = fake.state.applications()
        assert [a["slug"] for a in apps if a["slug"] in RESTRICTED and a["pk"] not in bound] == []
        argv = ["--config", str(config)]
        assert main([*argv, "sync"], environ(tmp_path)) == 0
        assert main([*argv, "plan", "--detailed-exitcode"], environ(tmp_path)) == 0
        assert_converged_state(fake, APPS, unrelated)


@pytest.mark.parametrize("k", range(1, WRITES + 1))
def test_kill_after_kth_write_then_converge(k: int, tmp_path: Path) -> None:
    _killed_after(k, tmp_path)


def test_an_uninterrupted_first_sync_makes_exactly_the_counted_writes(tmp_path: Path) -> None:
    with FakeAuthentik(token=TOKEN) as fake:
        fake.state.add_group("media")
        seed_unrelated(fake)
        fake.clear_log()
        config = write_config(tmp_path / "provision.yaml", fake, APPS, concurrency=1)
        assert main(["-q", "--config", str(config), "sync"], environ(tmp_path)) == 0
        assert len(fake.writes()) == WRITES
