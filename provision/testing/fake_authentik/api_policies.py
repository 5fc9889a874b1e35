"""``/policies/bindings/`` (transcript 09): group bindings that decide who may open an app."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from . import crud, serializers
from .fields import ErrorDetail, Errors, read_body
from .listing import listing, ordered
from .routing import (
    DETAIL_ALLOW,
    LIST_ALLOW,
    ApiRequest,
    ApiResponse,
    Route,
    route,
)
from .store import Record, Store

MODEL = "PolicyBinding"
SUBJECTS = ("group", "policy", "user")
DEFAULTS: Record = {
    "policy": None,
    "group": None,
    "user": None,
    "negate": False,
    "enabled": True,
    "timeout": 30,
    "failure_result": False,
}


def _subject_problem(data: Mapping[str, Any]) -> Errors:
    """Exactly one subject, judged from the request body alone (so PATCH must repeat it)."""
    count = sum(1 for name in SUBJECTS if data.get(name))
    names = ", ".join(f"'{name}'" for name in SUBJECTS)
    if count > 1:
        return {"non_field_errors": [ErrorDetail(f"Only one of {names} can be set.", "invalid")]}
    if count < 1:
        return {"non_field_errors": [ErrorDetail(f"One of {names} must be set.", "invalid")]}
    return {}


def binding_problems(store: Store, body: Mapping[str, Any]) -> Errors:
    """What refuses a binding whose target is given elsewhere (the transactional endpoint)."""
    data, errors = read_body(
        store.rules.transaction_policy_binding, body, partial=False, exists=store.exists
    )
    return errors or _subject_problem(data)


def save_policy_binding(
    store: Store, instance: Record | None, body: Mapping[str, Any], *, partial: bool
) -> tuple[Record | None, Errors]:
    """Create or update a binding; the same binding may exist twice (Authentik allows it)."""
    data, errors = read_body(store.rules.policy_binding, body, partial=partial, exists=store.exists)
    errors = errors or _subject_problem(data)
    if errors:
        return None, errors
    record = instance if instance is not None else {"pk": str(uuid.uuid4()), **DEFAULTS}
    record.update(data)
    store.bindings[record["pk"]] = record
    store.forget_application_lists()
    return record, {}


def _filtered(store: Store, query: Mapping[str, str]) -> list[Record] | ApiResponse:
    records = list(store.bindings.values())
    wanted: dict[str, list[str]] = {}
    for name in ("target", "target_in", "policy"):
        if name in query:
            values = query[name].split(",") if name == "target_in" else [query[name]]
            try:
                wanted[name] = [str(uuid.UUID(v.strip())) for v in values]
            except ValueError:
                return ApiResponse(400, {name: ["Enter a valid UUID."]})
    for name, values in wanted.items():
        field = "target" if name == "target_in" else name
        records = [r for r in records if r[field] in values]
    if query.get("policy__isnull", "").lower() in ("true", "false"):
        empty = query["policy__isnull"].lower() == "true"
        records = [r for r in records if (r["policy"] is None) == empty]
    for name in ("enabled", "order", "timeout"):
        if name in query:
            records = [r for r in records if str(r[name]).lower() == query[name].lower()]
    return records


def list_bindings(store: Store, request: ApiRequest) -> ApiResponse:
    records = _filtered(store, request.query)
    if isinstance(records, ApiResponse):
        return records
    records = ordered(records, request.query, ["order", "pk"])
    return listing(
        store.version, records, request.query, lambda r: serializers.policy_binding(store, r)
    )


def _lookup(store: Store, request: ApiRequest) -> Record | ApiResponse:
    return crud.by_pk(store.bindings, crud.uuid_key(request.params["pk"]), MODEL)


def delete_policy_binding(store: Store, record: Record) -> None:
    del store.bindings[record["pk"]]
    store.forget_application_lists()


def _patch_without_target(
    store: Store, request: ApiRequest, body: Mapping[str, Any]
) -> ApiResponse | None:
    partial = request.method == "PATCH"
    data, errors = read_body(store.rules.policy_binding, body, partial=partial, exists=store.exists)
    if partial and not errors and "target" not in data:
        # Recorded as is: without a target the server fails inside validation and answers
        # 405 with an empty body.
        return ApiResponse(405, "")
    return None


create = crud.create(save_policy_binding, serializers.policy_binding)
DETAIL = crud.detail(
    _lookup,
    save_policy_binding,
    serializers.policy_binding,
    delete_policy_binding,
    refuse=_patch_without_target,
)


ROUTES: list[Route] = [
    route("/policies/bindings/", {"GET": list_bindings, "POST": create}, LIST_ALLOW),
    route("/policies/bindings/{pk}/", DETAIL, DETAIL_ALLOW),
]
