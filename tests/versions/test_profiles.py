"""The version profile: one pure value per release, refused below 2024.12, newest beyond."""

from __future__ import annotations

import pytest

from provision.errors import EX_DATAERR, UnsupportedVersionError
from provision.versions import (
    BLUEPRINT_IMPORT,
    FLOW_IMPORT,
    newest_profile,
    profile_for,
    with_page_settings,
)


@pytest.mark.parametrize(
    ("version", "name", "page_size", "icon_write", "slug_max", "parent"),
    [
        # Before 2025.12: meta_icon is read-only (set_icon_url), slugs <= 50, one parent.
        ("2024.12.0", "2024.12", 1000, "set_icon_url", 50, "parent"),
        ("2024.12.5", "2024.12", 1000, "set_icon_url", 50, "parent"),
        ("2025.10.3", "2024.12", 1000, "set_icon_url", 50, "parent"),
        # From 2025.12 (authentik-client models of 2025.12.4, 2026.2.2, 2026.8.5): meta_icon
        # in the body, no set_icon_url, unlimited slugs, parents; 2026.2.2 caps pages at 100.
        ("2025.12.4", "2025.12", 100, "meta_icon", None, "parents"),
        ("2026.2.2", "2025.12", 100, "meta_icon", None, "parents"),
        # From 2026.5 (the 2026.8.0-rc1 build; models of 2026.5.x and 2026.8.x).
        ("2026.5.0", "2026.5", 100, "meta_icon", None, "parents"),
        ("2026.8.0-rc1", "2026.8", 100, "meta_icon", None, "parents"),
        ("2026.8.5", "2026.8", 100, "meta_icon", None, "parents"),
    ],
)
def test_each_release_gets_the_profile_its_behaviour_was_recorded_with(
    version: str, name: str, page_size: int, icon_write: str, slug_max: int | None, parent: str
) -> None:
    profile = profile_for(version)
    assert (profile.version, profile.name, profile.page_size) == (version, name, page_size)
    assert (profile.icon_write, profile.slug_max_length) == (icon_write, slug_max)
    assert profile.group_parent_field == parent
    assert not profile.newer_than_known


def test_a_newer_release_than_known_uses_the_newest_profile_and_says_so() -> None:
    profile = profile_for("2027.2.0")
    assert profile.newer_than_known
    assert profile.name == profile_for("2026.8.0-rc1").name == newest_profile().name
    assert not profile_for("2026.8.3").newer_than_known  # a patch of the newest known line
    assert profile_for("2026.11.0").newer_than_known


@pytest.mark.parametrize(
    ("version", "endpoint", "setting"),
    [
        ("2024.12.5", FLOW_IMPORT, False),
        ("2025.10.3", FLOW_IMPORT, False),
        ("2026.2.2", FLOW_IMPORT, True),
        ("2026.8.0-rc1", BLUEPRINT_IMPORT, True),  # /flows/instances/import/ answered 405
    ],
)
def test_the_blueprint_import_and_the_page_cap_follow_the_line(
    version: str, endpoint: str, setting: bool
) -> None:
    profile = profile_for(version)
    assert (profile.blueprint_import, profile.page_size_setting) == (endpoint, setting)


@pytest.mark.parametrize(
    ("version", "trusted_only"),
    [("2024.12.5", False), ("2026.2.2", False), ("2026.5.3", False), ("2026.8.1", True)],
)
def test_forwarded_headers_count_only_from_trusted_proxy_networks_from_2026_8(
    version: str, trusted_only: bool
) -> None:
    assert profile_for(version).trusted_proxy_networks is trusted_only


def test_a_lowered_page_cap_is_followed() -> None:
    """Recorded in 14: an admin lowered ``pagination_max_page_size`` to 50."""
    profile = profile_for("2026.8.0-rc1")
    assert with_page_settings(profile, {"pagination_max_page_size": 50}).page_size == 50
    for unusable in ({}, {"pagination_max_page_size": "50"}, {"pagination_max_page_size": 0}):
        assert with_page_settings(profile, unusable).page_size == 100
    older = profile_for("2025.10.3")  # no such setting: the cap read there means nothing
    assert with_page_settings(older, {"pagination_max_page_size": 50}).page_size == 1000


@pytest.mark.parametrize("version", ["2024.10.5", "2023.8.1", "2024.8.3"])
def test_releases_before_2024_12_are_refused(version: str) -> None:
    with pytest.raises(UnsupportedVersionError, match=r"older than 2024\.12") as caught:
        profile_for(version)
    assert caught.value.exit_code == EX_DATAERR
    assert version in str(caught.value)


@pytest.mark.parametrize("version", ["", "nginx", "latest", "1.2"])
def test_a_version_that_is_not_a_release_is_refused_with_a_hint(version: str) -> None:
    with pytest.raises(UnsupportedVersionError, match=r"authentik\.url"):
        profile_for(version)


def test_release_candidates_and_prefixes_are_read() -> None:
    assert profile_for("2026.2.0-rc1").icon_write == "meta_icon"
    assert profile_for("v2025.10.3").icon_write == "set_icon_url"
