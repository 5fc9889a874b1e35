"""``sync --verify``'s default wait covers every outpost refresh recorded on a real server.

File 13 of each release times, after the outpost PATCH, how long until the bound hosts were
served (``served_after_s``): up to 60.5 s on 2024.12.5 and 69.8 s on the 2026.8 build.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provision.settings import OutpostSettings

RECORDED = Path(__file__).parents[1] / "data" / "authentik"
RELEASES = sorted(path for path in RECORDED.iterdir() if path.is_dir())


def _slowest_refresh(release: Path) -> float:
    exchanges = json.loads((release / "13-outpost-forward-auth.json").read_text())
    served = [
        seconds
        for exchange in exchanges
        if isinstance(exchange.get("note"), dict)
        for seconds in exchange["note"].get("served_after_s", {}).values()
    ]
    assert served, f"{release.name}: no refresh trial recorded"
    return max(served)


@pytest.mark.parametrize("release", RELEASES, ids=lambda path: path.name)
def test_the_default_wait_outlasts_the_slowest_recorded_refresh(release: Path) -> None:
    assert OutpostSettings().refresh_wait > _slowest_refresh(release)


def test_the_slowest_refresh_recorded_is_the_2026_8_builds() -> None:
    slowest = {path.name: _slowest_refresh(path) for path in RELEASES}
    assert max(slowest, key=slowest.__getitem__) == "2026.8.0-rc1"
    assert slowest["2026.8.0-rc1"] > 60  # the old default of 60 s was too short for it
