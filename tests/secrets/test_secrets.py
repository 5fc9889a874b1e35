"""Secrets through the real sops binary with throw-away age keys (tests/keys/)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from provision.errors import EX_CONFIG, ConfigError
from provision.secrets import load_secrets, parse_dotenv
from provision.settings import SecretsSettings
from tests.conftest import Encrypt

TOKEN = "canary-token-0123456789abcdef"
SECRET_KEY = "k" * 60


def _settings(path: Path | None, **kw: Any) -> SecretsSettings:
    return SecretsSettings(sops_file=path, **kw)


def test_top_level_keys(encrypt: Encrypt, sops_environ: dict[str, str]) -> None:
    path = encrypt({"AUTHENTIK_TOKEN": TOKEN, "AUTHENTIK_SECRET_KEY": SECRET_KEY})
    secrets = load_secrets(_settings(path), sops_environ)
    assert secrets.token.get_secret_value() == TOKEN
    assert secrets.secret_key is not None and secrets.secret_key.get_secret_value() == SECRET_KEY
    assert secrets.token_source == str(path)
    assert TOKEN not in repr(secrets) and SECRET_KEY not in repr(secrets)


def test_dotenv_block_inside_a_value(encrypt: Encrypt, sops_environ: dict[str, str]) -> None:
    block = f"AUTHENTIK_SECRET_KEY='{SECRET_KEY}'\nexport AUTHENTIK_TOKEN={TOKEN}\n# comment\n"
    path = encrypt({"authentik_env": block})
    secrets = load_secrets(_settings(path), sops_environ)
    assert secrets.token.get_secret_value() == TOKEN
    assert secrets.secret_key is not None and secrets.secret_key.get_secret_value() == SECRET_KEY


def test_dotenv_file_format(encrypt: Encrypt, sops_environ: dict[str, str]) -> None:
    path = encrypt(
        f"AUTHENTIK_TOKEN={TOKEN}\nAUTHENTIK_SECRET_KEY={SECRET_KEY}\n", name="secrets.env"
    )
    assert load_secrets(_settings(path), sops_environ).token.get_secret_value() == TOKEN


def test_token_from_environment_makes_sops_optional(
    sops_environ: dict[str, str], tmp_path: Path
) -> None:
    environ = sops_environ | {"AUTHENTIK_TOKEN": TOKEN}
    secrets = load_secrets(_settings(tmp_path / "absent.yaml"), environ)
    assert secrets.token.get_secret_value() == TOKEN
    assert secrets.token_source == "$AUTHENTIK_TOKEN"
    assert secrets.secret_key is None


def test_token_from_systemd_credential(sops_environ: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "authentik-token").write_text(TOKEN + "\n")
    secrets = load_secrets(_settings(None), sops_environ | {"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert secrets.token.get_secret_value() == TOKEN
    assert secrets.token_source == "systemd credential authentik-token"


def test_age_key_from_systemd_credential(
    encrypt: Encrypt, sops_environ: dict[str, str], tmp_path: Path
) -> None:
    path = encrypt({"AUTHENTIK_TOKEN": TOKEN, "AUTHENTIK_SECRET_KEY": SECRET_KEY})
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "sops-age-key").write_text((Path(sops_environ["SOPS_AGE_KEY_FILE"])).read_text())
    environ = {k: v for k, v in sops_environ.items() if k != "SOPS_AGE_KEY_FILE"}
    secrets = load_secrets(_settings(path), environ | {"CREDENTIALS_DIRECTORY": str(creds)})
    assert secrets.token.get_secret_value() == TOKEN


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"AUTHENTIK_SECRET_KEY": SECRET_KEY}, "key AUTHENTIK_TOKEN not found"),
        ({"AUTHENTIK_TOKEN": TOKEN}, "key AUTHENTIK_SECRET_KEY not found"),
        (
            {"AUTHENTIK_TOKEN": TOKEN, "AUTHENTIK_SECRET_KEY": "short"},
            "AUTHENTIK_SECRET_KEY is too short",
        ),
        (
            {"AUTHENTIK_TOKEN": "", "AUTHENTIK_SECRET_KEY": SECRET_KEY},
            "key AUTHENTIK_TOKEN not found or empty",
        ),
    ],
)
def test_document_problems(
    encrypt: Encrypt, sops_environ: dict[str, str], content: dict[str, str], message: str
) -> None:
    path = encrypt(content)
    with pytest.raises(ConfigError) as caught:
        load_secrets(_settings(path), sops_environ)
    assert caught.value.exit_code == EX_CONFIG
    assert str(path) in str(caught.value) and message in str(caught.value)
    assert SECRET_KEY not in str(caught.value) and TOKEN not in str(caught.value)


def test_encrypted_for_another_key(encrypt: Encrypt, sops_environ: dict[str, str]) -> None:
    path = encrypt(
        {"AUTHENTIK_TOKEN": TOKEN, "AUTHENTIK_SECRET_KEY": SECRET_KEY}, key="age-other.txt"
    )
    with pytest.raises(ConfigError, match="no available key can decrypt this file"):
        load_secrets(_settings(path), sops_environ)


def test_plaintext_where_sops_is_expected(tmp_path: Path, sops_environ: dict[str, str]) -> None:
    path = tmp_path / "secrets.yaml"
    path.write_text(f"AUTHENTIK_TOKEN: {TOKEN}\n")
    with pytest.raises(ConfigError) as caught:
        load_secrets(_settings(path), sops_environ)
    assert "not a sops-encrypted file" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_missing_file(tmp_path: Path, sops_environ: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match=r"absent\.yaml: secrets file not found"):
        load_secrets(_settings(tmp_path / "absent.yaml"), sops_environ)


def test_sops_not_installed(encrypt: Encrypt, sops_environ: dict[str, str]) -> None:
    path = encrypt({"AUTHENTIK_TOKEN": TOKEN})
    with pytest.raises(ConfigError, match="sops binary 'sops-does-not-exist' not found"):
        load_secrets(_settings(path, sops_binary="sops-does-not-exist"), sops_environ)


def test_sops_runs_without_shell_and_token_not_on_argv(
    encrypt: Encrypt, sops_environ: dict[str, str]
) -> None:
    path = encrypt({"AUTHENTIK_TOKEN": TOKEN, "AUTHENTIK_SECRET_KEY": SECRET_KEY})
    seen: list[dict[str, Any]] = []

    def recording_run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        seen.append({"argv": argv, **kwargs})
        return subprocess.run(argv, **kwargs)  # noqa: PLW1510 - the real sops, as called

    before = set(os.listdir(path.parent))
    load_secrets(_settings(path), sops_environ, run=recording_run)
    (call,) = seen
    assert isinstance(call["argv"], list) and "shell" not in call
    assert call["argv"][1:] == ["--decrypt", "--output-type", "json", str(path)]
    assert call["timeout"] > 0
    assert all(TOKEN not in arg for arg in call["argv"])
    assert set(os.listdir(path.parent)) == before  # nothing decrypted was written


def test_parse_dotenv() -> None:
    assert parse_dotenv("A=1\n# x\nexport B=\"two\"\nC='3'\nnot a pair\n") == {
        "A": "1",
        "B": "two",
        "C": "3",
    }


def test_no_token_anywhere(sops_environ: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as caught:
        load_secrets(_settings(None), sops_environ)
    assert caught.value.exit_code == EX_CONFIG
    assert "no API token" in str(caught.value) and "$AUTHENTIK_TOKEN" in str(caught.value)


def test_the_shipped_example_encrypts_and_loads(
    encrypt: Encrypt, sops_environ: dict[str, str]
) -> None:
    example = Path(__file__).resolve().parents[2] / "secrets.example.yaml"
    path = encrypt(example.read_text())
    secrets = load_secrets(_settings(path), sops_environ)
    assert secrets.token.get_secret_value() == "replace-with-your-api-token"
    assert secrets.secret_key is not None


def test_sops_never_sees_the_tools_secrets(
    encrypt: Encrypt, sops_environ: dict[str, str], sops_bin: str, tmp_path: Path
) -> None:
    """A wrapper around the real sops records the environment it was started with."""
    dump = tmp_path / "sops-env.txt"
    wrapper = tmp_path / "sops-wrapper"
    wrapper.write_text(f'#!/bin/sh\nenv > "{dump}"\nexec "{sops_bin}" "$@"\n')
    wrapper.chmod(0o700)
    path = encrypt({"AUTHENTIK_SECRET_KEY": SECRET_KEY})
    environ = sops_environ | {
        "AUTHENTIK_TOKEN": TOKEN,
        "MY_TOKEN": "custom-" + TOKEN,
        "AUTHENTIK_SECRET_KEY": "env-" + SECRET_KEY,
    }
    settings = _settings(path, sops_binary=str(wrapper), token_key="MY_TOKEN")
    secrets = load_secrets(settings, environ)
    assert secrets.token.get_secret_value() == "custom-" + TOKEN
    seen = dump.read_text()
    assert TOKEN not in seen and SECRET_KEY not in seen
    assert f"SOPS_AGE_KEY_FILE={sops_environ['SOPS_AGE_KEY_FILE']}" in seen  # the rest is kept
    assert "SOPS_DISABLE_VERSION_CHECK=1" in seen
