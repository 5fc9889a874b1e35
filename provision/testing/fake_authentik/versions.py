"""What differs between the Authentik releases the fake speaks, one value per recorded release.

Every difference the recordings of 2025.10.3 and 2026.2.2 show is a field here; the endpoints
read the profile of the fake they serve (``store.version``) and never compare version strings.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import page_2026, pages
from .login_profile import LOGIN_2025_10, LOGIN_2026_2, LoginProfile

SLUG_WORD_STRAIGHT = '"slug"'
SLUG_WORD_TYPOGRAPHIC = "\u201cslug\u201d"


@dataclass(frozen=True)
class AuthentikVersion:
    """How one Authentik release answers where releases differ."""

    name: str
    # ``/admin/version/``: what the server believes is the newest release.
    version_latest: str
    version_latest_valid: bool
    # The ``Content-Type`` of JSON answers, and the HTML page of an unknown path.
    json_content_type: str
    not_found_page: str
    # An ``Authorization`` scheme other than Bearer counts as no credentials (else it is
    # refused as an unsupported authentication type).
    other_schemes_are_anonymous: bool
    # Lists: the page size without ``page_size``, and the most ``page_size`` may ask for.
    default_page_size: int
    max_page_size: int
    # ``meta_icon`` in POST/PATCH bodies sets the icon (else it is ignored and only
    # ``set_icon_url`` sets it); answers then carry ``meta_icon_url`` and the themed URLs.
    icon_in_body: bool
    set_icon_url: bool
    # Application slugs: the longest allowed (None: no limit), and how DRF quotes "slug".
    slug_max_length: int | None
    slug_word: str
    # Groups have several ``parents`` (else one ``parent``) and list inherited roles.
    group_parents: bool
    group_name_taken: str
    # An outpost lists its providers in the order they were linked to it (else in the order
    # the providers were last saved).
    outpost_providers_in_link_order: bool
    # ``policy_engine_mode: all`` needs every group binding to pass (else one is enough).
    all_mode_needs_every_binding: bool
    # Read-only fields added to answers.
    provider_backchannel_fields: bool
    flow_background_url: bool
    user_roles: bool
    # The outpost's ``sign_out`` of a logged-in session closes the connection unanswered (the
    # Go server panics) and the session stays valid; else 302 to the end-session URL (file 13).
    outpost_sign_out_drops_connection: bool
    # How a browser login runs (the authorize endpoint, the flow executor, the denied page).
    login: LoginProfile

    @property
    def slug_message(self) -> str:
        return (
            f"Enter a valid {self.slug_word} consisting of letters, numbers, underscores or "
            "hyphens."
        )


V2025_10_3 = AuthentikVersion(
    name="2025.10.3",
    version_latest="2025.10.3",
    version_latest_valid=True,
    json_content_type="application/json; charset=utf-8",
    not_found_page=pages.NOT_FOUND_PAGE,
    other_schemes_are_anonymous=False,
    default_page_size=100,
    max_page_size=1000,
    icon_in_body=False,
    set_icon_url=True,
    slug_max_length=50,
    slug_word=SLUG_WORD_STRAIGHT,
    group_parents=False,
    group_name_taken="This field must be unique.",
    all_mode_needs_every_binding=False,
    outpost_providers_in_link_order=False,
    provider_backchannel_fields=False,
    flow_background_url=False,
    user_roles=False,
    outpost_sign_out_drops_connection=True,
    login=LOGIN_2025_10,
)

V2026_2_2 = AuthentikVersion(
    name="2026.2.2",
    # The recorded build could not look up newer releases.
    version_latest="0.0.0",
    version_latest_valid=False,
    json_content_type="application/json",
    not_found_page=page_2026.PAGE,
    other_schemes_are_anonymous=True,
    default_page_size=20,
    max_page_size=100,
    icon_in_body=True,
    set_icon_url=False,
    slug_max_length=None,
    slug_word=SLUG_WORD_TYPOGRAPHIC,
    group_parents=True,
    group_name_taken="Group with this name already exists.",
    all_mode_needs_every_binding=True,
    outpost_providers_in_link_order=True,
    provider_backchannel_fields=True,
    flow_background_url=True,
    user_roles=True,
    outpost_sign_out_drops_connection=False,
    login=LOGIN_2026_2,
)

KNOWN: dict[str, AuthentikVersion] = {v.name: v for v in (V2025_10_3, V2026_2_2)}
NEWEST = V2026_2_2.name


def authentik_version(name: str) -> AuthentikVersion:
    """The profile of a release the fake speaks; ``ValueError`` naming the known ones."""
    profile = KNOWN.get(name.strip())
    if profile is None:
        known = ", ".join(KNOWN)
        raise ValueError(f"the fake Authentik speaks {known}, not {name!r}")
    return profile
