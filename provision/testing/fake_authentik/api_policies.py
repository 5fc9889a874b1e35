"""``/policies/bindings/`` (transcript 09): group bindings that decide who may open an app."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from . import serializers
from .fields import ErrorDetail, Errors, read_body
from .listing import listing, ordered
from .routing import (
    DETAIL_ALLOW,
    LIST_ALLOW,
    ApiRequest,
    ApiResponse,
    Route,
    body_object,
    created,
    malformed_key,
    no_content,
    not_found,
    ok,
    rejected,
    route,
)
from .rules import POLICY_BINDING
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


def save_policy_binding(
    store: Store, instance: Record | None, body: Mapping[str, Any], *, partial: bool
) -> tuple[Record | None, Errors]:
    """Create or update a binding; the same binding may exist twice (Authentik allows it)."""
    data, errors = read_body(POLICY_BINDING, body, partial=partial, exists=store.exists)
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
    return listing(records, request.query, lambda r: serializers.policy_binding(store, r))


def _lookup(store: Store, key: str) -> Record | ApiResponse:
    try:
        pk = str(uuid.UUID(key))
    except ValueError:
        return malformed_key()
    record = store.bindings.get(pk)
    return record if record is not None else not_found(MODEL)


def retrieve(store: Store, request: ApiRequest) -> ApiResponse:
    record = _lookup(store, request.params["pk"])
    if isinstance(record, ApiResponse):
        return record
    return ok(serializers.policy_binding(store, record))


def create(store: Store, request: ApiRequest) -> ApiResponse:
    body, problem = body_object(request)
    if problem is not None:
        return problem
    record, errors = save_policy_binding(store, None, body, partial=False)
    if record is None:
        return rejected(errors)
    return created(serializers.policy_binding(store, record))


def update(store: Store, request: ApiRequest) -> ApiResponse:
    record = _lookup(store, request.params["pk"])
    if isinstance(record, ApiResponse):
        return record
    body, problem = body_object(request)
    if problem is not None:
        return problem
    partial = request.method == "PATCH"
    data, errors = read_body(POLICY_BINDING, body, partial=partial, exists=store.exists)
    if partial and not errors and "target" not in data:
        # Recorded as is: without a target the server fails inside validation and answers
        # 405 with an empty body.
        return ApiResponse(405, "")
    saved, errors = save_policy_binding(store, record, body, partial=partial)
    if saved is None:
        return rejected(errors)
    return ok(serializers.policy_binding(store, saved))


def destroy(store: Store, request: ApiRequest) -> ApiResponse:
    record = _lookup(store, request.params["pk"])
    if isinstance(record, ApiResponse):
        return record
    del store.bindings[record["pk"]]
    store.forget_application_lists()
    return no_content()


ROUTES: list[Route] = [
    route("/policies/bindings/", {"GET": list_bindings, "POST": create}, LIST_ALLOW),
    route(
        "/policies/bindings/{pk}/",
        {"GET": retrieve, "PUT": update, "PATCH": update, "DELETE": destroy},
        DETAIL_ALLOW,
    ),
]
