"""``/core/groups/`` (transcript 09): ``name`` filters exactly, ``name__iexact`` is ignored."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from . import crud, serializers
from .fields import ErrorDetail, Errors, read_body
from .listing import listing, ordered, search
from .routing import (
    DETAIL_ALLOW,
    LIST_ALLOW,
    ApiRequest,
    ApiResponse,
    Route,
    ok,
    query_flag,
    route,
)
from .store import Record, Store

MODEL = "Group"
# Groups are the one list here that Authentik answers with query-language autocompletion.
AUTOCOMPLETE: Record = {
    "current_model": "authentik_core.group",
    "models": {
        "authentik_core.group": {
            "name": {"type": "str", "nullable": False, "options": None},
            "is_superuser": {"type": "bool", "nullable": True, "options": None},
            "attributes": {
                "type": "relation",
                "nullable": False,
                "options": None,
                "relation": "authentik_core.group_attributes",
            },
        }
    },
}


def save_group(
    store: Store, instance: Record | None, body: Mapping[str, Any], *, partial: bool
) -> tuple[Record | None, Errors]:
    """Create or update a group; names are unique."""
    data, errors = read_body(store.rules.group, body, partial=partial, exists=store.exists)
    name = data.get("name")
    if name is not None and any(
        g["name"] == name and g is not instance for g in store.groups.values()
    ):
        errors["name"] = [ErrorDetail(store.version.group_name_taken, "unique")]
    if errors:
        return None, errors
    children = data.pop("children", None)
    if "parent" in data:  # 2025.10.3: one parent
        parent = data.pop("parent")
        data["parents"] = [parent] if parent else []
    record = instance
    if record is None:
        record = {
            "pk": str(uuid.uuid4()),
            "num_pk": store.num_pk(),
            "is_superuser": False,
            "parents": [],
            "users": [],
            "attributes": {},
            "roles": [],
        }
    record.update(data)
    store.groups[record["pk"]] = record
    for child in children or []:
        store.groups[child]["parents"] = [record["pk"]]
    return record, {}


def delete_group(store: Store, record: Record) -> None:
    """Delete a group with its policy bindings; its children lose it as a parent."""
    del store.groups[record["pk"]]
    for pk in [pk for pk, b in store.bindings.items() if b["group"] == record["pk"]]:
        del store.bindings[pk]
    for child in store.groups.values():
        child["parents"] = [pk for pk in child["parents"] if pk != record["pk"]]
    store.forget_application_lists()


def list_groups(store: Store, request: ApiRequest) -> ApiResponse:
    query = request.query
    records = list(store.groups.values())
    if "name" in query:
        records = [g for g in records if g["name"] == query["name"]]
    if query.get("is_superuser", "").lower() in ("true", "false"):
        wanted = query["is_superuser"].lower() == "true"
        records = [g for g in records if g["is_superuser"] == wanted]
    if query.get("members_by_username"):
        members = {
            u["pk"] for u in store.users.values() if u["username"] == query["members_by_username"]
        }
        records = [g for g in records if members & set(g["users"])]
    if query.get("search"):
        records = search(records, query["search"], lambda g: [g["name"]])
    include_users = query_flag(query, "include_users", default=True)
    records = ordered(records, query, ["name"])
    return listing(
        store.version,
        records,
        query,
        lambda g: serializers.group(store, g, include_users=include_users),
        AUTOCOMPLETE,
    )


def _lookup(store: Store, request: ApiRequest) -> Record | ApiResponse:
    return crud.by_pk(store.groups, crud.uuid_key(request.params["pk"]), MODEL)


def _retrieve(store: Store, request: ApiRequest, record: Record) -> ApiResponse:
    include_users = query_flag(request.query, "include_users", default=True)
    return ok(serializers.group(store, record, include_users=include_users))


create = crud.create(save_group, serializers.group)
# Only a read honours ``include_users``; a saved group always comes back with its users.
DETAIL = {
    **crud.detail(_lookup, save_group, serializers.group, delete_group),
    "GET": crud.on_record(_lookup, _retrieve),
}


ROUTES: list[Route] = [
    route("/core/groups/", {"GET": list_groups, "POST": create}, LIST_ALLOW),
    route("/core/groups/{pk}/", DETAIL, DETAIL_ALLOW),
]
