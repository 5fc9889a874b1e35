"""``/admin/settings/`` and ``/core/brands/current/`` as 2026.2.2 and 2026.8.0-rc1 answer them (14).

From 2025.12 the page sizes are admin settings (``pagination_default_page_size``,
``pagination_max_page_size``): a PATCH changes every list the fake answers afterwards, which
is why the store's release profile carries them (``store.version``).
"""

from __future__ import annotations

from dataclasses import replace

from .fields import ErrorDetail, Errors
from .routing import ApiRequest, ApiResponse, Route, body_object, ok, rejected, route
from .store import Record, Store

PAGE_SIZES = ("pagination_default_page_size", "pagination_max_page_size")
SETTINGS: Record = {
    "avatars": "initials",
    "default_user_change_name": True,
    "default_user_change_email": False,
    "default_user_change_username": False,
    "event_retention": "days=365",
    "reputation_lower_limit": -5,
    "reputation_upper_limit": 5,
    "footer_links": [],
    "gdpr_compliance": True,
    "impersonation": True,
    "impersonation_require_reason": True,
    "default_token_duration": "minutes=30",
    "default_token_length": 60,
}
BRAND: Record = {
    "matched_domain": "authentik-default",
    "branding_title": "authentik",
    "branding_logo": "/static/dist/assets/icons/icon_left_brand.svg",
    "branding_logo_themed_urls": None,
    "branding_favicon": "/static/dist/assets/icons/icon.png",
    "branding_favicon_themed_urls": None,
    "branding_custom_css": "",
    "ui_footer_links": [],
    "ui_theme": "automatic",
    "flow_authentication": "default-authentication-flow",
    "flow_invalidation": "default-invalidation-flow",
    "flow_user_settings": "default-user-settings-flow",
    "default_locale": "",
}


def _settings(store: Store) -> Record:
    return SETTINGS | {
        "pagination_default_page_size": store.version.default_page_size,
        "pagination_max_page_size": store.version.max_page_size,
        "flags": dict(store.settings_flags),
    }


def retrieve_settings(store: Store, request: ApiRequest) -> ApiResponse:
    return ok(_settings(store))


def _page_sizes(body: Record) -> tuple[dict[str, int], Errors]:
    sizes, errors = {}, {}
    for name in PAGE_SIZES:
        if name not in body:
            continue
        value = body[name]
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = [ErrorDetail("A valid integer is required.", "invalid")]
        elif value < 1:
            message = "Ensure this value is greater than or equal to 1."
            errors[name] = [ErrorDetail(message, "min_value")]
        else:
            sizes[name] = value
    return sizes, errors


def update_settings(store: Store, request: ApiRequest) -> ApiResponse:
    """Only the page sizes change anything in the fake; the other settings are answered as
    a fresh install has them."""
    body, problem = body_object(request)
    if problem is not None:
        return problem
    sizes, errors = _page_sizes(body)
    if errors:
        return rejected(errors)
    store.version = replace(
        store.version,
        default_page_size=sizes.get(PAGE_SIZES[0], store.version.default_page_size),
        max_page_size=sizes.get(PAGE_SIZES[1], store.version.max_page_size),
    )
    return ok(_settings(store))


def current_brand(store: Store, request: ApiRequest) -> ApiResponse:
    flags = {name: False for name in store.version.brand_flags or ()}
    return ok(BRAND | {"flags": flags})


ROUTES: list[Route] = [
    route(
        "/admin/settings/",
        {"GET": retrieve_settings, "PUT": update_settings, "PATCH": update_settings},
        ("GET", "PUT", "PATCH"),
        present=lambda version: version.admin_page_size_settings,
    ),
    route(
        "/core/brands/current/",
        {"GET": current_brand},
        ("GET",),
        open_to_all=frozenset({"GET"}),
        present=lambda version: version.brand_flags is not None,
    ),
]
