"""The detail and create handlers every model endpoint of the fake shares.

Authentik's model views answer alike: a key that cannot be a primary key is a bare 404, an
unknown one names the model, a body that is not a JSON object is refused before any field is
read, and field errors come back as a 400 listing every problem. Each model module supplies
how it finds, saves, renders and deletes its records; these factories build the handlers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from .fields import Errors
from .routing import (
    ApiRequest,
    ApiResponse,
    Handler,
    body_object,
    malformed_key,
    no_content,
    not_found,
    ok,
    rejected,
)
from .store import Record, Store

# The record a request's path names, or the 404 Authentik answers instead.
Lookup = Callable[[Store, ApiRequest], Record | ApiResponse]
Render = Callable[[Store, Record], Any]
Delete = Callable[[Store, Record], None]
RecordHandler = Callable[[Store, ApiRequest, Record], ApiResponse]
# A model's own refusal of an update, judged from the request body before saving.
Refusal = Callable[[Store, ApiRequest, Mapping[str, Any]], ApiResponse | None]


class Save(Protocol):
    """Create (``instance`` None) or update a record; (record, {}) or (None, errors)."""

    def __call__(
        self, store: Store, instance: Record | None, body: Mapping[str, Any], *, partial: bool
    ) -> tuple[Record | None, Errors]: ...


def uuid_key(text: str) -> str | None:
    """A UUID primary key from a URL segment, or None when it is not one."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def by_pk(table: Mapping[Any, Record], pk: object, model: str) -> Record | ApiResponse:
    """The record under ``pk`` (None for a malformed key), or the 404 Authentik answers."""
    if pk is None:
        return malformed_key()
    record = table.get(pk)
    return record if record is not None else not_found(model)


def on_record(lookup: Lookup, handler: RecordHandler) -> Handler:
    """A handler that answers 404 unless the path names a record, then hands it on."""

    def handle(store: Store, request: ApiRequest) -> ApiResponse:
        record = lookup(store, request)
        if isinstance(record, ApiResponse):
            return record
        return handler(store, request, record)

    return handle


def retrieve(lookup: Lookup, render: Render) -> Handler:
    """``GET`` of one record."""
    return on_record(lookup, lambda store, request, record: ok(render(store, record)))


def _saved(
    store: Store, record: Record | None, errors: Errors, render: Render, status: int
) -> ApiResponse:
    return ok(render(store, record), status) if record is not None else rejected(errors)


def create(save: Save, render: Render) -> Handler:
    """``POST`` to a list: 201 with the new record, or 400 with every field problem."""

    def handle(store: Store, request: ApiRequest) -> ApiResponse:
        body, problem = body_object(request)
        if problem is not None:
            return problem
        record, errors = save(store, None, body, partial=False)
        return _saved(store, record, errors, render, 201)

    return handle


def update(lookup: Lookup, save: Save, render: Render, refuse: Refusal | None = None) -> Handler:
    """``PUT`` and ``PATCH`` (partial) of one record; ``refuse`` may answer before saving."""

    def handle(store: Store, request: ApiRequest, instance: Record) -> ApiResponse:
        body, problem = body_object(request)
        if problem is not None:
            return problem
        refusal = refuse(store, request, body) if refuse is not None else None
        if refusal is not None:
            return refusal
        record, errors = save(store, instance, body, partial=request.method == "PATCH")
        return _saved(store, record, errors, render, 200)

    return on_record(lookup, handle)


def destroy(lookup: Lookup, delete: Delete) -> Handler:
    """``DELETE`` of one record: 204 with no body."""

    def handle(store: Store, request: ApiRequest, record: Record) -> ApiResponse:
        delete(store, record)
        return no_content()

    return on_record(lookup, handle)


def detail(
    lookup: Lookup, save: Save, render: Render, delete: Delete, refuse: Refusal | None = None
) -> dict[str, Handler]:
    """The handlers of a record's own URL: ``GET``, ``PUT``, ``PATCH`` and ``DELETE``."""
    change = update(lookup, save, render, refuse)
    return {
        "GET": retrieve(lookup, render),
        "PUT": change,
        "PATCH": change,
        "DELETE": destroy(lookup, delete),
    }
