"""What differs between the Authentik releases the fake speaks, one value per recorded release.

Every difference the recordings of 2024.12.5, 2025.10.3, 2026.2.2 and the 2026.8.0-rc1
development build show is a field here; the endpoints read the profile of the fake they serve
(``store.version``) and never compare version strings. Each newer value is written as the
changes from the one before it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from . import page_2024, page_2026, pages
from .login_profile import LOGIN_2024_12, LOGIN_2025_10, LOGIN_2026_2, LoginProfile

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
    # The outpost's redirect to the login sets the session cookie again even when the request
    # carried it (2024.12.5; later only a request without a session gets one).
    outpost_cookie_on_every_redirect: bool = False
    # Django's answers carry ``Content-Language`` (2024.12.5: none of file 13's did).
    content_language: bool = True
    # Lists carry an ``autocomplete`` object (2024.12.5: no such key).
    list_autocomplete: bool = True
    # A 404 for a key that matches nothing names the model ("No Application matches the given
    # query."); else DRF's plain "Not found.".
    not_found_names_model: bool = True
    # The slugs Authentik's OAuth2 URLs use (``authorize``, ``token``...) are refused for
    # applications (2024.12.5 accepted them).
    reserved_slugs_refused: bool = True
    # Groups list their ``children``; a binding's ``group_obj`` is a summary (else the full
    # group with its users and roles, as 2024.12.5 answered it).
    group_children: bool = True
    binding_group_obj_full: bool = False
    # Users carry ``date_joined``, ``password_change_date`` and ``last_updated``.
    user_dates: bool = True
    # Keys of the outpost config this release does not have, and the ones only it has.
    outpost_config_absent: tuple[str, ...] = ()
    outpost_config_added: tuple[tuple[str, object], ...] = ()
    # What the outpost's OIDC configuration advertises about logout.
    oidc_backchannel_logout: bool = True
    oidc_frontchannel_logout: bool = False
    # Each of a provider's ``redirect_uris`` names its ``redirect_uri_type``.
    redirect_uri_type: bool = False
    # Applications have ``meta_hide``: a hidden one is left out of the per-user list.
    application_meta_hide: bool = False
    # The per-user application list cache is dropped when an application changes (2024.12.5
    # dropped it only when one was created, not on PATCH or DELETE; 04c).
    application_list_cleared_on_change: bool = True
    # The outpost's ``health`` lists the embedded outpost's instance (else nothing connected).
    outpost_health_lists_instance: bool = False
    # Where a blueprint is imported in one shot (``/flows/instances/import/`` up to 2026.2;
    # ``/managed/blueprints/import/``, with an optional JSON ``context``, from 2026.5).
    blueprint_import_path: str = "/flows/instances/import/"
    # ``/managed/blueprints/{pk}/apply/`` applies at once (else queues it for the worker), and
    # a refused blueprint's 400 lists each entry's error after "Failed to validate blueprint".
    blueprint_apply_at_once: bool = False
    blueprint_errors_listed: bool = True
    # The import answers the importer's logs (2024.12.5: an empty list), and the blueprint
    # files a release does not ship.
    blueprint_import_logs: bool = True
    blueprint_files_absent: tuple[str, ...] = ()
    # A blueprint instance's ``context`` may be sent as null (2024.12's request model).
    blueprint_context_nullable: bool = False
    # ``/admin/settings/`` holds the page sizes (``pagination_*``, from 2025.12), and
    # ``/core/brands/current/`` the brand's ``flags`` (None: neither endpoint is answered).
    admin_page_size_settings: bool = False
    brand_flags: tuple[str, ...] | None = None

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
    admin_page_size_settings=True,
    brand_flags=("policies_buffered_access_view", "flows_continuous_login", "flows_refresh_others"),
)

# The oldest line the tool supports, as 2025.10.3 differs from it (files 01-13).
V2024_12_5 = replace(
    V2025_10_3,
    name="2024.12.5",
    # The recorded build could not look up newer releases.
    version_latest="0.0.0",
    version_latest_valid=False,
    not_found_page=page_2024.PAGE,
    all_mode_needs_every_binding=True,
    outpost_sign_out_drops_connection=False,
    outpost_cookie_on_every_redirect=True,
    list_autocomplete=False,
    not_found_names_model=False,
    reserved_slugs_refused=False,
    group_children=False,
    binding_group_obj_full=True,
    user_dates=False,
    outpost_config_absent=(
        "kubernetes_httproute_annotations",
        "kubernetes_httproute_parent_refs",
        "kubernetes_ingress_path_type",
    ),
    oidc_backchannel_logout=False,
    application_list_cleared_on_change=False,
    outpost_health_lists_instance=True,
    blueprint_apply_at_once=True,
    blueprint_errors_listed=False,
    blueprint_import_logs=False,
    blueprint_context_nullable=True,
    content_language=False,
    login=LOGIN_2024_12,
    blueprint_files_absent=(
        "example/flows-authenticator-email-setup.yaml",
        "testing/oidc-conformance.yaml",
    ),
)

# A development build of upstream main after 2026.5.0 (it reports 2026.8.0-rc1), not a release:
# what it answers otherwise than 2026.2.2 (files 01-14).
V2026_8_0_RC1 = replace(
    V2026_2_2,
    name="2026.8.0-rc1",
    not_found_page=page_2026.PAGE_2026_8,
    outpost_config_added=(("kubernetes_disable_x509_strict", False),),
    oidc_frontchannel_logout=True,
    redirect_uri_type=True,
    application_meta_hide=True,
    blueprint_import_path="/managed/blueprints/import/",
    outpost_health_lists_instance=True,
    brand_flags=("flows_continuous_login", "flows_refresh_others"),
)

KNOWN: dict[str, AuthentikVersion] = {
    v.name: v for v in (V2024_12_5, V2025_10_3, V2026_2_2, V2026_8_0_RC1)
}
# The default: the newest release (2026.8.0-rc1 is a development build).
NEWEST = V2026_2_2.name


def authentik_version(name: str) -> AuthentikVersion:
    """The profile of a release the fake speaks; ``ValueError`` naming the known ones."""
    profile = KNOWN.get(name.strip())
    if profile is None:
        known = ", ".join(KNOWN)
        raise ValueError(f"the fake Authentik speaks {known}, not {name!r}")
    return profile
