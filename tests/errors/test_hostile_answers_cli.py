"""Whatever the server answers, every command exits with a documented code and no traceback.

A tampering proxy in front of the fake Authentik replaces the answer of one endpoint with an
empty body, ``null``, an HTML page, a list or an object of the wrong shape: not JSON means
``authentik.url`` does not lead to the API (78), JSON of the wrong shape is malformed (65).
"""

from __future__ import annotations

import json
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
PAGE = {"next": 0, "previous": 0, "count": 1, "current": 1, "total_pages": 1}
ODD = {"pk": "x", "name": 5, "slug": None}
WRONG_SHAPE = {
    "null": (200, "application/json", b"null"),
    "list": (200, "application/json", b"[]"),
    "string": (200, "application/json", b'"ok"'),
    "object": (200, "application/json", json.dumps({"pk": [], "results": [{"pk": 1}]}).encode()),
    # a page whose item has a pk of the wrong type and none of the fields read
    "page": (200, "application/json", json.dumps({"pagination": PAGE, "results": [ODD]}).encode()),
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
    # after the transactions, for the new providers' pks (the first read is the plan's)
    "providers read back": ("GET", r"/providers/proxy/$", 1),
    "applications": ("GET", r"/core/applications/$"),
    "bindings": ("GET", r"/policies/bindings/$"),
    "outposts": ("GET", r"/outposts/instances/$"),
    "outpost": ("GET", r"/outposts/instances/[^/]+/$"),
    "outpost health": ("GET", r"/outposts/instances/[^/]+/health/$"),
    "check_access": ("GET", r"/check_access/$"),
    "transaction": ("PUT", r"/transactional/applications/$"),
    "outpost PATCH": ("PATCH", r"/outposts/instances/[^/]+/$"),
    "application PATCH": ("PATCH", r"/core/applications/[^/]+/$"),
    "provider PATCH": ("PATCH", r"/providers/proxy/\d+/$"),
    "binding POST": ("POST", r"/policies/bindings/$"),
    "DELETE": ("DELETE", r"/api/v3/"),
}
COMMANDS = {
    "plan": ["plan"],
    "sync": ["sync"],
    "sync --wait": ["sync", "--wait", "5"],
    "sync --prune": ["sync", "--prune"],
    "doctor": ["doctor"],
    "verify --access": ["verify", "--access"],
}
READS = {
    "plan": ["version", "flows", "groups", "providers", "applications", "bindings", "outposts"],
    "sync": ["outpost", "transaction", "providers read back", "outpost PATCH"],
    "sync --wait": ["flow"],
    # On a synced set-up whose config changed: a description, a skip regex, a group to bind,
    # an app no longer declared.
    "sync --prune": ["application PATCH", "provider PATCH", "binding POST", "DELETE"],
    "doctor": ["me", "version", "flows", "outposts", "outpost health", "providers"],
    "verify --access": ["providers", "groups", "users", "applications", "bindings", "check_access"],
}
# The transport tells JSON from the rest once for every endpoint, so each endpoint gets an
# empty body and the wrong shapes its readers must refuse; each command also gets every body
# on its first endpoint.
EVERY_ENDPOINT = ("empty", "null", "object", "page")
NOT_READ = {"DELETE": tuple(NOT_JSON)}  # a DELETE's answer is never read: only not JSON counts
VALID = {("outpost health", "list")}  # no instance connected: an empty list is an answer
CASES = sorted(
    {
        (command, endpoint, body)
        for command, endpoints in READS.items()
        for index, endpoint in enumerate(endpoints)
        for body in NOT_READ.get(
            endpoint, (*NOT_JSON, *WRONG_SHAPE) if index == 0 else EVERY_ENDPOINT
        )
        if (endpoint, body) not in VALID
    }
)


@dataclass
class Run:
    code: int
    out: str
    err: str
    swapped: int


@pytest.fixture(scope="session")
def authentik_token() -> str:
    return TOKEN


@pytest.fixture
def fake(fake_authentik: FakeAuthentik) -> FakeAuthentik:
    """The plugin's fake (the newest release), with this module's token and two users."""
    fake_authentik.add_user("alice", ["media"])
    fake_authentik.add_user("bob", ["staff"])
    return fake_authentik


def _config(path: Path, url: str, outpost: str, *, changed: bool = False) -> Path:
    apps: list[dict[str, Any]] = [{"host": "a.example.com", "groups": ["media"]}]
    if changed:
        apps[0] |= {"groups": ["media", "staff"], "description": "new", "skip_path_regex": "^/x/"}
    else:
        apps.append({"host": "b.example.com", "groups": ["media"]})
    data = {
        "authentik": {"url": url, "timeout": 2, "retries": 1},
        "secrets": {"sops_file": None},
        "outpost": {"address": outpost},
        "apps": apps,
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
    method, path, *skip = ENDPOINTS[endpoint]
    swap = Swap(method, path, answer, *skip)
    run = _hostile_run(fake, tmp_path, capsys, command, swap, changed=command == "sync --prune")
    assert run.swapped >= 1, "the command never asked this endpoint"
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    assert run.code == (78 if body in NOT_JSON else 65), run.err + run.out
    assert TOKEN not in run.out + run.err


@pytest.mark.parametrize("body", sorted(NOT_JSON))
def test_set_icon_url_of_releases_before_2025_12_answering_not_json_is_78(
    body: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The only endpoint one release uses and not the other; its answer is not read.
    config = tmp_path / "provision.yaml"
    with (
        FakeAuthentik(token=TOKEN, authentik_version="2025.10.3") as fake,
        tampering(fake.url, Swap("POST", r"/set_icon_url/$", NOT_JSON[body])) as proxy,
    ):
        fake.add_user("alice", ["media"])
        _config(config, proxy.url, fake.url)
        data = yaml.safe_load(config.read_text())
        data["apps"][0]["icon"] = "https://icons.example.com/a.png"
        config.write_text(yaml.safe_dump(data))
        code, out, err = _run(capsys, tmp_path, config, ["sync"])
    assert proxy.swapped >= 1
    assert code == 78, out + err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["plan", "sync", "sync --wait", "doctor"])
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
