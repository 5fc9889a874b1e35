"""``/providers/proxy/``, ``/providers/all/`` and ``/outposts/proxy/`` (transcripts 02, 03*, 07)."""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from typing import Any

from . import crud, serializers
from .fields import ErrorDetail, Errors, read_body
from .listing import iexact, listing, ordered, search
from .routing import (
    DETAIL_ALLOW,
    LIST_ALLOW,
    READ_ALLOW,
    ApiRequest,
    ApiResponse,
    Route,
    int_key,
    route,
)
from .store import Record, Store

MODEL = "ProxyProvider"
DEFAULTS: Record = {
    "authentication_flow": None,
    "property_mappings": [],
    "internal_host": "",
    "internal_host_ssl_validation": True,
    "certificate": None,
    "skip_path_regex": "",
    "basic_auth_enabled": False,
    "basic_auth_password_attribute": "",
    "basic_auth_user_attribute": "",
    "mode": "proxy",
    "intercept_header_auth": True,
    "cookie_domain": "",
    "jwt_federation_sources": [],
    "jwt_federation_providers": [],
    "access_token_validity": "hours=1",
    "refresh_token_validity": "days=30",
}
FILTERED_FIELDS = (
    "name",
    "external_host",
    "internal_host",
    "mode",
    "cookie_domain",
    "skip_path_regex",
    "basic_auth_enabled",
    "basic_auth_user_attribute",
    "basic_auth_password_attribute",
    "internal_host_ssl_validation",
)
_ALPHANUMERIC = string.ascii_letters + string.digits


def _random(length: int, alphabet: str = _ALPHANUMERIC) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _object_problems(data: Mapping[str, Any]) -> Errors:
    """The serializer's ``validate()``: it looks at the request body only, even on PATCH."""
    if data.get("mode", "proxy") == "proxy" and not data.get("internal_host"):
        message = "Internal host cannot be empty when forward auth is disabled."
        return {"internal_host": [ErrorDetail(message, "invalid")]}
    if data.get("basic_auth_enabled") and not (
        data.get("basic_auth_user_attribute") and data.get("basic_auth_password_attribute")
    ):
        message = "User and password attributes must be set when basic auth is enabled."
        return {"basic_auth_enabled": [ErrorDetail(message, "invalid")]}
    return {}


def _new_provider(store: Store) -> Record:
    return {
        "pk": store.provider_pk(),
        **{k: list(v) if isinstance(v, list) else v for k, v in DEFAULTS.items()},
        "client_id": _random(40),
        "client_secret": _random(128),
        "cookie_secret": _random(32, string.ascii_uppercase + string.digits),
    }


def _validated(
    store: Store, instance: Record | None, body: Mapping[str, Any], *, partial: bool
) -> tuple[dict[str, Any], Errors]:
    data, errors = read_body(store.rules.proxy_provider, body, partial=partial, exists=store.exists)
    if "name" in data and any(
        p["name"] == data["name"] and p is not instance for p in store.providers.values()
    ):
        errors["name"] = [ErrorDetail("provider with this name already exists.", "unique")]
    return data, errors or _object_problems(data)


def provider_problems(store: Store, body: Mapping[str, Any]) -> Errors:
    """Why a new proxy provider with ``body`` would be refused (nothing is saved)."""
    return _validated(store, None, body, partial=False)[1]


def save_proxy_provider(
    store: Store, instance: Record | None, body: Mapping[str, Any], *, partial: bool
) -> tuple[Record | None, Errors]:
    """Create (``instance`` None) or update a proxy provider; (record, {}) or (None, errors)."""
    data, errors = _validated(store, instance, body, partial=partial)
    if errors:
        return None, errors
    record = instance if instance is not None else _new_provider(store)
    record.update(data)
    # Authentik adds its default scope mappings on every save, whatever was sent.
    mappings = list(record["property_mappings"])
    mappings += [pk for pk in store.property_mappings if pk not in mappings]
    record["property_mappings"] = mappings
    record["row"] = store.row()
    store.providers[record["pk"]] = record
    return record, {}


def delete_proxy_provider(store: Store, record: Record) -> None:
    """Delete a provider; outposts drop it and its application keeps no provider."""
    del store.providers[record["pk"]]
    for outpost in store.outposts.values():
        outpost["providers"] = [pk for pk in outpost["providers"] if pk != record["pk"]]
    for application in store.applications.values():
        if application["provider"] == record["pk"]:
            application["provider"] = None
        application["backchannel_providers"] = [
            pk for pk in application["backchannel_providers"] if pk != record["pk"]
        ]


def _filtered(store: Store, query: Mapping[str, str]) -> list[Record]:
    records: list[Record] = iexact(store.providers.values(), query, FILTERED_FIELDS)
    flow_slug = query.get("authorization_flow__slug__iexact")
    if flow_slug is not None:
        records = [
            r
            for r in records
            if store.flows.get(r["authorization_flow"], {}).get("slug", "").casefold()
            == flow_slug.casefold()
        ]
    linked = query.get("application__isnull", "").lower()
    if linked in ("true", "false"):
        wanted_unlinked = linked == "true"
        records = [r for r in records if (store.application_of(r["pk"]) is None) == wanted_unlinked]
    if query.get("search"):
        records = search(records, query["search"], lambda r: [r["name"]])
    return records


def list_providers(store: Store, request: ApiRequest) -> ApiResponse:
    records = ordered(_filtered(store, request.query), request.query, ["name"])
    return listing(
        store.version, records, request.query, lambda r: serializers.proxy_provider(store, r)
    )


def _lookup(store: Store, request: ApiRequest) -> Record | ApiResponse:
    return crud.by_pk(store.providers, int_key(request.params["pk"]), MODEL)


create = crud.create(save_proxy_provider, serializers.proxy_provider)
DETAIL = crud.detail(
    _lookup, save_proxy_provider, serializers.proxy_provider, delete_proxy_provider
)


def list_all(store: Store, request: ApiRequest) -> ApiResponse:
    """``/providers/all/``: every provider, in the order the database keeps them."""
    records = sorted(_filtered(store, request.query), key=lambda r: r["row"])
    records = ordered(records, request.query, [])
    return listing(
        store.version, records, request.query, lambda r: serializers.provider_summary(store, r)
    )


def list_outpost_configs(store: Store, request: ApiRequest) -> ApiResponse:
    """``/outposts/proxy/``: providers of applications, as an outpost fetches them."""
    records = [r for r in store.providers.values() if store.application_of(r["pk"]) is not None]
    if request.query.get("search"):
        records = search(records, request.query["search"], lambda r: [r["name"]])
    records = ordered(records, request.query, ["name"])
    return listing(
        store.version, records, request.query, lambda r: serializers.proxy_outpost_config(store, r)
    )


ROUTES: list[Route] = [
    route("/providers/proxy/", {"GET": list_providers, "POST": create}, LIST_ALLOW),
    route("/providers/proxy/{pk}/", DETAIL, DETAIL_ALLOW),
    route("/providers/all/", {"GET": list_all}, READ_ALLOW),
    route("/outposts/proxy/", {"GET": list_outpost_configs}, READ_ALLOW),
]
