"""`provision demo` on a fresh install: plan, applied result, a no-change run, exit 0."""

from __future__ import annotations

import os
import subprocess
import sys


def test_demo_runs_the_whole_job() -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    done = subprocess.run(
        [sys.executable, "-m", "provision", "demo"],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    out = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode()
    assert "Plan: 8 to add, 1 to change, 0 to remove." in out
    assert "Applied: 8 added, 1 changed, 0 removed." in out
    assert out.count("No changes. Authentik matches the configuration.") == 2
    assert "verify: all 3 hosts demand a login" in out
    assert "Demo complete" in out
