"""End-to-end fixtures: the fake Authentik over real sockets, the real sops, the CLI in-process."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from provision.cli import main
from provision.testing.fake_authentik import FakeAuthentik
from tests.conftest import Encrypt

CANARY = "canary-7f3a9c1e5b2d4f6a8c0e1a3b5d7f9e2c"
SECRET_KEY = "s" * 64


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Cli:
    """Runs ``provision`` in-process with a config dict; keeps every output for the canary check."""

    fake: FakeAuthentik
    workdir: Path
    environ: dict[str, str]
    capsys: pytest.CaptureFixture[str]
    outputs: list[str] = field(default_factory=list)

    def config(self, apps: list[dict[str, Any]], **sections: Any) -> Path:
        data: dict[str, Any] = {
            "authentik": {"url": self.fake.url, "timeout": 5},
            "secrets": {"sops_file": str(self.workdir / "secrets.yaml")},
            "outpost": {"address": self.fake.url},
            "apps": apps,
        }
        for key, value in sections.items():
            data[key] = data.get(key, {}) | value if isinstance(value, dict) else value
        path = self.workdir / "provision.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    def __call__(self, *argv: str, environ: dict[str, str] | None = None) -> Result:
        self.capsys.readouterr()
        code = main(
            ["--config", str(self.workdir / "provision.yaml"), *argv], environ or self.environ
        )
        captured = self.capsys.readouterr()
        self.outputs += [captured.out, captured.err]
        return Result(code, captured.out, captured.err)


@pytest.fixture(scope="session")
def authentik_token() -> str:
    return CANARY


@pytest.fixture
def fake(fake_authentik: FakeAuthentik) -> FakeAuthentik:
    """The plugin's fake (``authentik_version`` picks its release), with the canary token."""
    return fake_authentik


@pytest.fixture
def cli(
    fake: FakeAuthentik,
    tmp_path: Path,
    encrypt: Encrypt,
    sops_environ: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> Iterator[Cli]:
    encrypt({"AUTHENTIK_TOKEN": CANARY, "AUTHENTIK_SECRET_KEY": SECRET_KEY})
    caplog.set_level(logging.DEBUG)
    runner = Cli(fake, tmp_path, sops_environ | {"RUNTIME_DIRECTORY": str(tmp_path)}, capsys)
    yield runner
    # The canary token must never appear in any output or log record of any command.
    everything = "\n".join(runner.outputs) + "\n".join(r.getMessage() for r in caplog.records)
    assert runner.outputs, "the test ran no command"
    assert CANARY not in everything
    assert SECRET_KEY not in everything


def hosts(n: int, **extra: Any) -> list[dict[str, Any]]:
    return [
        {"host": f"app{i:02d}.home.example.com", "groups": ["media"], **extra} for i in range(n)
    ]


WriteFilter = Callable[[Any], bool]
