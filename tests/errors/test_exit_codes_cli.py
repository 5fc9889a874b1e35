"""Through the CLI: what cannot heal exits 64/65/77/78 with a remedy, never 75."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from provision.cli import main
from provision.errors import LockTimeoutError
from provision.lock import LOCK_NAME, run_lock
from tests.conftest import Encrypt
from tests.support.scripted import Answer, html_answer, json_answer, scripted_server

TOKEN = "exit-canary-93a1c0f7"
GOOD_KEY = "g" * 60


def _config(tmp_path: Path, url: str, **secrets: Any) -> Path:
    data = {
        "authentik": {"url": url, "timeout": 2, "retries": 1},
        "secrets": {"sops_file": None, **secrets},
        "outpost": {"address": url},
        "apps": [{"host": "a.example.com", "any_user": True}],
    }
    path = tmp_path / "provision.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _run(argv: list[str], tmp_path: Path, **environ: str) -> int:
    env = {"AUTHENTIK_TOKEN": TOKEN, "RUNTIME_DIRECTORY": str(tmp_path), **environ}
    return main(argv, env)


def _healthy_but(answer: Answer, version: str = "2026.2.2") -> Any:
    """Health and the version answer; everything else gets ``answer``."""

    def script(path: str, query: dict[str, str]) -> Answer:
        if path.startswith("/-/health/"):
            return (200, "text/plain", b"")
        if path == "/api/v3/admin/version/" and answer[0] < 300:
            return json_answer({"version_current": version})
        return answer

    return script


@pytest.mark.parametrize("wait", ["0", "5"])
def test_an_html_server_is_a_config_error(
    wait: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with scripted_server(_healthy_but(html_answer())) as (url, _):
        code = _run(["--config", str(_config(tmp_path, url)), "sync", "--wait", wait], tmp_path)
    err = capsys.readouterr().err
    assert code == 78, err
    assert "authentik.url does not lead to Authentik's API" in err
    assert TOKEN not in err


def test_a_malformed_answer_exits_65_with_the_remedy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with scripted_server(_healthy_but(json_answer({"results": "nope"}))) as (url, _):
        code = _run(["--config", str(_config(tmp_path, url)), "plan"], tmp_path)
    err = capsys.readouterr().err
    assert code == 65, err
    assert "answer is not a page of results; is authentik.url an Authentik server" in err


def test_a_release_before_2024_12_is_refused_with_65(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = json_answer({"pagination": {"next": 0}, "results": []})
    with scripted_server(_healthy_but(answer, version="2024.8.3")) as (url, seen):
        code = _run(["--config", str(_config(tmp_path, url)), "sync"], tmp_path)
    err = capsys.readouterr().err
    assert code == 65, err
    assert "Authentik 2024.8.3 is older than 2024.12" in err and "upgrade Authentik" in err
    assert [p for p in seen if not p.startswith("/-/")] == ["/api/v3/admin/version/"]


def test_a_newer_release_runs_with_one_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = json_answer({"pagination": {"next": 0}, "results": []})
    with scripted_server(_healthy_but(answer, version="2027.2.0")) as (url, _):
        _run(["--config", str(_config(tmp_path, url)), "plan"], tmp_path)
    err = capsys.readouterr().err
    assert err.count("is newer than the newest release this tool knows") == 1


def test_a_redirect_is_a_config_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with scripted_server(_healthy_but((302, "text/html", b""))) as (url, _):
        code = _run(["--config", str(_config(tmp_path, url)), "plan"], tmp_path)
    assert code == 78
    assert "set authentik.url" in capsys.readouterr().err


def test_a_server_error_can_heal(tmp_path: Path) -> None:
    with scripted_server(_healthy_but(json_answer({"detail": "db down"}, 500))) as (url, _):
        assert _run(["--config", str(_config(tmp_path, url)), "plan"], tmp_path) == 75


def test_a_token_with_a_newline_is_refused_at_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, "http://127.0.0.1:9")
    code = _run(
        ["--config", str(config), "validate"], tmp_path, AUTHENTIK_TOKEN="first-half\nsecond-half"
    )
    err = capsys.readouterr().err
    assert code == 78, err
    assert "$AUTHENTIK_TOKEN: the API token (AUTHENTIK_TOKEN) contains a line break" in err
    assert "first-half" not in err and "second-half" not in err


@pytest.mark.parametrize("token", ["a\rb", "a b", "tök", "a\x00b", "a\tb"])
def test_every_header_breaking_token_is_refused(
    token: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, "http://127.0.0.1:9")
    assert _run(["--config", str(config), "validate"], tmp_path, AUTHENTIK_TOKEN=token) == 78
    assert "an HTTP header cannot carry" in capsys.readouterr().err


def test_a_numeric_token_in_sops_says_it_must_be_a_string(
    encrypt: Encrypt,
    sops_environ: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secrets = encrypt("AUTHENTIK_TOKEN: 1234567890\nAUTHENTIK_SECRET_KEY: " + GOOD_KEY + "\n")
    config = _config(tmp_path, "http://127.0.0.1:9", sops_file=str(secrets))
    code = main(["--config", str(config), "validate"], sops_environ)
    err = capsys.readouterr().err
    assert code == 78, err
    assert f"{secrets}: AUTHENTIK_TOKEN must be a string, not int (quote the value" in err
    assert "1234567890" not in err


def test_a_lock_timeout_is_its_own_error(tmp_path: Path) -> None:
    path = tmp_path / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with (
            pytest.raises(LockTimeoutError, match="still holds the lock") as caught,
            run_lock(path, timeout=0.2, poll=0.05),
        ):
            pass
    finally:
        os.close(fd)
    assert caught.value.exit_code == 75
