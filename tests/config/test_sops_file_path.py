"""A relative ``secrets.sops_file`` names a file beside the config file, not in the cwd."""

from __future__ import annotations

from pathlib import Path

import pytest

from provision.cli import main
from provision.config import load_config
from tests.conftest import Encrypt

APP = "apps:\n  - host: sonarr.example.com\n    any_user: true\n"


def _config(directory: Path, sops_file: str) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / "provision.yaml"
    path.write_text(f"secrets:\n  sops_file: {sops_file}\n{APP}", encoding="utf-8")
    return path


def test_relative_sops_file_is_read_beside_the_config(tmp_path: Path) -> None:
    path = _config(tmp_path / "etc", "secrets.yaml")
    assert load_config(path, environ={}).settings.secrets.sops_file == path.parent / "secrets.yaml"
    nested = _config(tmp_path / "conf", "../keys/secrets.yaml")
    found = load_config(nested, environ={}).settings.secrets.sops_file
    assert found == tmp_path / "conf" / ".." / "keys" / "secrets.yaml"


def test_absolute_and_environment_paths_are_kept(tmp_path: Path) -> None:
    absolute = tmp_path / "elsewhere" / "secrets.yaml"
    path = _config(tmp_path / "etc", str(absolute))
    assert load_config(path, environ={}).settings.secrets.sops_file == absolute
    environ = {"PROVISION_SECRETS__SOPS_FILE": "here/secrets.yaml"}
    from_environment = load_config(path, environ=environ).settings.secrets.sops_file
    assert from_environment == Path("here/secrets.yaml")


def test_validate_decrypts_beside_the_config_from_another_directory(
    tmp_path: Path,
    encrypt: Encrypt,
    sops_environ: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    encrypt({"AUTHENTIK_TOKEN": "t" * 40, "AUTHENTIK_SECRET_KEY": "k" * 64}, "secrets.yaml")
    path = _config(tmp_path, "secrets.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the cwd has no secrets.yaml: only the config's folder does
    assert main(["--config", str(path), "validate"], sops_environ) == 0, capsys.readouterr().err
