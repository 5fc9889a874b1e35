"""The run lock lives in a directory only this user can enter, never loose in a shared /tmp."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest

from provision import lock
from provision.errors import ConfigError
from provision.lock import LOCK_NAME, lock_path, run_lock


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_the_temp_dir_fallback_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    path = lock_path({})
    assert path == tmp_path / f"authentik-provision-{os.getuid()}" / LOCK_NAME
    assert _mode(path.parent) == 0o700
    assert path.parent.stat().st_uid == os.getuid()
    with run_lock(path, timeout=1):
        assert _mode(path) == 0o600


def test_xdg_runtime_dir_is_preferred(tmp_path: Path) -> None:
    path = lock_path({"XDG_RUNTIME_DIR": str(tmp_path)})
    assert path == tmp_path / "authentik-provision" / LOCK_NAME
    assert _mode(path.parent) == 0o700


def test_runtime_directory_is_used_as_given(tmp_path: Path) -> None:
    assert lock_path({"RUNTIME_DIRECTORY": f"{tmp_path}:/other"}) == tmp_path / LOCK_NAME


def test_an_open_directory_of_ours_is_closed_up(tmp_path: Path) -> None:
    directory = tmp_path / "authentik-provision"
    directory.mkdir()
    directory.chmod(0o777)
    lock_path({"XDG_RUNTIME_DIR": str(tmp_path)})
    assert _mode(directory) == 0o700


def test_a_directory_of_another_user_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "authentik-provision").mkdir()
    someone_else = os.getuid() + 4242
    monkeypatch.setattr(lock.os, "getuid", lambda: someone_else)
    with pytest.raises(ConfigError, match="is not a directory owned by this user") as caught:
        lock_path({"XDG_RUNTIME_DIR": str(tmp_path)})
    assert "RUNTIME_DIRECTORY" in str(caught.value)
    assert caught.value.exit_code == 78


def test_a_symlink_in_its_place_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "authentik-provision").symlink_to(elsewhere)
    with pytest.raises(ConfigError, match="is not a directory owned by this user"):
        lock_path({"XDG_RUNTIME_DIR": str(tmp_path)})
