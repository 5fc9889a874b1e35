"""At boot: --wait until Authentik answers (or exit 75), and journald-friendly stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from provision.testing.fake_authentik import FakeAuthentik
from tests.support import free_port

TOKEN = "boot-canary-token-93b1f0d2c4e6"
PROVISION = [sys.executable, "-m", "provision"]


def _config(tmp_path: Path, port: int) -> Path:
    url = f"http://127.0.0.1:{port}"
    data = {
        "authentik": {"url": url, "timeout": 2, "retries": 2, "retry_budget": 1},
        "secrets": {"sops_file": None},
        "outpost": {"address": url},
        "apps": [{"host": "sonarr.home.example.com", "any_user": True}],
    }
    path = tmp_path / "provision.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "AUTHENTIK_TOKEN": TOKEN,
        "RUNTIME_DIRECTORY": str(tmp_path),
        "PATH": os.environ["PATH"],
    }


def test_sync_waits_for_authentik_to_come_up(tmp_path: Path) -> None:
    port = free_port()
    config = _config(tmp_path, port)
    process = subprocess.Popen(
        [*PROVISION, "--config", str(config), "sync", "--wait", "30"],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(2)
    assert process.poll() is None, "sync gave up before Authentik came up"
    with FakeAuthentik(token=TOKEN, port=port) as fake:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err.decode()
        assert any(a["slug"] == "sonarr" for a in fake.state.applications())
    lines = err.decode().splitlines()
    # One line per state change, not per poll.
    assert lines.count("info: Authentik is not ready (/-/health/ready/)") == 1
    assert "info: Authentik is ready" in lines
    assert TOKEN not in out.decode() + err.decode()


def test_sync_wait_gives_up_with_75(tmp_path: Path) -> None:
    config = _config(tmp_path, free_port())
    done = subprocess.run(
        [*PROVISION, "--config", str(config), "sync", "--wait", "2"],
        env=_env(tmp_path),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 75
    assert b"gave up after waiting 2 s" in done.stderr


def test_not_ready_then_ready(tmp_path: Path) -> None:
    with FakeAuthentik(token=TOKEN) as fake:
        fake.ready = False
        config = _config(tmp_path, fake.port)
        process = subprocess.Popen(
            [*PROVISION, "--config", str(config), "sync", "--wait", "30"],
            env=_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(1.5)
        fake.ready = True
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err.decode()


def test_stderr_not_a_tty_has_no_colour_no_timestamps_no_token(tmp_path: Path) -> None:
    with FakeAuthentik(token=TOKEN) as fake:
        config = _config(tmp_path, fake.port)
        done = subprocess.run(
            [*PROVISION, "-v", "--config", str(config), "sync"],
            env=_env(tmp_path),
            capture_output=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stderr.decode()
    text = done.stdout.decode() + done.stderr.decode()
    assert "\x1b[" not in text
    assert TOKEN not in text
    for line in done.stderr.decode().splitlines():
        assert line.split(":", 1)[0] in {"debug", "info", "warning", "error"}, line


def test_json_log_format(tmp_path: Path) -> None:
    with FakeAuthentik(token=TOKEN) as fake:
        config = _config(tmp_path, fake.port)
        done = subprocess.run(
            [*PROVISION, "--log-format", "json", "--config", str(config), "sync"],
            env=_env(tmp_path),
            capture_output=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0
    records = [json.loads(line) for line in done.stderr.decode().splitlines()]
    assert records and all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    assert "Plan:" in done.stdout.decode()
