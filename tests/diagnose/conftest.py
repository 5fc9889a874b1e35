"""Fixtures for doctor and verify: the fake Authentik, the CLI in-process, a real Traefik."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from provision.cli import main
from provision.testing.fake_authentik import FakeAuthentik
from tests.support.backends import Backend
from tests.support.traefik import running_traefik

APPS = [
    {"host": "sonarr.home.example.com", "groups": ["media"]},
    {"host": "jellyfin.home.example.com", "any_user": True},
]


def assert_login_redirect(found: dict[str, Any], host: str, scheme: str = "https") -> None:
    """Protected by this config's provider: the fake's outpost answers either a real outpost's
    302 to authorize (naming the provider) or an older outpost's redirect to ``start``."""
    assert found["classification"] == "protected", found
    location = str(found["location"])
    name = f"Provider for {host.split('.', maxsplit=1)[0].title()}"
    if "/application/o/authorize/" in location:
        assert found["provider"] == name
        assert found["client_id"] and f"client_id={found['client_id']}" in location
    else:
        assert location.startswith(f"{scheme}://{host}/outpost.goauthentik.io/start")
        assert found["provider"] == name  # start names none: ours, read from the API


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


@pytest.fixture(scope="session")
def authentik_token() -> str:
    return "diagnose-token"


@pytest.fixture
def fake(fake_authentik: FakeAuthentik) -> FakeAuthentik:
    """The plugin's fake (``authentik_version`` picks its release), with the group ``media``."""
    fake_authentik.state.add_group("media")
    return fake_authentik


@pytest.fixture
def cli(fake: FakeAuthentik, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    environ = {"AUTHENTIK_TOKEN": fake.token, "RUNTIME_DIRECTORY": str(tmp_path)}
    runner = Cli(fake, tmp_path, capsys, environ)
    runner.config()
    return runner


@pytest.fixture
def backend() -> Iterator[Backend]:
    with Backend() as app:
        yield app


StartTraefik = Callable[[dict[str, Any] | Path], str]


@pytest.fixture
def start_traefik(tmp_path: Path) -> Iterator[StartTraefik]:
    """Start the real Traefik on a dynamic config (dict or file) and wait until its routers are
    loaded; returns the web entry point's URL. The process is always stopped afterwards."""
    with contextlib.ExitStack() as started:

        def start(dynamic: dict[str, Any] | Path) -> str:
            return started.enter_context(running_traefik(tmp_path, dynamic)).url("web")

        yield start
