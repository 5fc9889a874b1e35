"""Whatever the server answers, every command exits with a documented code and no traceback.

A tampering proxy in front of the fake Authentik replaces the answer of one endpoint with an
empty body, ``null``, an HTML page, a list or an object of the wrong shape: not JSON means
``authentik.url`` does not lead to the API (78), JSON of the wrong shape is malformed (65).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from provision.cli import main
from provision.testing.fake_authentik import FakeAuthentik
from tests.errors.tampering import Answer, Swap, tampering

TOKEN = "hostile-cli-canary-51c0e2"
HTML = b"<html><body>Welcome to nginx!</body></html>"
NOT_JSON = {
    "empty": (200, "", b""),
    "empty JSON": (200, "application/json", b""),
    "html": (200, "text/html", HTML),
}
WRONG_SHAPE = {
    "null": (200, "application/json", b"null"),
    "list": (200, "application/json", b"[]"),
    "string": (200, "application/json", b'"ok"'),
    "object": (200, "application/json", json.dumps({"pk": [], "results": [{"pk": 1}]}).encode()),
}
# What a command reads (and, for sync, writes), by a name and its (method, path regex).
ENDPOINTS = {
    "version": ("GET", r"/admin/version/$"),
    "me": ("GET", r"/core/users/me/$"),
    "flows": ("GET", r"/flows/instances/$"),
    "flow": ("GET", r"/flows/instances/[^/]+/$"),
    "groups": ("GET", r"/core/groups/$"),
    "users": ("GET", r"/core/users/$"),
    "providers": ("GET", r"/providers/proxy/$"),
    "applications": ("GET", r"/core/applications/$"),
    "bindings": ("GET", r"/policies/bindings/$"),
    "outposts": ("GET", r"/outposts/instances/$"),
    "outpost": ("GET", r"/outposts/instances/[^/]+/$"),
    "outpost health": ("GET", r"/outposts/instances/[^/]+/health/$"),
    "check_access": ("GET", r"/check_access/$"),
    "transaction": ("PUT", r"/transactional/applications/$"),
    "outpost PATCH": ("PATCH", r"/outposts/instances/[^/]+/$"),
    "application PATCH": ("PATCH", r"/core/applications/[^/]+/$"),
    "binding POST": ("POST", r"/policies/bindings/$"),
}
COMMANDS = {
    "plan": ["plan"],
    "sync": ["sync"],
    "sync --wait": ["sync", "--wait", "5"],
    "doctor": ["doctor"],
    "verify --access": ["verify", "--access"],
}
READS = {
    "plan": ["version", "flows", "groups", "providers", "applications", "bindings", "outposts"],
    "sync": ["outpost", "transaction", "outpost PATCH"],
    "sync --wait": ["flow"],
    "doctor": ["me", "version", "flows", "outposts", "outpost health", "providers"],
    "verify --access": ["providers", "groups", "users", "applications", "bindings", "check_access"],
}
# Writes on a synced set-up whose config changed: a description, and a group to bind.
CHANGED = {"application PATCH", "binding POST"}
READS["sync"] += sorted(CHANGED)
VALID = {("outpost health", "list")}  # no instance connected: an empty list is an answer
CASES = [
    (command, endpoint, body)
    for command, endpoints in READS.items()
    for endpoint in endpoints
    for body in [*NOT_JSON, *WRONG_SHAPE]
    if (endpoint, body) not in VALID
]


@dataclass
class Run:
    code: int
    out: str
    err: str
    swapped: int


@pytest.fixture
def fake() -> Iterator[FakeAuthentik]:
    with FakeAuthentik(token=TOKEN) as server:
        server.add_user("alice", ["media"])
        server.add_user("bob", ["staff"])
        yield server


def _config(path: Path, url: str, outpost: str, *, changed: bool = False) -> Path:
    groups = ["media", "staff"] if changed else ["media"]
    app = {"host": "a.example.com", "groups": groups, "description": "new" if changed else ""}
    data = {
        "authentik": {"url": url, "timeout": 2, "retries": 1},
        "secrets": {"sops_file": None},
        "outpost": {"address": outpost},
        "apps": [app],
    }
    path.write_text(yaml.safe_dump(data))
    return path


def _run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, config: Path, argv: list[str]
) -> tuple[int, str, str]:
    environ = {"AUTHENTIK_TOKEN": TOKEN, "RUNTIME_DIRECTORY": str(tmp_path)}
    capsys.readouterr()
    code = main(["--config", str(config), *argv], environ)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _hostile_run(
    fake: FakeAuthentik,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    swap: Swap,
    *,
    changed: bool = False,
    output: list[str] | None = None,
) -> Run:
    """Sync cleanly first where the command needs a set-up, then run it with ``swap`` armed."""
    config = tmp_path / "provision.yaml"
    with tampering(fake.url) as proxy:
        if command in ("doctor", "verify --access") or changed:
            _config(config, proxy.url, fake.url)
            assert _run(capsys, tmp_path, config, ["sync"])[0] == 0
        _config(config, proxy.url, fake.url, changed=changed)
        proxy.swaps.append(swap)
        code, out, err = _run(capsys, tmp_path, config, [*COMMANDS[command], *(output or [])])
    return Run(code, out, err, proxy.swapped)


@pytest.mark.parametrize(("command", "endpoint", "body"), CASES)
def test_no_answer_ends_in_a_traceback(
    command: str,
    endpoint: str,
    body: str,
    fake: FakeAuthentik,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answer: Answer = NOT_JSON.get(body) or WRONG_SHAPE[body]
    swap = Swap(*ENDPOINTS[endpoint], answer)
    run = _hostile_run(fake, tmp_path, capsys, command, swap, changed=endpoint in CHANGED)
    assert run.swapped >= 1, "the command never asked this endpoint"
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    assert run.code == (78 if body in NOT_JSON else 65), run.err + run.out
    assert TOKEN not in run.out + run.err


@pytest.mark.parametrize("command", ["plan", "sync", "doctor"])
def test_a_url_ending_in_api_v3_is_78_in_every_command(
    command: str, fake: FakeAuthentik, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path / "provision.yaml", f"{fake.url}/api/v3", fake.url)
    code, out, err = _run(capsys, tmp_path, config, COMMANDS[command])
    assert code == 78, out + err
    assert "without /api/v3" in out + err
    assert "Traceback" not in err


def _document(out: str) -> Any:
    """The one JSON document on stdout (json.loads refuses a second one after it)."""
    return json.loads(out)


@pytest.mark.parametrize("command", ["plan", "sync", "doctor", "verify --access"])
def test_json_output_is_one_document_with_the_code_of_a_hostile_answer(
    command: str, fake: FakeAuthentik, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    swap = Swap(*ENDPOINTS["providers"], NOT_JSON["html"])
    run = _hostile_run(fake, tmp_path, capsys, command, swap, output=["--output", "json"])
    document = _document(run.out)
    assert run.code == document["exit_code"] == 78
    if command != "doctor":  # the doctor reports it as a FAIL line, not as an error
        assert "authentik.url does not lead to Authentik's API" in document["error"]["message"]
        assert document["error"]["path"] == "/api/v3/providers/proxy/"
