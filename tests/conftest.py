"""Shared fixtures: the real sops with throw-away age keys, paths, and a loopback-only guard."""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

# The fake Authentik's fixtures (fake_authentik, authentik_version, authentik_token, ...), as a
# user of the package gets them: the directories' ``fake`` fixtures are that fake.
pytest_plugins = ["provision.testing.pytest_plugin"]

REPO = Path(__file__).resolve().parents[1]
AUTHENTIK_RECORDINGS = REPO / "tests" / "data" / "authentik"  # one directory per release
KEYS = REPO / "tests" / "keys"
VENV_BIN = Path(sys.executable).parent


def _loopback_only(event: str, args: tuple[Any, ...]) -> None:
    """Tests talk to 127.0.0.1 only: any other address is refused before a packet leaves."""
    if event != "socket.connect":
        return
    address = args[1]
    if not isinstance(address, tuple):
        return  # AF_UNIX
    host = str(address[0])
    try:
        ip = ipaddress.ip_address(host)
        # 0.0.0.0, :: and ::ffff:127.x reach this machine too (tests of how URLs spell it).
        mapped = getattr(ip, "ipv4_mapped", None) or ip
        if ip.is_loopback or ip.is_unspecified or mapped.is_loopback:
            return
    except ValueError:
        if host == "localhost":
            return
    raise ConnectionRefusedError(f"tests may only connect to loopback, not {host!r}")


sys.addaudithook(_loopback_only)


def find_tool(name: str) -> str:
    """A real binary from the test dependencies; a missing one fails the test."""
    found = shutil.which(name, path=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        pytest.fail(f"{name} is not installed: run ./scripts/test (it installs the test extra)")
    return found


def age_public_key(key_file: Path) -> str:
    for line in key_file.read_text().splitlines():
        if line.startswith("# public key: "):
            return line.removeprefix("# public key: ").strip()
    raise AssertionError(f"no public key in {key_file}")


@pytest.fixture(scope="session")
def sops_bin() -> str:
    return find_tool("sops")


@pytest.fixture
def sops_environ(sops_bin: str) -> dict[str, str]:
    """An environment in which sops finds the main throw-away age key."""
    return {
        "PATH": f"{Path(sops_bin).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "SOPS_AGE_KEY_FILE": str(KEYS / "age-main.txt"),
        "HOME": os.environ.get("HOME", "/tmp"),
    }


Encrypt = Callable[..., Path]


@pytest.fixture
def encrypt(sops_bin: str, tmp_path: Path) -> Encrypt:
    """Write ``content`` (a mapping or text) to ``name`` under tmp_path, encrypted with sops."""

    def _encrypt(content: Any, name: str = "secrets.yaml", key: str = "age-main.txt") -> Path:
        path = tmp_path / name
        text = content if isinstance(content, str) else yaml.safe_dump(content)
        path.write_text(text)
        recipient = age_public_key(KEYS / key)
        subprocess.run(
            [sops_bin, "--encrypt", "--age", recipient, "--in-place", str(path)],
            check=True,
            capture_output=True,
            env={"PATH": os.environ.get("PATH", ""), "SOPS_DISABLE_VERSION_CHECK": "1"},
        )
        assert "sops" in path.read_text()
        return path

    return _encrypt
