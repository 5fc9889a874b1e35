"""The CLI against the fake in each release it speaks: the 2026.8 build is a known line.

The fake answers ``/admin/version/`` with the release of its mode, so ``provision sync``
against the 2026.8.0-rc1 build must run without the "newer than known" warning, and against
2024.12.5 (the oldest line) as well; a made-up 2027.2 is covered with a scripted server in
``tests/errors/test_exit_codes_cli.py`` (exactly one warning).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from provision.cli import main
from provision.testing.fake_authentik import AUTHENTIK_VERSIONS, FakeAuthentik
from tests.reliability.conftest import TOKEN, environ, write_config

APPS = [{"host": "sonarr.home.example.com", "groups": ["media"]}]
WARNING = "newer than the newest release this tool knows"


@pytest.mark.parametrize("version", AUTHENTIK_VERSIONS)
def test_every_release_the_fake_speaks_syncs_without_the_newer_warning(
    version: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    with FakeAuthentik(token=TOKEN, authentik_version=version) as fake:
        fake.state.add_group("media")
        config = write_config(tmp_path / "provision.yaml", fake, APPS)
        code = main(["--config", str(config), "sync"], environ(tmp_path))
        err = capsys.readouterr().err
        assert code == 0, err
        assert [a["slug"] for a in fake.state.applications()] != []
    assert WARNING not in err + caplog.text
