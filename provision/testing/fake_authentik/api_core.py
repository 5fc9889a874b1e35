"""Version, flows and tokens: what a client needs around the forward-auth objects."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from . import serializers
from .fields import ErrorDetail, read_body
from .listing import listing, ordered, search
from .routing import (
    LIST_ALLOW,
    READ_ALLOW,
    ApiRequest,
    ApiResponse,
    Route,
    body_object,
    created,
    detail,
    not_found,
    ok,
    rejected,
    route,
)
from .store import Record, Store

ANYONE = frozenset({"GET"})


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def version(store: Store, request: ApiRequest) -> ApiResponse:
    return ok(
        {
            "version_current": store.version.name,
            "version_latest": store.version.version_latest,
            "version_latest_valid": store.version.version_latest_valid,
            "build_hash": "",
            "outdated": False,
            "outpost_outdated": False,
        }
    )


def list_flows(store: Store, request: ApiRequest) -> ApiResponse:
    query = request.query
    records = list(store.flows.values())
    for name in ("slug", "designation", "denied_action"):
        if name in query:
            records = [f for f in records if f[name] == query[name]]
    if "flow_uuid" in query:
        records = [f for f in records if f["pk"] == query["flow_uuid"]]
    if query.get("search"):
        records = search(records, query["search"], lambda f: [f["slug"], f["name"], f["title"]])
    records = ordered(records, query, ["slug"])
    return listing(store.version, records, query, lambda f: serializers.flow(store, f))


def retrieve_flow(store: Store, request: ApiRequest) -> ApiResponse:
    slug = request.params["slug"]
    record = next((f for f in store.flows.values() if f["slug"] == slug), None)
    if record is None:
        return not_found("Flow")
    return ok(serializers.flow(store, record))


def create_token(store: Store, request: ApiRequest) -> ApiResponse:
    body, problem = body_object(request)
    if problem is not None:
        return problem
    data, errors = read_body(store.rules.token, body, partial=False, exists=store.exists)
    if any(t["identifier"] == data.get("identifier") for t in store.tokens.values()):
        errors["identifier"] = [ErrorDetail("Token with this identifier already exists.", "unique")]
    if errors:
        return rejected(errors)
    owner = int(data["user"]) if "user" in data else int(request.user["pk"])
    # The fake knows one key without superuser rights; every such token hands it out.
    key = secrets.token_urlsafe(48) if store.is_superuser(owner) else store.readonly_key
    expires = (datetime.now(UTC) + timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    record: Record = {
        "pk": str(uuid.uuid4()),
        "managed": None,
        "intent": "verification",
        "description": "",
        "expires": expires,
        "expiring": True,
        **data,
        "user": owner,
        "key": key,
    }
    store.tokens[record["identifier"]] = record
    return created(serializers.token(store, record))


def view_key(store: Store, request: ApiRequest) -> ApiResponse:
    record = store.tokens.get(request.params["identifier"])
    if record is None:
        return detail(404, "No Token matches the given query.")
    return ok({"key": record["key"]})


ROUTES: list[Route] = [
    route("/admin/version/", {"GET": version}, READ_ALLOW, open_to_all=ANYONE),
    route("/flows/instances/", {"GET": list_flows}, LIST_ALLOW),
    route("/flows/instances/{slug}/", {"GET": retrieve_flow}, ("GET", "PUT", "PATCH", "DELETE")),
    route("/core/tokens/", {"POST": create_token}, LIST_ALLOW),
    route("/core/tokens/{identifier}/view_key/", {"GET": view_key}, READ_ALLOW),
]
