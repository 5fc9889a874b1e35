"""Fault matrix: every endpoint a first sync touches, every fault, once and repeatedly.

After each: the run succeeded, or failed with exit 75 naming the endpoint; a clean run then
converges; no duplicate provider or application; the unowned provider stays on the outpost.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest

from provision.cli import main
from provision.testing.fake_authentik import FakeAuthentik
from tests.reliability.conftest import (
    TOKEN,
    assert_converged_state,
    environ,
    seed_unrelated,
    write_config,
)

# Every endpoint a first sync touches (a test below checks the list against a clean run).
ENDPOINTS = [
    ("GET", r"^/api/v3/admin/version/$", "/api/v3/admin/version/"),
    ("GET", r"^/api/v3/admin/settings/$", "/api/v3/admin/settings/"),  # the page cap, 2025.12+
    ("GET", r"^/api/v3/outposts/instances/$", "/api/v3/outposts/instances/"),
    ("GET", r"^/api/v3/core/applications/$", "/api/v3/core/applications/"),
    ("GET", r"^/api/v3/policies/bindings/$", "/api/v3/policies/bindings/"),
    ("GET", r"^/api/v3/providers/proxy/$", "/api/v3/providers/proxy/"),
    ("GET", r"^/api/v3/flows/instances/$", "/api/v3/flows/instances/"),
    ("GET", r"^/api/v3/core/groups/$", "/api/v3/core/groups/"),
    (
        "PUT",
        r"^/api/v3/core/transactional/applications/$",
        "/api/v3/core/transactional/applications/",
    ),
    ("GET", r"^/api/v3/outposts/instances/[0-9a-f-]+/$", "/api/v3/outposts/instances/"),
    ("PATCH", r"^/api/v3/outposts/instances/[0-9a-f-]+/$", "/api/v3/outposts/instances/"),
]
FAULTS: dict[str, dict[str, Any]] = {
    "502": {"status": 502},
    "503": {"status": 503},
    "504": {"status": 504},
    "429": {"status": 429, "retry_after": 1},
    "drop": {"drop": True},
    "drop-after-write": {"drop": True, "after": True},
    "slow": {"delay": 0.5},
}
TIMES = {"once": 1, "repeatedly": 1000}
APPS = [
    {"host": "sonarr.home.example.com", "groups": ["media"]},
    {"host": "radarr.home.example.com", "groups": ["media"]},
]


def _cases() -> list[Any]:
    cases = []
    for method, pattern, path in ENDPOINTS:
        for fault, spec in FAULTS.items():
            if spec.get("after") and method == "GET":
                continue  # "after the write" only means something for writes
            for times in TIMES:
                one = "-one" if "[" in pattern else ""
                case_id = f"{method}-{path.strip('/').replace('/', '.')}{one}-{fault}-{times}"
                cases.append(pytest.param(method, pattern, path, spec, times, id=case_id))
    return cases


@pytest.mark.parametrize(("method", "pattern", "path", "fault", "times"), _cases())
def test_fault(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    method: str,
    pattern: str,
    path: str,
    fault: dict[str, Any],
    times: str,
) -> None:
    caplog.set_level(logging.WARNING)
    with FakeAuthentik(token=TOKEN) as fake:
        fake.state.add_group("media")
        unrelated = seed_unrelated(fake)
        config = write_config(
            tmp_path / "provision.yaml", fake, APPS, timeout=0.25, retries=3, retry_budget=0.6
        )
        argv = ["--config", str(config), "sync"]
        fake.fail(method, pattern, times=TIMES[times], **fault)
        code = main(argv, environ(tmp_path))
        err = capsys.readouterr().err
        assert code in (0, 75), err
        if code == 75:
            assert path in err
        fake.clear_faults()
        assert main(argv, environ(tmp_path)) == 0, capsys.readouterr().err
        assert (
            main(["--config", str(config), "plan", "--detailed-exitcode"], environ(tmp_path)) == 0
        )
        assert_converged_state(fake, APPS, unrelated)
    output = capsys.readouterr()
    assert TOKEN not in output.out + output.err + caplog.text


def test_the_matrix_covers_every_endpoint_of_a_first_sync(tmp_path: Path) -> None:
    with FakeAuthentik(token=TOKEN) as fake:
        fake.state.add_group("media")
        seed_unrelated(fake)
        fake.clear_log()
        config = write_config(tmp_path / "provision.yaml", fake, APPS)
        assert main(["--config", str(config), "sync"], environ(tmp_path)) == 0
        used = {(r.method, r.path) for r in fake.requests if r.path.startswith("/api/")}
    covered = {
        (method, path)
        for method, path in used
        if any(m == method and re.match(p, path) for m, p, _ in ENDPOINTS)
    }
    assert covered == used
    for method, pattern, _ in ENDPOINTS:  # and no fault waits on a request that never comes
        assert any(m == method and re.match(pattern, p) for m, p in used), (method, pattern)
