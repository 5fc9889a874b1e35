"""How one Authentik release behaves, as a pure value read once per run (docs/versions.md).

Every difference between releases that the tool must respect is a field of ``VersionProfile``;
the planner and the applier consult the profile, never a version number. The facts come from
recordings of real servers (2024.12.5, 2025.10.3, 2026.2.2 and a 2026.8.0-rc1 build of upstream
after 2026.5.0) and, for the releases in between, from the official ``authentik-client`` models
of each release:

- up to 2025.10, ``meta_icon`` is read-only in the API (``set_icon_url`` sets it), slugs are at
  most 50 characters, a group has one ``parent`` and ``page_size`` is honoured up to 1,000;
- from 2025.12 on, ``meta_icon`` is written in the application body, ``set_icon_url`` is gone
  (405), slugs are unlimited, a group has ``parents``, and the page cap is an admin setting
  (``/admin/settings/`` ``pagination_max_page_size``, 100 unless lowered);
- from 2026.5 on, a blueprint is imported in one shot by ``/managed/blueprints/import/``
  (``/flows/instances/import/`` answers 405) and applications may be hidden (``meta_hide``);
- from 2026.8 on (release notes only: no build here shows it), ``X-Forwarded-*`` is taken only
  from trusted proxy networks (``AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS``), so a proxy outside
  them gets the 404 page a host not bound gets.

2024.12.5 also accepts the slugs Authentik's OAuth2 URLs use (``authorize``, ``token``): the
tool refuses them itself on every release (``naming.RESERVED_SLUGS``), so they are no profile
field. Every field is read where its difference is decided (a test holds this).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from provision.errors import UnsupportedVersionError

IconWrite = Literal["set_icon_url", "meta_icon"]
Release = tuple[int, int, int]

OLDEST_SUPPORTED: Release = (2024, 12, 0)
TRANSACTIONAL_APPLICATIONS = "/api/v3/core/transactional/applications/"
FLOW_IMPORT = "/api/v3/flows/instances/import/"  # up to 2026.2
BLUEPRINT_IMPORT = "/api/v3/managed/blueprints/import/"  # from 2026.5


@dataclass(frozen=True)
class VersionProfile:
    """What the tool needs to know about one Authentik release.

    Attributes:
        version: the release the server reported, e.g. ``"2026.2.2"``.
        name: the profile in use, named after the first release it describes.
        page_size: the page size to ask for; the tool follows ``pagination.next`` anyway.
        icon_write: how an application's icon URL is written.
        slug_max_length: the server's slug limit (``None``: unlimited).
        group_parent_field: where a group names its parent(s).
        page_size_setting: the page cap is an admin setting; ``with_page_settings`` applies it.
        blueprint_import: the endpoint that imports a blueprint file in one shot.
        trusted_proxy_networks: forwarded headers count only from trusted proxy networks.
        newer_than_known: the server is newer than every profile; the newest one is used.
    """

    version: str
    name: str
    page_size: int
    icon_write: IconWrite
    slug_max_length: int | None
    group_parent_field: str = "parents"
    page_size_setting: bool = False
    blueprint_import: str = FLOW_IMPORT
    trusted_proxy_networks: bool = False
    newer_than_known: bool = False


PROFILE_2025_12 = VersionProfile(
    version="2025.12.0",
    name="2025.12",
    page_size=100,  # the default cap (2026.2.2, 11 and 14); an admin may lower it
    icon_write="meta_icon",
    slug_max_length=None,
    page_size_setting=True,
)
PROFILE_2026_5 = replace(
    PROFILE_2025_12,
    version="2026.5.0",
    name="2026.5",
    blueprint_import=BLUEPRINT_IMPORT,  # the 2026.8.0-rc1 build, 08c and 14
)

# Oldest first; each profile holds from its first release until the next profile's.
PROFILES: tuple[tuple[Release, VersionProfile], ...] = (
    (
        OLDEST_SUPPORTED,
        VersionProfile(
            version="2024.12.0",
            name="2024.12",
            page_size=1000,  # honoured up to 1,000 (recorded on 2025.10.3, 03b and 11)
            icon_write="set_icon_url",
            slug_max_length=50,
            group_parent_field="parent",
        ),
    ),
    (
        (2025, 12, 0),
        PROFILE_2025_12,
    ),
    (
        (2026, 5, 0),
        PROFILE_2026_5,
    ),
    (
        (2026, 8, 0),
        replace(
            PROFILE_2026_5,
            version="2026.8.0",
            name="2026.8",
            trusted_proxy_networks=True,  # release notes; the -rc1 build was asked on loopback
        ),
    ),
)
# The newest line recorded (a development build of the 2026.8 line): anything newer gets a
# warning, a patch or build of this line does not.
NEWEST_KNOWN = "2026.8.0-rc1"


def parse_release(text: str) -> Release | None:
    """``"2026.2.2"`` → ``(2026, 2, 2)``; suffixes such as ``-rc1`` are ignored."""
    found = re.match(r"^\s*v?(\d{4})\.(\d{1,2})(?:\.(\d+))?", text)
    if found is None:
        return None
    return int(found[1]), int(found[2]), int(found[3] or 0)


def profile_for(version: str) -> VersionProfile:
    """The profile of the release ``version`` (as ``/admin/version/`` reports it).

    Raises:
        UnsupportedVersionError: the release is older than 2024.12 or not a release number.
    """
    release = parse_release(version)
    if release is None:
        raise UnsupportedVersionError(
            f"Authentik reported version {version!r}, which is not a release number;"
            " is authentik.url pointing at an Authentik server?"
        )
    if release < OLDEST_SUPPORTED:
        raise UnsupportedVersionError(
            f"Authentik {version} is older than 2024.12, the oldest release this tool supports"
            " (invalidation flows and the transactional application API are needed);"
            " upgrade Authentik first"
        )
    chosen = PROFILES[0][1]
    for first, profile in PROFILES:
        if release >= first:
            chosen = profile
    newest = parse_release(NEWEST_KNOWN)
    newer = newest is not None and release[:2] > newest[:2]
    return replace(chosen, version=version.strip(), newer_than_known=newer)


def with_page_settings(profile: VersionProfile, settings: Mapping[str, Any]) -> VersionProfile:
    """``profile`` asking for the page size ``/admin/settings/`` caps lists at.

    From 2025.12 an admin may lower ``pagination_max_page_size`` (recorded at 50 on 2026.2.2 and
    the 2026.8 build: a request for 1,000 then gets 50 and ``next: 2``). An answer without a
    usable cap leaves the profile's own.
    """
    cap = settings.get("pagination_max_page_size")
    if not profile.page_size_setting or isinstance(cap, bool) or not isinstance(cap, int):
        return profile
    return replace(profile, page_size=cap) if cap >= 1 else profile


def newest_profile() -> VersionProfile:
    """The profile of the newest recorded release (used where no server is asked)."""
    return profile_for(NEWEST_KNOWN)
