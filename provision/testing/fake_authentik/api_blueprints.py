"""``/managed/blueprints/`` and the one-shot import (transcripts 08a-08c, 14).

A blueprint instance created over the API is validated at once but applied only by the
worker, which the fake runs when asked (``FakeAuthentik.run_blueprint_worker``). The import
endpoint (``/flows/instances/import/`` up to 2026.2, ``/managed/blueprints/import/`` from
2026.5) applies an uploaded blueprint immediately.
"""

from __future__ import annotations

import email.policy
import json
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
            listed = logs if store.version.blueprint_errors_listed else []
            lines = ["Failed to validate blueprint", *[f"- {log['event']}" for log in listed]]
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
        _apply_now(store, instance)
    return len(pending)


def _apply_now(store: Store, instance: Record) -> None:
    """What the worker does with one instance: import its content, record the outcome."""
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
    """Queue the instance for the worker, the answer showing it unchanged (status unknown);
    2024.12.5 applied it during the request and answered the outcome."""
    record["pending"] = True
    if store.version.blueprint_apply_at_once:
        _apply_now(store, record)
    return ok(serializers.blueprint_instance(record))


retrieve = crud.retrieve(_lookup, _render)
update = crud.on_record(_lookup, _update)
destroy = crud.destroy(_lookup, delete_instance)
apply_instance = crud.on_record(_lookup, _apply)


def available(store: Store, request: ApiRequest) -> ApiResponse:
    return ok(seed.available_blueprints(store.version))


def _form(request: ApiRequest) -> dict[str, str]:
    """The fields of a multipart body (a file as its text)."""
    head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
    message = message_from_bytes(head + request.raw_body, policy=email.policy.HTTP)
    fields = {}
    for part in message.walk():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = payload.decode("utf-8")
    return fields


def _imported(
    store: Store, request: ApiRequest, content: str, context: dict[str, Any] | None = None
) -> ApiResponse:
    """Apply a blueprint at once: 200 with the logs (2024.12.5: none) and whether it worked."""
    success, logs = import_content(store, content, events_for(request), context)
    return ok({"logs": logs if store.version.blueprint_import_logs else [], "success": success})


def import_flow(store: Store, request: ApiRequest) -> ApiResponse:
    """``/flows/instances/import/`` (up to 2026.2): the uploaded ``file``."""
    content = _form(request).get("file")
    if content is None:
        return rejected({"file": [ErrorDetail("No file was submitted.", "required")]})
    return _imported(store, request, content)


def _context(text: str) -> dict[str, Any] | ApiResponse:
    try:
        context = json.loads(text or "{}")
    except json.JSONDecodeError:
        return rejected({"context": [ErrorDetail("Context must be valid JSON", "invalid")]})
    if not isinstance(context, dict):
        return rejected({"context": [ErrorDetail("Context must be a JSON object", "invalid")]})
    return context


def import_blueprint(store: Store, request: ApiRequest) -> ApiResponse:
    """``/managed/blueprints/import/`` (from 2026.5): a ``file`` or a shipped ``path``, and a
    JSON ``context`` for its ``!Context`` tags."""
    form = _form(request)
    context = _context(form.get("context", ""))
    if isinstance(context, ApiResponse):
        return context
    if "file" in form:
        return _imported(store, request, form["file"], context)
    if not form.get("path"):
        return ApiResponse(400, ["Either path or file must be set"])
    if form["path"] not in {path for path, _, _ in seed.BLUEPRINT_FILES}:
        return rejected({"path": [ErrorDetail("Blueprint file does not exist", "invalid")]})
    # The shipped blueprints are applied from the start: importing one again changes nothing.
    return ok({"logs": [], "success": True})


MULTIPART = ("multipart/form-data",)
ROUTES: list[Route] = [
    route("/managed/blueprints/", {"GET": list_instances, "POST": create}, LIST_ALLOW),
    route(
        "/managed/blueprints/import/",
        {"POST": import_blueprint},
        ("POST",),
        media_types=MULTIPART,
        present=lambda version: version.blueprint_import_path == "/managed/blueprints/import/",
    ),
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
        media_types=MULTIPART,
        present=lambda version: version.blueprint_import_path == "/flows/instances/import/",
    ),
]
