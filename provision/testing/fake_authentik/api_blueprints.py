"""``/managed/blueprints/`` and ``/flows/instances/import/`` (transcripts 08a-08c).

A blueprint instance created over the API is validated at once but applied only by the
worker, which the fake runs when asked (``FakeAuthentik.run_blueprint_worker``). The flow
import endpoint applies an uploaded blueprint immediately.
"""

from __future__ import annotations

import email.policy
import uuid
from collections.abc import Mapping
from email import message_from_bytes
from typing import Any

from . import crud, seed, serializers
from .api_core import now
from .blueprints import import_content, load, validate
from .events import ImportEvents
from .fields import ErrorDetail, Errors, read_body
from .listing import listing, ordered, search
from .routing import (
    DETAIL_ALLOW,
    LIST_ALLOW,
    ApiRequest,
    ApiResponse,
    Route,
    body_object,
    created,
    non_field,
    ok,
    rejected,
    route,
)
from .store import Record, Store

MODEL = "BlueprintInstance"


def events_for(request: ApiRequest) -> ImportEvents:
    return ImportEvents(
        path=request.path,
        method=request.method,
        user_agent=request.headers.get("user-agent", ""),
        user=request.user,
        host=request.headers.get("host", "127.0.0.1"),
    )


def _content_problems(store: Store, data: Mapping[str, Any], events: ImportEvents) -> Errors:
    errors: Errors = {}
    known_paths = {path for path, _, _ in seed.BLUEPRINT_FILES}
    if data.get("path") and data["path"] not in known_paths:
        errors["path"] = [ErrorDetail("Blueprint file does not exist", "invalid")]
    if data.get("content"):
        valid, logs, _ = validate(store, data["content"], events)
        if not valid:
            lines = ["Failed to validate blueprint", *[f"- {log['event']}" for log in logs]]
            errors["content"] = [ErrorDetail(line, "invalid") for line in lines]
    return errors


def save_instance(
    store: Store, instance: Record | None, request: ApiRequest, body: Mapping[str, Any]
) -> ApiResponse:
    partial = request.method == "PATCH"
    data, errors = read_body(
        store.rules.blueprint_instance, body, partial=partial, exists=store.exists
    )
    errors = errors or _content_problems(store, data, events_for(request))
    if errors:
        return rejected(errors)
    merged = {**(instance or {}), **data}
    if not merged.get("path") and not merged.get("content"):
        return non_field("Either path or content must be set.")
    record = instance
    if record is None:
        record = {
            "pk": str(uuid.uuid4()),
            "path": "",
            "context": {},
            "last_applied": now(),
            "last_applied_hash": "",
            "status": "unknown",
            "enabled": True,
            "managed_models": [],
            "metadata": {},
            "content": "",
        }
    record.update(data)
    record["pending"] = True  # saving an instance queues it for the worker
    store.blueprints[record["pk"]] = record
    body_out = serializers.blueprint_instance(record)
    return created(body_out) if instance is None else ok(body_out)


def run_worker(store: Store) -> int:
    """Apply every instance waiting for the worker; how many were applied."""
    pending = [b for b in store.blueprints.values() if b.get("pending") and b["enabled"]]
    for instance in pending:
        success = True
        if instance["content"]:
            success, _ = import_content(store, instance["content"], ImportEvents())
            document, _ = load(instance["content"])
            metadata = (document or {}).get("metadata") or {}
            instance["metadata"] = {
                "name": metadata.get("name", instance["name"]),
                "labels": metadata.get("labels") or {},
            }
        instance["status"] = "successful" if success else "error"
        instance["last_applied"] = now()
        instance["last_applied_hash"] = seed.file_hash(instance["content"] or instance["path"])
        instance["pending"] = False
    return len(pending)


def list_instances(store: Store, request: ApiRequest) -> ApiResponse:
    records = list(store.blueprints.values())
    for name in ("name", "path"):
        if name in request.query:
            records = [r for r in records if r[name] == request.query[name]]
    if request.query.get("search"):
        records = search(records, request.query["search"], lambda r: [r["name"], r["path"]])
    records = ordered(records, request.query, ["name"])
    return listing(store.version, records, request.query, serializers.blueprint_instance)


def _lookup(store: Store, request: ApiRequest) -> Record | ApiResponse:
    return crud.by_pk(store.blueprints, crud.uuid_key(request.params["pk"]), MODEL)


def _render(store: Store, record: Record) -> Record:
    return serializers.blueprint_instance(record)


def delete_instance(store: Store, record: Record) -> None:
    del store.blueprints[record["pk"]]


def create(store: Store, request: ApiRequest) -> ApiResponse:
    body, problem = body_object(request)
    return problem if problem is not None else save_instance(store, None, request, body)


def _update(store: Store, request: ApiRequest, record: Record) -> ApiResponse:
    body, problem = body_object(request)
    return problem if problem is not None else save_instance(store, record, request, body)


def _apply(store: Store, request: ApiRequest, record: Record) -> ApiResponse:
    """Queue the instance for the worker; the answer shows it unchanged (status unknown)."""
    record["pending"] = True
    return ok(serializers.blueprint_instance(record))


retrieve = crud.retrieve(_lookup, _render)
update = crud.on_record(_lookup, _update)
destroy = crud.destroy(_lookup, delete_instance)
apply_instance = crud.on_record(_lookup, _apply)


def available(store: Store, request: ApiRequest) -> ApiResponse:
    return ok(seed.available_blueprints())


def _uploaded_file(request: ApiRequest) -> str | None:
    head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
    message = message_from_bytes(head + request.raw_body, policy=email.policy.HTTP)
    for part in message.walk():
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            return payload.decode("utf-8") if isinstance(payload, bytes) else None
    return None


def import_flow(store: Store, request: ApiRequest) -> ApiResponse:
    """Apply an uploaded blueprint at once: 200 with the logs and whether it succeeded."""
    content = _uploaded_file(request)
    if content is None:
        return rejected({"file": [ErrorDetail("No file was submitted.", "required")]})
    success, logs = import_content(store, content, events_for(request))
    return ok({"logs": logs, "success": success})


ROUTES: list[Route] = [
    route("/managed/blueprints/", {"GET": list_instances, "POST": create}, LIST_ALLOW),
    route("/managed/blueprints/available/", {"GET": available}, ("GET",)),
    route(
        "/managed/blueprints/{pk}/",
        {"GET": retrieve, "PUT": update, "PATCH": update, "DELETE": destroy},
        DETAIL_ALLOW,
    ),
    route("/managed/blueprints/{pk}/apply/", {"POST": apply_instance}, ("POST",)),
    route(
        "/flows/instances/import/",
        {"POST": import_flow},
        ("POST",),
        media_types=("multipart/form-data",),
    ),
]
