"""``--output json`` prints exactly one JSON document on stdout for every outcome, with the
exit code in it: a result, or an error while loading, planning or applying. Text mode prints
nothing on stdout for an error that happens before the plan (the error goes to stderr)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from provision.cli import main
from provision.errors import ConfigError
from provision.options import Output
from provision.output import reported
from provision.testing.fake_authentik import FakeAuthentik

TOKEN = "json-outcome-canary-77d1"
JSON_COMMANDS = {
    "plan": ["plan", "--output", "json"],
    "sync": ["sync", "--output", "json"],
    "doctor": ["doctor", "--output", "json"],
    "verify --access": ["verify", "--access", "--output", "json"],
}


@pytest.fixture(scope="session")
def authentik_token() -> str:
    return TOKEN


@pytest.fixture
def fake(fake_authentik: FakeAuthentik) -> FakeAuthentik:
    """The plugin's fake (the newest release), with this module's token and a user."""
    fake_authentik.add_user("alice", ["media"])
    return fake_authentik


def _config(tmp_path: Path, fake: FakeAuthentik, hosts: int = 1, **extra: Any) -> Path:
    data: dict[str, Any] = {
        "authentik": {"url": fake.url, "timeout": 2, "retries": 1},
        "secrets": {"sops_file": None},
        "outpost": {"address": fake.url},
        "apps": [{"host": f"app{i}.example.com", "groups": ["media"]} for i in range(hosts)],
        **extra,
    }
    path = tmp_path / "provision.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], token: str | None = TOKEN
) -> tuple[int, str, str]:
    environ = {"RUNTIME_DIRECTORY": str(tmp_path)}
    if token is not None:
        environ["AUTHENTIK_TOKEN"] = token
    capsys.readouterr()
    code = main(["--config", str(tmp_path / "provision.yaml"), *argv], environ)
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err
    return code, captured.out, captured.err


def _one_document(out: str, code: int) -> dict[str, Any]:
    document = json.loads(out)  # a second document after the first would not parse
    assert isinstance(document, dict)
    assert document["exit_code"] == code
    return document


@pytest.mark.parametrize("command", sorted(JSON_COMMANDS))
def test_a_config_error_is_one_document(
    command: str, fake: FakeAuthentik, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _config(tmp_path, fake, apps=[{"host": "UPPER.example.com"}], unknown_key=1)
    code, out, err = _run(capsys, tmp_path, JSON_COMMANDS[command])
    assert code == 78, err
    document = _one_document(out, 78)
    if command == "doctor":  # its config check is a FAIL line of the checklist
        assert document["checks"][0]["status"] == "FAIL"
    else:
        assert document["error"]["type"] == "ConfigError"
        assert len(document["error"]["problems"]) >= 2  # every problem, as on stderr
    assert fake.requests == []


@pytest.mark.parametrize("command", ["plan", "sync", "verify --access"])
def test_a_secrets_error_is_one_document(
    command: str, fake: FakeAuthentik, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _config(tmp_path, fake, secrets={"sops_file": str(tmp_path / "missing.yaml")})
    code, out, err = _run(capsys, tmp_path, JSON_COMMANDS[command], token=None)
    assert code == 78, err
    assert "missing.yaml" in _one_document(out, 78)["error"]["message"]
    assert fake.requests == []


@pytest.mark.parametrize("command", ["plan", "sync", "verify --access"])
def test_a_rejected_token_is_one_document(
    command: str, fake: FakeAuthentik, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _config(tmp_path, fake)
    code, out, _ = _run(capsys, tmp_path, JSON_COMMANDS[command], token="not-the-token")
    assert code == 77
    error = _one_document(out, 77)["error"]
    assert (error["type"], error["status"]) == ("AuthError", 403)
    assert "Token invalid/expired" in error["message"]


@pytest.mark.parametrize("command", ["plan", "sync"])
def test_a_plan_error_is_one_document(
    command: str, fake: FakeAuthentik, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.state.add_application("By hand", "app0")  # unowned, where app0 would go
    _config(tmp_path, fake)
    code, out, err = _run(capsys, tmp_path, JSON_COMMANDS[command])
    assert code == 65, err
    error = _one_document(out, 65)["error"]
    assert error["type"] == "ConflictError"
    assert "application 'app0'" in error["message"]


def test_an_unsafe_plan_is_one_document_with_the_plan_refused(
    fake: FakeAuthentik, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _config(tmp_path, fake, hosts=5)
    assert _run(capsys, tmp_path, ["sync"])[0] == 0
    _config(tmp_path, fake, hosts=1)
    code, out, _ = _run(capsys, tmp_path, [*JSON_COMMANDS["sync"], "--prune"])
    assert code == 65
    document = _one_document(out, 65)
    assert document["error"]["type"] == "UnsafePlanError"
    assert document["plan"]["summary"]["remove"] >= 4  # what was refused, for review
    assert "applied" not in document


def test_a_failed_apply_is_one_document_with_what_landed(
    fake: FakeAuthentik, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _config(tmp_path, fake)
    fake.fail("PATCH", r"/outposts/instances/", status=500, times=5)
    code, out, _ = _run(capsys, tmp_path, JSON_COMMANDS["sync"])
    assert code == 75
    document = _one_document(out, 75)
    assert document["error"]["type"] == "ApplyFailedError"
    assert document["applied"] and document["errors"] == document["error"]["errors"]
    assert document["plan"]["summary"]["add"] >= 1


@pytest.mark.parametrize(("argv", "code"), [(["plan"], 0), (["plan", "--detailed-exitcode"], 2)])
def test_a_result_carries_its_exit_code(
    argv: list[str],
    code: int,
    fake: FakeAuthentik,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _config(tmp_path, fake)
    result, out, _ = _run(capsys, tmp_path, [*argv, "--output", "json"])
    assert result == code
    assert _one_document(out, code)["plan"]["summary"]["add"] >= 1


def test_text_mode_is_unchanged_on_an_error(
    fake: FakeAuthentik, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _config(tmp_path, fake, unknown_key=1)
    code, out, err = _run(capsys, tmp_path, ["plan"])
    assert (code, out) == (78, "")
    assert "unknown_key" in err


def test_a_bug_is_one_document_and_keeps_its_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken(document: dict[str, Any]) -> int:
        document["plan"] = {"summary": {}}
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):  # the CLI logs it with its traceback and exits 70
        reported(Output.JSON, broken)
    document = _one_document(capsys.readouterr().out, 70)
    assert document["error"]["type"] == "internal"
    assert document["plan"] == {"summary": {}}


def test_an_error_document_says_what_the_stderr_line_says(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def refused(document: dict[str, Any]) -> int:
        raise ConfigError(["a.yaml: apps[0].host: bad", "a.yaml: apps[1].host: bad"])

    with pytest.raises(ConfigError) as caught:
        reported(Output.JSON, refused)
    error = _one_document(capsys.readouterr().out, 78)["error"]
    assert error["message"] == str(caught.value)
    assert error["problems"] == caught.value.problems
