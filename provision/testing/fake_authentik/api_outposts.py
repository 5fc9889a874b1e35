"""``/outposts/instances/`` (transcripts 05a-05d): the embedded outpost and its provider list."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from . import crud, seed, serializers
from .api_core import now
from .fields import ErrorDetail, Errors, read_body
from .listing import listing, ordered, search
from .routing import (
    DETAIL_ALLOW,
    LIST_ALLOW,
    READ_ALLOW,
    ApiRequest,
    ApiResponse,
    Route,
    ok,
    route,
)
from .store import Record, Store

MODEL = "Outpost"


def _is_embedded(record: Record | None) -> bool:
    return record is not None and record["managed"] == seed.EMBEDDED_OUTPOST_MANAGED


def _field_problems(store: Store, instance: Record | None, data: Mapping[str, Any]) -> Errors:
    errors: Errors = {}
    name = data.get("name")
    if name is not None and any(
        o["name"] == name and o is not instance for o in store.outposts.values()
    ):
        errors["name"] = [ErrorDetail("Outpost with this name already exists.", "unique")]
    elif name is not None and _is_embedded(instance) and instance and name != instance["name"]:
        errors["name"] = [ErrorDetail("Embedded outpost's name cannot be changed", "invalid")]
    providers = data.get("providers")
    if providers is not None:
        kind = data.get("type", instance["type"] if instance else "proxy")
        if not providers and not _is_embedded(instance):
            errors["providers"] = [ErrorDetail("This list may not be empty.", "empty")]
        elif providers and kind != "proxy":
            message = f"Outpost type {kind} can't be used with ProxyProvider providers."
            errors["providers"] = [ErrorDetail(message, "invalid")]
    return errors


def save_outpost(
    store: Store, instance: Record | None, body: Mapping[str, Any], *, partial: bool
) -> tuple[Record | None, Errors]:
    """Create or update an outpost; ``providers`` replaces the list (duplicates folded)."""
    data, errors = read_body(store.rules.outpost, body, partial=partial, exists=store.exists)
    errors = {**_field_problems(store, instance, data), **errors}
    if errors:
        return None, errors
    record = instance
    if record is None:
        record = {"pk": str(uuid.uuid4()), "service_connection": None, "managed": None}
    linked = [pk for pk in record.get("providers", []) if pk in data.get("providers", [])]
    record.update(data)
    # Django's ``set()``: links kept stay where they were, new ones come after them.
    record["providers"] = list(dict.fromkeys([*linked, *record.get("providers", [])]))
    store.outposts[record["pk"]] = record
    return record, {}


def _providers_by_pk(store: Store, text: str) -> int | ApiResponse:
    pk = int(text) if text.strip().isdigit() else None
    if pk is None or pk not in store.providers:
        message = f"Select a valid choice. {text} is not one of the available choices."
        return ApiResponse(400, {"providers_by_pk": [message]})
    return pk


def _filtered(store: Store, query: Mapping[str, str]) -> list[Record] | ApiResponse:
    records = list(store.outposts.values())
    for name in ("managed", "name"):
        exact, contains = query.get(f"{name}__iexact"), query.get(f"{name}__icontains")
        if exact is not None:
            records = [r for r in records if (r[name] or "").casefold() == exact.casefold()]
        if contains is not None:
            records = [r for r in records if contains.casefold() in (r[name] or "").casefold()]
    if "providers_by_pk" in query:
        pk = _providers_by_pk(store, query["providers_by_pk"])
        if isinstance(pk, ApiResponse):
            return pk
        records = [r for r in records if pk in r["providers"]]
    empty = query.get("providers__isnull", "").lower()
    if empty in ("true", "false"):
        records = [r for r in records if (not r["providers"]) == (empty == "true")]
    if any(key.startswith("service_connection__name__") for key in query):
        records = []  # no outpost of the fake has a service connection
    if query.get("search"):
        records = search(records, query["search"], lambda r: _searched_fields(store, r))
    return records


def _searched_fields(store: Store, record: Record) -> list[Any]:
    names = [store.providers[pk]["name"] for pk in record["providers"] if pk in store.providers]
    return [record["name"], *names]


def list_outposts(store: Store, request: ApiRequest) -> ApiResponse:
    records = _filtered(store, request.query)
    if isinstance(records, ApiResponse):
        return records
    records = ordered(records, request.query, ["name"])
    return listing(store.version, records, request.query, lambda r: serializers.outpost(store, r))


def _lookup(store: Store, request: ApiRequest) -> Record | ApiResponse:
    return crud.by_pk(store.outposts, crud.uuid_key(request.params["pk"]), MODEL)


def delete_outpost(store: Store, record: Record) -> None:
    del store.outposts[record["pk"]]


def _health(store: Store, request: ApiRequest, record: Record) -> ApiResponse:
    """The fake's embedded outpost answers on its own port; 2024.12.5 lists it, later none."""
    if not (store.version.outpost_health_lists_instance and record["managed"]):
        return ok([])
    return ok([_instance(store.version.name)])


def _instance(version: str) -> Record:
    """The embedded outpost's one connected instance, as 2024.12.5's ``health`` lists it."""
    return {
        "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, "embedded-outpost")),
        "last_seen": now(),
        "version": version,
        "golang_version": "go1.26.8",
        "openssl_enabled": False,
        "openssl_version": "",
        "fips_enabled": None,
        "version_should": version,
        "version_outdated": False,
        "build_hash": "",
        "build_hash_should": "",
        "hostname": "localhost",
    }


create = crud.create(save_outpost, serializers.outpost)
DETAIL = crud.detail(_lookup, save_outpost, serializers.outpost, delete_outpost)
health = crud.on_record(_lookup, _health)


def default_settings(store: Store, request: ApiRequest) -> ApiResponse:
    config = seed.outpost_config(store.version, authentik_host=f"{store.base_url}/")
    return ok({"config": config})


ROUTES: list[Route] = [
    route("/outposts/instances/", {"GET": list_outposts, "POST": create}, LIST_ALLOW),
    route("/outposts/instances/default_settings/", {"GET": default_settings}, READ_ALLOW),
    route("/outposts/instances/{pk}/", DETAIL, DETAIL_ALLOW),
    route("/outposts/instances/{pk}/health/", {"GET": health}, READ_ALLOW),
]
