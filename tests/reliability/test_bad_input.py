"""Bad input through the CLI: exit 78, a message naming file and field, zero requests sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from provision.cli import main
from provision.testing.fake_authentik import FakeAuthentik
from tests.conftest import Encrypt
from tests.reliability.conftest import TOKEN

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
CONFIGS = sorted(BAD.glob("*.yaml"))
GOOD_KEY = "g" * 60


def _first_expectation(path: Path) -> str:
    lines = path.read_bytes().decode("utf-8", "replace").splitlines()
    if lines and lines[0].startswith("# expect: "):
        return lines[0].removeprefix("# expect: ").split(":")[0]
    return ""


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_bad_config_sends_nothing(
    path: Path, fake: FakeAuthentik, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    environ = {"AUTHENTIK_TOKEN": TOKEN, "RUNTIME_DIRECTORY": str(tmp_path)}
    if b"authentik:" not in path.read_bytes():
        # Point any request at the fake, so "zero requests" is observed, not assumed.
        environ["PROVISION_AUTHENTIK__URL"] = fake.url
    code = main(["--config", str(path), "sync"], environ)
    err = capsys.readouterr().err
    assert code == 78, err
    assert str(path) in err
    assert _first_expectation(path) in err
    assert fake.requests == []
    assert TOKEN not in err


def _config(tmp_path: Path, fake: FakeAuthentik, secrets: Path) -> Path:
    data: dict[str, Any] = {
        "authentik": {"url": fake.url},
        "secrets": {"sops_file": str(secrets)},
        "apps": [{"host": "a.example.com", "any_user": True}],
    }
    path = tmp_path / "provision.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


SECRETS_CASES: dict[str, tuple[Any, str]] = {
    "encrypted-for-another-key": (
        {"AUTHENTIK_TOKEN": TOKEN, "AUTHENTIK_SECRET_KEY": GOOD_KEY},
        "no available key can decrypt",
    ),
    "missing-token-key": ({"AUTHENTIK_SECRET_KEY": GOOD_KEY}, "key AUTHENTIK_TOKEN not found"),
    "missing-secret-key": ({"AUTHENTIK_TOKEN": TOKEN}, "key AUTHENTIK_SECRET_KEY not found"),
    "short-secret-key": (
        {"AUTHENTIK_TOKEN": TOKEN, "AUTHENTIK_SECRET_KEY": "short"},
        "AUTHENTIK_SECRET_KEY is too short",
    ),
    "dotenv-without-token": (
        {"authentik_env": f"AUTHENTIK_SECRET_KEY={GOOD_KEY}\n"},
        "key AUTHENTIK_TOKEN not found",
    ),
}


@pytest.mark.parametrize("case", sorted(SECRETS_CASES))
def test_bad_encrypted_secrets(
    case: str,
    fake: FakeAuthentik,
    encrypt: Encrypt,
    sops_environ: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    content, message = SECRETS_CASES[case]
    key = "age-other.txt" if case == "encrypted-for-another-key" else "age-main.txt"
    secrets = encrypt(content, key=key)
    code = main(
        ["--config", str(_config(tmp_path, fake, secrets)), "sync"],
        sops_environ | {"RUNTIME_DIRECTORY": str(tmp_path)},
    )
    err = capsys.readouterr().err
    assert code == 78
    assert str(secrets) in err and message in err
    assert fake.requests == []
    assert TOKEN not in err and GOOD_KEY not in err


@pytest.mark.parametrize(
    ("case", "content", "message"),
    [
        ("plaintext", f"AUTHENTIK_TOKEN: {TOKEN}\n".encode(), "not a sops-encrypted file"),
        ("empty", b"", "sops"),
        ("binary", bytes(range(256)), "sops"),
    ],
)
def test_unencrypted_or_garbage_secrets(
    case: str,
    content: bytes,
    message: str,
    fake: FakeAuthentik,
    sops_environ: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secrets = tmp_path / "secrets.yaml"
    secrets.write_bytes(content)
    code = main(
        ["--config", str(_config(tmp_path, fake, secrets)), "sync"],
        sops_environ | {"RUNTIME_DIRECTORY": str(tmp_path)},
    )
    err = capsys.readouterr().err
    assert code == 78, err
    assert str(secrets) in err and message in err
    assert fake.requests == []
    assert TOKEN not in err


def test_missing_secrets_file(
    fake: FakeAuthentik,
    sops_environ: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secrets = tmp_path / "absent.yaml"
    code = main(
        ["--config", str(_config(tmp_path, fake, secrets)), "sync"],
        sops_environ | {"RUNTIME_DIRECTORY": str(tmp_path)},
    )
    err = capsys.readouterr().err
    assert code == 78 and f"{secrets}: secrets file not found" in err
    assert fake.requests == []
