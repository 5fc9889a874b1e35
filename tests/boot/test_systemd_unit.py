"""The shipped systemd units: systemd's verifier accepts them; they say what the tool needs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from provision.errors import EX_CONFIG, EX_DATAERR, EX_NOPERM, EX_TEMPFAIL, EX_USAGE
from provision.lock import LOCK_NAME, lock_path
from provision.settings import SecretsSettings

REPO = Path(__file__).resolve().parents[2]
SERVICE = REPO / "systemd" / "authentik-provision.service"
PATH_UNIT = REPO / "systemd" / "authentik-provision.path"

Unit = dict[str, list[tuple[str, str]]]

HARDENING = {
    "DynamicUser": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "NoNewPrivileges": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "CapabilityBoundingSet": "",
    "AmbientCapabilities": "",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "SystemCallFilter": "@system-service",
}


def parse_unit(path: Path) -> Unit:
    """Sections of a unit file as ordered (key, value) pairs; repeated keys stay repeated."""
    sections: Unit = {}
    current: list[tuple[str, str]] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        assert not line.endswith("\\"), f"{path.name}: continuation lines are not expected"
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"{path.name}: {line!r} is outside any section"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: {line!r} is not key=value"
        current.append((key.strip(), value.strip()))
    return sections


def values(unit: Unit, section: str, key: str) -> list[str]:
    return [value for name, value in unit.get(section, []) if name == key]


def single(unit: Unit, section: str, key: str) -> str:
    found = values(unit, section, key)
    assert len(found) == 1, f"[{section}] {key}= appears {len(found)} times"
    return found[0]


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.fail("systemd-analyze is not installed (Debian: apt-get install systemd)")
    return found


def verify(directory: Path, *names: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [systemd_analyze(), "verify", *(str(directory / name) for name in names)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def complaints(done: subprocess.CompletedProcess[str]) -> list[str]:
    """Lines of systemd-analyze output that are about our units."""
    output = (done.stdout + done.stderr).splitlines()
    return [line for line in output if "authentik-provision" in line]


def copy_units(directory: Path, exec_start: str | None = None) -> None:
    shutil.copy(PATH_UNIT, directory / PATH_UNIT.name)
    text = SERVICE.read_text(encoding="utf-8")
    if exec_start is not None:
        old = next(line for line in text.splitlines() if line.startswith("ExecStart="))
        text = text.replace(old, f"ExecStart={exec_start}")
    (directory / SERVICE.name).write_text(text, encoding="utf-8")


def test_systemd_analyze_verify_accepts_the_shipped_units(tmp_path: Path) -> None:
    copy_units(tmp_path)
    done = verify(tmp_path, SERVICE.name, PATH_UNIT.name)
    assert done.returncode == 0, done.stderr
    assert complaints(done) == []


def test_systemd_analyze_verify_accepts_an_absolute_exec_start(tmp_path: Path) -> None:
    # The unit's comments tell users to put the tool's absolute path in ExecStart when it is
    # not on the service's PATH; that adaptation must verify too.
    binary = Path(sys.executable).parent / "provision"
    assert binary.is_file(), "the package's console script is not installed in this venv"
    copy_units(tmp_path, exec_start=f"{binary} sync --wait 300")
    done = verify(tmp_path, SERVICE.name, PATH_UNIT.name)
    assert done.returncode == 0, done.stderr
    assert complaints(done) == []


def test_the_verify_check_notices_a_broken_unit(tmp_path: Path) -> None:
    copy_units(tmp_path, exec_start="/nonexistent/provision sync --wait 300")
    service = tmp_path / SERVICE.name
    service.write_text(service.read_text().replace("RestartSec=", "RestartSecs="))
    done = verify(tmp_path, SERVICE.name)
    assert done.returncode != 0
    found = "\n".join(complaints(done))
    assert "RestartSecs" in found
    assert "/nonexistent/provision" in found


def test_service_runs_sync_once_after_authentik_and_the_network() -> None:
    unit = parse_unit(SERVICE)
    assert single(unit, "Service", "Type") == "oneshot"
    assert single(unit, "Service", "RemainAfterExit") == "no"
    exec_start = single(unit, "Service", "ExecStart")
    assert exec_start == "/usr/bin/env provision sync --wait 300"
    after = " ".join(values(unit, "Unit", "After")).split()
    for dependency in ("network-online.target", "authentik.service", "authentik-worker.service"):
        assert dependency in after
    assert "network-online.target" in " ".join(values(unit, "Unit", "Wants")).split()
    assert single(unit, "Install", "WantedBy") == "multi-user.target"


def test_service_retries_only_what_is_worth_retrying() -> None:
    unit = parse_unit(SERVICE)
    assert single(unit, "Service", "Restart") == "on-failure"
    assert single(unit, "Service", "RestartSec") == "30s"
    prevented = {int(code) for code in single(unit, "Service", "RestartPreventExitStatus").split()}
    assert prevented == {EX_USAGE, EX_DATAERR, EX_NOPERM, EX_CONFIG}
    assert EX_TEMPFAIL not in prevented
    # systemd reads the start limits only in [Unit]; in [Service] they would be ignored.
    for key in ("StartLimitIntervalSec", "StartLimitBurst"):
        assert values(unit, "Unit", key), f"{key} missing from [Unit]"
        assert not values(unit, "Service", key), f"{key} belongs in [Unit]"


def test_service_is_hardened() -> None:
    unit = parse_unit(SERVICE)
    for key, expected in HARDENING.items():
        assert single(unit, "Service", key) == expected, key


def test_service_hands_over_config_credentials_and_a_runtime_directory() -> None:
    unit = parse_unit(SERVICE)
    assert values(unit, "Service", "Environment") == [
        "PROVISION_CONFIG=/etc/authentik-provision/provision.yaml"
    ]
    assert values(unit, "Service", "LoadCredential") == [
        "sops-age-key:/etc/authentik-provision/age.key"
    ]
    # The token credential is offered commented out: a missing credential file stops the unit.
    assert "#LoadCredential=authentik-token:" in SERVICE.read_text()
    runtime = single(unit, "Service", "RuntimeDirectory")
    environ = {"RUNTIME_DIRECTORY": f"/run/{runtime}"}
    assert lock_path(environ) == Path("/run/authentik-provision") / LOCK_NAME


def test_path_unit_watches_the_files_the_service_reads() -> None:
    service = parse_unit(SERVICE)
    unit = parse_unit(PATH_UNIT)
    config = single(service, "Service", "Environment").removeprefix("PROVISION_CONFIG=")
    watched = values(unit, "Path", "PathChanged")
    assert watched == [config, str(SecretsSettings().sops_file)]
    assert single(unit, "Path", "Unit") == SERVICE.name
    assert single(unit, "Install", "WantedBy") == "paths.target"
