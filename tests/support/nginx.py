"""A real nginx for tests: a minimal main config that includes a rendered file, on loopback.

``running_nginx`` is the one way to run it: the system's nginx (Debian's package, installed by
``scripts/test``; a missing one fails the test) in the foreground, one process, every file
(pid, temp paths, logs) under the test's directory, always stopped.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.conftest import find_tool
from tests.support import free_port

STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
HEADERS_MORE = "ngx_http_headers_more_filter_module.so"
# Requests for a host no rendered server names end here, not in the first rendered server.
NO_SUCH_HOST = 421


@dataclass
class Nginx:
    process: subprocess.Popen[bytes]
    port: int
    error_log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def errors(self) -> list[str]:
        text = self.error_log.read_text(errors="replace") if self.error_log.exists() else ""
        return [
            line for line in text.splitlines() if re.search(r"\[(error|crit|alert|emerg)\]", line)
        ]


def headers_more_module(nginx: str) -> Path:
    """The headers-more module next to nginx's own modules; missing fails the test."""
    built = subprocess.run([nginx, "-V"], capture_output=True, text=True, check=True).stderr
    found = re.search(r"--modules-path=(\S+)", built)
    module = Path(found.group(1) if found else "/usr/lib/nginx/modules") / HEADERS_MORE
    if not module.is_file():
        pytest.fail(f"{module} is missing: run ./scripts/test (it installs the nginx modules)")
    return module


def main_config(directory: Path, rendered: Path, port: int, module: Path) -> Path:
    """A main config: foreground, one process, files under ``directory``, ``rendered`` included."""
    temp = {
        name: directory / f"{name}-temp" for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")
    }
    for path in temp.values():
        path.mkdir(exist_ok=True)
    paths = "\n".join(
        f"    {'client_body' if name == 'body' else name}_temp_path {path};"
        for name, path in temp.items()
    )
    text = f"""load_module {module};
daemon off;
master_process off;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} info;
events {{ worker_connections 64; }}
http {{
    access_log {directory / "access.log"};
{paths}
    server {{
        listen 127.0.0.1:{port} default_server;
        return {NO_SUCH_HOST};
    }}
    include {rendered};
}}
"""
    config = directory / "nginx.conf"
    config.write_text(text, encoding="utf-8")
    return config


def check_config(directory: Path, rendered: Path) -> subprocess.CompletedProcess[str]:
    """``nginx -t`` on a main config including ``rendered`` (not started)."""
    nginx = find_tool("nginx")
    config = main_config(directory, rendered, free_port(), headers_more_module(nginx))
    command = [
        nginx,
        "-t",
        "-p",
        str(directory),
        "-e",
        str(directory / "error.log"),
        "-c",
        str(config),
    ]
    return subprocess.run(command, capture_output=True, text=True, check=False)


@contextlib.contextmanager
def running_nginx(directory: Path, rendered: Path, port: int) -> Iterator[Nginx]:
    """Start nginx on ``port`` (the rendering must listen there too) and wait until it answers."""
    nginx = find_tool("nginx")
    config = main_config(directory, rendered, port, headers_more_module(nginx))
    error_log = directory / "error.log"
    command = [nginx, "-p", str(directory), "-e", str(error_log), "-c", str(config)]
    output = directory / "nginx.out"
    with output.open("wb") as printed:
        process = subprocess.Popen(command, stdout=printed, stderr=subprocess.STDOUT, cwd=directory)
    server = Nginx(process, port, error_log)
    try:
        _wait_until_listening(server, output)
        yield server
    finally:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


def _wait_until_listening(server: Nginx, output: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            printed = output.read_text(errors="replace")
            pytest.fail(f"nginx exited with {server.process.returncode}: {printed}")
        try:
            requests.get(server.url, headers={"Host": "nobody.invalid"}, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    pytest.fail(f"nginx did not listen on {server.url} in time: {output.read_text()}")
