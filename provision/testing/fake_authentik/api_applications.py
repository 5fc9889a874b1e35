"""``/core/applications/`` (transcripts 04a-04d, 09), including the list cache of 04c.

Without ``superuser_full_list=true`` Authentik paginates the *filtered* list (so the
pagination counts follow the filters), then answers the applications the user may open,
taken from a cache per user and page number that ignores filters and page size. The cache is
filled only by requests without ``search`` and dropped whenever an application or a policy
binding changes (2024.12.5: only when an application is created or a binding changes). From
2026.5 an application with ``meta_hide`` is left out of that list.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping
from typing import Any

from . import crud, serializers
from .fields import ErrorDetail, Errors, read_body
from .listing import listing, ordered, page_body, paginate, search
from .routing import (
    DETAIL_ALLOW,
    LIST_ALLOW,
    READ_ALLOW,
    ApiRequest,
    ApiResponse,
    Route,
    body_object,
    not_found,
    ok,
    query_flag,
    route,
)
from .store import Record, Store

MODEL = "Application"
DEFAULTS: Record = {
    "provider": None,
    "backchannel_providers": [],
    "open_in_new_tab": False,
    "meta_launch_url": "",
    "meta_description": "",
    "meta_publisher": "",
    "policy_engine_mode": "any",
    "group": "",
    "meta_hide": False,
}
EXACT_FILTERS = ("name", "slug", "group", "meta_launch_url", "meta_description", "meta_publisher")


def _unique_problems(store: Store, instance: Record | None, data: Mapping[str, Any]) -> Errors:
    errors: Errors = {}
    others = [a for a in store.applications.values() if a is not instance]
    if "slug" in data and any(a["slug"] == data["slug"] for a in others):
        errors["slug"] = [ErrorDetail("Application with this slug already exists.", "unique")]
    provider = data.get("provider")
    if provider is not None and any(a["provider"] == provider for a in others):
        message = "Application with this provider already exists."
        errors["provider"] = [ErrorDetail(message, "unique")]
    return errors


def _validated(
    store: Store, instance: Record | None, body: Mapping[str, Any], *, partial: bool
) -> tuple[dict[str, Any], Errors]:
    data, errors = read_body(store.rules.application, body, partial=partial, exists=store.exists)
    return data, {**_unique_problems(store, instance, data), **errors}


def application_problems(store: Store, body: Mapping[str, Any]) -> Errors:
    """Why a new application with ``body`` would be refused (nothing is saved)."""
    return _validated(store, None, body, partial=False)[1]


def save_application(
    store: Store, instance: Record | None, body: Mapping[str, Any], *, partial: bool
) -> tuple[Record | None, Errors]:
    """Create (``instance`` None) or update an application; (record, {}) or (None, errors)."""
    data, errors = _validated(store, instance, body, partial=partial)
    if errors:
        return None, errors
    record = instance
    if record is None:
        record = {"pk": str(uuid.uuid4()), **DEFAULTS, "backchannel_providers": []}
    record.update(data)
    store.applications[record["pk"]] = record
    if instance is None or store.version.application_list_cleared_on_change:
        store.forget_application_lists()
    return record, {}


def delete_application(store: Store, record: Record) -> None:
    """Delete an application and its policy bindings; its provider stays (transcript 09)."""
    del store.applications[record["pk"]]
    for pk in [pk for pk, b in store.bindings.items() if b["target"] == record["pk"]]:
        del store.bindings[pk]
    if store.version.application_list_cleared_on_change:
        store.forget_application_lists()


def user_may_open(store: Store, record: Record, user_pk: int) -> bool:
    """The policy engine's verdict: no bindings passes; else any/all of the enabled ones.

    2025.10.3 passes a member of one of two bound groups under ``all`` too (10-access-check).
    """
    verdicts = []
    for binding in store.bindings.values():
        if binding["target"] != record["pk"] or not binding["enabled"]:
            continue
        if binding["group"] is not None:
            passed = user_pk in store.groups.get(binding["group"], {}).get("users", [])
        else:
            passed = binding["user"] == user_pk
        verdicts.append(passed != binding["negate"])
    if not verdicts:
        return True
    every = record["policy_engine_mode"] == "all" and store.version.all_mode_needs_every_binding
    return all(verdicts) if every else any(verdicts)


def _filtered(store: Store, query: Mapping[str, str]) -> list[Record]:
    records = list(store.applications.values())
    for name in EXACT_FILTERS:
        if name in query:
            records = [r for r in records if r[name] == query[name]]
    if query.get("search"):
        fields = ("name", "slug", "meta_launch_url", "meta_description", "meta_publisher", "group")
        records = search(records, query["search"], lambda r: [r[f] for f in fields])
    return ordered(records, query, ["name"])


def list_applications(store: Store, request: ApiRequest) -> ApiResponse:
    user_pk = request.user["pk"]
    render = functools.partial(serializers.application, store)
    records = _filtered(store, request.query)
    full_list = query_flag(request.query, "superuser_full_list", default=False)
    if full_list and store.is_superuser(user_pk):
        return listing(store.version, records, request.query, render)
    records = [r for r in records if not r["meta_hide"]]  # only 2026.5+ lets one be set
    page = paginate(store.version, records, request.query)
    if isinstance(page, ApiResponse):
        return page
    cacheable = not request.query.get("search")
    key = (user_pk, page.number)
    # The cache holds the answers as they were rendered (2024.12.5 shows them stale).
    results = store.application_lists.get(key) if cacheable else None
    if not results:
        with_launch_url = query_flag(request.query, "only_with_launch_url", default=False)
        results = [
            render(r)
            for r in page.items
            if user_may_open(store, r, user_pk)
            and (not with_launch_url or serializers.application(store, r)["launch_url"])
        ]
        if cacheable:
            store.application_lists[key] = results
    return ApiResponse(200, page_body(store.version, page, serializers.as_json(results)))


def _lookup(store: Store, request: ApiRequest) -> Record | ApiResponse:
    slug = request.params["slug"]
    record = next((a for a in store.applications.values() if a["slug"] == slug), None)
    return record if record is not None else not_found(MODEL)


def _check_access(store: Store, request: ApiRequest, record: Record) -> ApiResponse:
    text = request.query.get("for_user", str(request.user["pk"]))
    user_pk = int(text) if text.strip().isdigit() else None
    if user_pk is None or user_pk not in store.users:
        return ApiResponse(400, {"for_user": "User not found"})
    passing = user_may_open(store, record, user_pk)
    return ok({"passing": passing, "messages": [], "log_messages": []})


def _set_icon_url(store: Store, request: ApiRequest, record: Record) -> ApiResponse:
    """Authentik stores the URL as the icon and answers ``{}``; without ``url`` a bare 400."""
    body, problem = body_object(request)
    if problem is not None:
        return problem
    url = body.get("url")
    if not isinstance(url, str) or not url:
        return ApiResponse(400)
    record["meta_icon"] = url
    return ok({})


create = crud.create(save_application, serializers.application)
DETAIL = crud.detail(_lookup, save_application, serializers.application, delete_application)
check_access = crud.on_record(_lookup, _check_access)
set_icon_url = crud.on_record(_lookup, _set_icon_url)


ROUTES: list[Route] = [
    route(
        "/core/applications/",
        {"GET": list_applications, "POST": create},
        LIST_ALLOW,
        open_to_all=frozenset({"GET"}),
    ),
    route("/core/applications/{slug}/", DETAIL, DETAIL_ALLOW),
    route("/core/applications/{slug}/check_access/", {"GET": check_access}, READ_ALLOW),
    route(
        "/core/applications/{slug}/set_icon_url/",
        {"POST": set_icon_url},
        ("POST",),
        present=lambda version: version.set_icon_url,
    ),
]
