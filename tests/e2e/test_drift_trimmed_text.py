"""Authentik trims every text field it stores: a config with spaces or a final newline around
its values converges after one sync, against the fake (which trims as recording 08a shows)."""

from __future__ import annotations

import pytest

from provision.testing.fake_authentik import FakeAuthentik
from tests.e2e.conftest import Cli
from tests.support.versions import AUTHENTIK_VERSIONS

pytestmark = pytest.mark.parametrize("authentik_version", AUTHENTIK_VERSIONS, indirect=True)

SPACED = [
    {
        "host": "sonarr.home.example.com",
        "name": "Sonarr ",
        "groups": ["media"],
        "group": " Media\n",
        "description": "TV series\n",  # what a YAML `|` block gives
        "icon": "https://icons.example.com/sonarr.png ",
        "launch_url": "https://sonarr.home.example.com/\n",
        "skip_path_regex": "^/api/\n^/health$\n",
        "access_token_validity": "hours=12\n",
    },
    {"host": "radarr.home.example.com", "slug": "radarr\n", "any_user": True},
]


def test_surrounding_whitespace_converges_after_one_sync(cli: Cli, fake: FakeAuthentik) -> None:
    fake.state.add_group("media")
    cli.config(SPACED, owner="household ")
    first = cli("sync")
    assert first.code == 0, first.err
    provider = next(p for p in fake.state.proxy_providers() if p["name"] == "Provider for Sonarr")
    assert provider["skip_path_regex"] == "^/api/\n^/health$"  # stored trimmed
    fake.clear_log()
    again = cli("plan", "--detailed-exitcode")
    assert again.code == 0, again.out + again.err
    assert "No changes" in again.out
    second = cli("sync")
    assert second.code == 0, second.err
    assert fake.writes() == []
    owned = {a["slug"]: a["meta_publisher"] for a in fake.state.applications()}
    assert owned == {"sonarr": "household", "radarr": "household"}


def test_group_names_are_matched_as_authentik_stores_them(cli: Cli, fake: FakeAuthentik) -> None:
    media = fake.state.add_group("media")
    cli.config([{"host": "sonarr.home.example.com", "groups": [" media", "media\n"]}])
    assert cli("sync").code == 0
    bound = [b["group"] for b in fake.state.policy_bindings()]
    assert bound == [media["pk"]]
    assert "No changes" in cli("plan").out
