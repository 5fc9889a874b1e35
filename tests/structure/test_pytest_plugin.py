"""``provision.testing.pytest_plugin``: the fake's fixtures, loaded only when a user asks.

This suite opts in itself (``tests/conftest.py``), so the fixtures are used here directly;
what a user without the opt-in sees is run in a fresh pytest process.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import requests

from provision.testing.fake_authentik import NEWEST, FakeAuthentik
from provision.testing.pytest_plugin import DEFAULT_TOKEN
from tests.structure.pytest_runs import REPO, run_pytest

USER_TEST = """
def test_uses_the_fake(fake_authentik):
    assert fake_authentik.url.startswith("http://127.0.0.1:")
"""


def anonymous_get(url: str) -> requests.Response:
    """A GET without a token, never through a proxy from the environment."""
    with requests.Session() as session:
        session.trust_env = False
        return session.get(url, timeout=5)


def test_importing_the_package_and_its_fake_loads_no_pytest() -> None:
    probe = (
        "import sys, provision, provision.cli, provision.testing.fake_authentik\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pytest', '_pytest')))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert run.stdout.strip() == "[]"


def test_no_entry_point_loads_the_plugin_into_every_pytest_run() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "pytest11" not in project.get("entry-points", {})
    installed = metadata.entry_points(group="pytest11")
    assert [e.value for e in installed if e.value.startswith("provision")] == []


def test_a_users_tests_get_no_fake_fixtures_without_opting_in(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TEST, encoding="utf-8")
    run = run_pytest(tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "fixture 'fake_authentik' not found" in run.stdout


def test_a_users_conftest_opts_in_with_pytest_plugins(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TEST, encoding="utf-8")
    opt_in = 'pytest_plugins = ["provision.testing.pytest_plugin"]\n'
    (tmp_path / "conftest.py").write_text(opt_in, encoding="utf-8")
    run = run_pytest(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout


def test_a_release_the_fake_does_not_speak_is_a_usage_error(tmp_path: Path) -> None:
    marked = "import pytest\n\n@pytest.mark.authentik_version('2023.8.1')" + USER_TEST
    (tmp_path / "test_user.py").write_text(marked, encoding="utf-8")
    run = run_pytest(tmp_path, "-p", "provision.testing.pytest_plugin")
    assert run.returncode != 0
    assert "authentik_version() names releases of" in run.stdout + run.stderr


def test_the_fake_accepts_the_token_fixture_and_speaks_the_newest_release(
    fake_authentik: FakeAuthentik, authentik_api: requests.Session, authentik_token: str
) -> None:
    assert authentik_token == DEFAULT_TOKEN
    answer = authentik_api.get(f"{fake_authentik.url}/api/v3/admin/version/", timeout=5)
    assert answer.status_code == 200
    assert answer.json()["version_current"] == NEWEST
    anonymous = anonymous_get(f"{fake_authentik.url}/api/v3/admin/version/")
    assert anonymous.status_code == 403


@pytest.mark.authentik_version("2024.12.5", "2025.10.3")
def test_the_marker_runs_a_test_once_per_release(
    fake_authentik: FakeAuthentik, authentik_version: str, request: pytest.FixtureRequest
) -> None:
    assert request.node.callspec.params["authentik_version"] == authentik_version
    assert authentik_version in ("2024.12.5", "2025.10.3")
    assert fake_authentik.version.name == authentik_version


def test_faults_and_the_request_log_are_reachable(
    fake_authentik: FakeAuthentik, authentik_api: requests.Session
) -> None:
    fake_authentik.fail("GET", r"^/api/v3/core/groups/$", status=503)
    groups = f"{fake_authentik.url}/api/v3/core/groups/"
    assert authentik_api.get(groups, timeout=5).status_code == 503
    assert authentik_api.get(groups, timeout=5).status_code == 200
    assert [r.status for r in fake_authentik.requests] == [503, 200]
    assert fake_authentik.writes() == []


@pytest.mark.fake_authentik(outpost_refresh_delay=7.5, readonly_token="read-only-4a1d")
def test_the_fake_authentik_marker_passes_options_on(fake_authentik: FakeAuthentik) -> None:
    assert fake_authentik.outpost.refresh_delay == 7.5
    assert fake_authentik.readonly_token == "read-only-4a1d"


def test_the_session_fake_is_started_and_apart_from_the_tests_own(
    fake_authentik_session: FakeAuthentik, fake_authentik: FakeAuthentik
) -> None:
    assert fake_authentik_session is not fake_authentik
    assert fake_authentik_session.port != fake_authentik.port
    live = anonymous_get(f"{fake_authentik_session.url}/-/health/live/")
    assert live.status_code == 200
    assert fake_authentik_session.version.name == NEWEST
