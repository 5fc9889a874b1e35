"""A 403 "Token invalid/expired" says the token may have expired and how to make one that
does not: tokens made in Authentik's UI expire (on new 2026.8.1 installs after one day), and
Authentik answers an expired token exactly as a wrong one."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from provision.cli import main
from provision.errors import EXPIRED_TOKEN_FIX, AuthError
from provision.testing.fake_authentik import FakeAuthentik
from tests.support.versions import EVERY_MODE

TOKEN = "expired-token-test-4c1d"


def _plan(fake: FakeAuthentik, tmp_path: Path, token: str) -> int:
    config = tmp_path / "provision.yaml"
    document = {
        "authentik": {"url": fake.url, "timeout": 5},
        "secrets": {"sops_file": None},
        "apps": [{"host": "sonarr.home.example.com", "any_user": True}],
    }
    config.write_text(yaml.safe_dump(document), encoding="utf-8")
    environ = {"AUTHENTIK_TOKEN": token, "RUNTIME_DIRECTORY": str(tmp_path)}
    return main(["--config", str(config), "plan"], environ)


@pytest.mark.parametrize("version", EVERY_MODE)
def test_a_rejected_token_may_have_expired_and_the_fix_says_how_to_make_a_lasting_one(
    version: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeAuthentik(token=TOKEN, authentik_version=version) as fake:
        assert _plan(fake, tmp_path, "a-token-that-expired-yesterday") == 77
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert "token rejected: Token invalid/expired (HTTP 403); the token may have expired" in line
    assert "intent: API Token, Expiring: off" in line
    assert "a-token-that-expired-yesterday" not in captured.out + captured.err


def test_a_token_lacking_permission_is_not_said_to_have_expired() -> None:
    lacking = AuthError("token lacks permission for this (needs a superuser token)", status=403)
    missing = AuthError("no token provided", status=401)
    assert EXPIRED_TOKEN_FIX not in str(lacking) + str(missing)
    assert EXPIRED_TOKEN_FIX in str(AuthError("token rejected: Token invalid/expired", status=403))
