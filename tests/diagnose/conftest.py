"""Fixtures for doctor and verify: the fake Authentik, the CLI in-process, a real Traefik."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from provision.cli import main
from provision.testing.fake_authentik import FakeAuthentik
from tests.conftest import find_tool

TRAEFIK_START_TIMEOUT = 20.0
TRAEFIK_NOT_FOUND = "404 page not found"
APPS = [
    {"host": "sonarr.home.example.com", "groups": ["media"]},
    {"host": "jellyfin.home.example.com", "any_user": True},
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class Cli:
    """Runs ``provision`` in-process against the fake, with a config written from dicts."""

    fake: FakeAuthentik
    workdir: Path
    capsys: pytest.CaptureFixture[str]
    environ: dict[str, str] = field(default_factory=dict)

    def config(self, apps: list[dict[str, Any]] | None = None, **sections: Any) -> Path:
        data: dict[str, Any] = {
            "authentik": {"url": self.fake.url, "timeout": 5},
            "secrets": {"sops_file": None},
            "outpost": {"address": self.fake.url},
            "apps": APPS if apps is None else apps,
        }
        for key, value in sections.items():
            data[key] = data.get(key, {}) | value if isinstance(value, dict) else value
        path = self.workdir / "provision.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    def __call__(self, *argv: str, environ: dict[str, str] | None = None) -> Result:
        self.capsys.readouterr()
        config = str(self.workdir / "provision.yaml")
        code = main(["--config", config, *argv], self.environ if environ is None else environ)
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def sync(self) -> None:
        result = self("sync")
        assert result.code == 0, result.err


@pytest.fixture
def fake() -> Iterator[FakeAuthentik]:
    with FakeAuthentik(token="diagnose-token") as server:
        server.state.add_group("media")
        yield server


@pytest.fixture
def cli(fake: FakeAuthentik, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    environ = {"AUTHENTIK_TOKEN": fake.token, "RUNTIME_DIRECTORY": str(tmp_path)}
    runner = Cli(fake, tmp_path, capsys, environ)
    runner.config()
    return runner


class Backend:
    """A stdlib HTTP app that answers 200 to anything and counts what reached it."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        seen = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append(f"{self.headers.get('Host')} {self.path}")
                body = b"the backend's own page"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def backend() -> Iterator[Backend]:
    app = Backend()
    app.thread.start()
    try:
        yield app
    finally:
        app.server.shutdown()
        app.server.server_close()


StartTraefik = Callable[[dict[str, Any] | Path, str], str]


@pytest.fixture
def start_traefik(tmp_path: Path) -> Iterator[StartTraefik]:
    """Start the real Traefik on a dynamic config (dict or file) and wait until it routes
    ``host``; returns the web entry point's URL. The process is always stopped afterwards."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(dynamic: dict[str, Any] | Path, host: str) -> str:
        if isinstance(dynamic, dict):
            path = tmp_path / "dynamic.yaml"
            path.write_text(yaml.safe_dump(dynamic), encoding="utf-8")
            dynamic = path
        web = free_port()
        static = tmp_path / "traefik.yaml"
        static.write_text(yaml.safe_dump(_static(dynamic, web)), encoding="utf-8")
        log_path = tmp_path / "traefik.log"
        with log_path.open("wb") as log:
            command = [find_tool("traefik"), f"--configFile={static}"]
            processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT))
        url = f"http://127.0.0.1:{web}"
        _wait_until_routed(processes[-1], url, host, log_path)
        return url

    try:
        yield start
    finally:
        for process in processes:
            # Traefik keeps no state worth a graceful stop, and draining takes seconds.
            process.kill()
            process.wait()


def _static(dynamic: Path, web: int) -> dict[str, Any]:
    return {
        # Never phone home from a test.
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
        "entryPoints": {"web": {"address": f"127.0.0.1:{web}"}},
        "providers": {"file": {"filename": str(dynamic), "watch": False}},
        "log": {"level": "ERROR"},
    }


def _wait_until_routed(process: subprocess.Popen[bytes], url: str, host: str, log: Path) -> None:
    """Poll until Traefik answers for ``host`` with something other than its own 404."""
    deadline = time.monotonic() + TRAEFIK_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"traefik exited with {process.returncode}:\n{log.read_text()}")
        try:
            answer = requests.get(url, headers={"Host": host}, allow_redirects=False, timeout=1)
            if answer.text.strip() != TRAEFIK_NOT_FOUND:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    pytest.fail(f"traefik did not route {host} in time:\n{log.read_text()}")
