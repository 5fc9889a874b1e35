"""``verify --access``: the summary counts exactly the ok / warn / FAIL lines above it."""

from __future__ import annotations

import re

from provision.testing.fake_authentik import FakeAuthentik
from tests.e2e.conftest import Cli

APPS = [
    {"host": "sonarr.home.example.com", "groups": ["media"]},
    {"host": "jellyfin.home.example.com", "any_user": True},
]


def test_summary_counts_the_lines_above_it(cli: Cli, fake: FakeAuthentik) -> None:
    fake.state.add_group("media")  # no members: a warning, besides the ok lines
    cli.config(APPS)
    assert cli("sync").code == 0
    result = cli("verify", "--access")
    lines = [line for line in result.out.splitlines() if " access " in line]
    summary = next(line for line in result.out.splitlines() if line.startswith("verify --access"))
    counted = re.search(r"\((\d+) ok, (\d+) warn, (\d+) FAIL\)$", summary)
    assert counted is not None, summary
    seen = [sum(line.startswith(f"{s} ") for line in lines) for s in ("ok", "warn", "FAIL")]
    assert [int(n) for n in counted.groups()] == seen
    assert seen[0] >= 2 and seen[1] >= 1, result.out  # an open app's ok line and a warning
    assert summary.startswith("verify --access: 2 apps admit whom they declare")
