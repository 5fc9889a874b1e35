"""``/core/users/`` (transcripts 06, 10, 13): who the token is, users by group for access checks,
and passwords set through the API (stored hashed; the login's password stage checks them).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping

from . import crud, serializers
from .api_core import now
from .fields import ErrorDetail, Field, read_body
from .listing import listing, ordered, search
from .routing import (
    DETAIL_ALLOW,
    LIST_ALLOW,
    READ_ALLOW,
    ApiRequest,
    ApiResponse,
    Route,
    body_object,
    created,
    int_key,
    no_content,
    ok,
    rejected,
    route,
)
from .store import Record, Store

MODEL = "User"
# ``UserPasswordSetRequest``: DRF trims the password and refuses it blank.
PASSWORD_SET: dict[str, Field] = {"password": Field("string", required=True, min_length=1)}
# Django's hasher format (``algorithm$iterations$salt$hash``) with far fewer rounds: the fake
# only needs passwords not to sit in memory as typed, not resistance to offline cracking.
HASHER = "pbkdf2_sha256"
ITERATIONS = 10_000
ANYONE = frozenset({"GET"})
AUTOCOMPLETE: Record = {
    "current_model": "authentik_core.user",
    "models": {
        "authentik_core.user": {
            "username": {"type": "str", "nullable": False, "options": None},
            "name": {"type": "str", "nullable": False, "options": None},
            "email": {"type": "str", "nullable": False, "options": None},
            "path": {"type": "str", "nullable": False, "options": None},
            "is_active": {"type": "bool", "nullable": True, "options": None},
            "type": {
                "type": "str",
                "nullable": False,
                "options": ["internal", "external", "service_account", "internal_service_account"],
            },
            "attributes": {
                "type": "relation",
                "nullable": False,
                "options": None,
                "relation": "authentik_core.user_attributes",
            },
        }
    },
}


def me(store: Store, request: ApiRequest) -> ApiResponse:
    return ok(serializers.me(store, request.user))


def _in_groups(store: Store, query: Mapping[str, str]) -> set[int] | None:
    """Members of the groups ``groups_by_pk`` / ``groups_by_name`` name (None: no filter)."""
    wanted_pks = [v for v in query.get("groups_by_pk", "").split(",") if v.strip()]
    wanted_names = [v for v in query.get("groups_by_name", "").split(",") if v.strip()]
    if not wanted_pks and not wanted_names:
        return None
    groups = [
        g for g in store.groups.values() if g["pk"] in wanted_pks or g["name"] in wanted_names
    ]
    return {pk for g in groups for pk in g["users"]}


def _filtered(store: Store, query: Mapping[str, str]) -> list[Record]:
    records = list(store.users.values())
    for name in ("username", "name", "email", "path", "uuid"):
        if name in query:
            records = [u for u in records if str(u[name]) == query[name]]
    if query.get("is_active", "").lower() in ("true", "false"):
        active = query["is_active"].lower() == "true"
        records = [u for u in records if u["is_active"] == active]
    members = _in_groups(store, query)
    if members is not None:
        records = [u for u in records if u["pk"] in members]
    if query.get("search"):
        records = search(records, query["search"], lambda u: [u["username"], u["name"], u["email"]])
    return records


def list_users(store: Store, request: ApiRequest) -> ApiResponse:
    records = ordered(_filtered(store, request.query), request.query, ["username"])
    render = functools.partial(serializers.user, store)
    return listing(store.version, records, request.query, render, AUTOCOMPLETE)


def create_user(store: Store, request: ApiRequest) -> ApiResponse:
    body, problem = body_object(request)
    if problem is not None:
        return problem
    data, errors = read_body(store.rules.user, body, partial=False, exists=store.exists)
    if any(u["username"] == data.get("username") for u in store.users.values()):
        errors["username"] = [ErrorDetail("This field must be unique.", "unique")]
    if errors:
        return rejected(errors)
    pk, stamp = store.user_pk(), now()
    groups = data.pop("groups", [])
    record: Record = {
        "pk": pk,
        "is_active": True,
        "last_login": None,
        "date_joined": stamp,
        "email": "",
        "attributes": {},
        "uid": secrets.token_hex(32),
        "path": "users",
        "type": "internal",
        "uuid": str(uuid.uuid4()),
        "password_change_date": stamp,
        "last_updated": stamp,
        **data,
    }
    store.users[pk] = record
    for group in groups:
        store.groups[group]["users"].append(pk)
    return created(serializers.user(store, record))


def _lookup(store: Store, request: ApiRequest) -> Record | ApiResponse:
    return crud.by_pk(store.users, int_key(request.params["pk"]), MODEL)


def delete_user(store: Store, record: Record) -> None:
    """Delete a user: it leaves its groups, and bindings to it go with it."""
    del store.users[record["pk"]]
    for group in store.groups.values():
        group["users"] = [pk for pk in group["users"] if pk != record["pk"]]
    for pk in [pk for pk, b in store.bindings.items() if b["user"] == record["pk"]]:
        del store.bindings[pk]
    store.forget_application_lists()


def _delete(store: Store, request: ApiRequest, record: Record) -> ApiResponse:
    delete_user(store, record)
    return no_content()


def hash_password(password: str) -> str:
    """The stored form of ``password`` (a fresh salt every time)."""
    salt = secrets.token_hex(12)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), ITERATIONS)
    return f"{HASHER}${ITERATIONS}${salt}${base64.b64encode(digest).decode('ascii')}"


def check_password(record: Record, password: str) -> bool:
    """Whether ``password`` is the user's; a user whose password was never set has none."""
    stored = record.get("password")
    if not stored:
        return False
    _, rounds, salt, expected = stored.split("$", 3)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(rounds))
    return hmac.compare_digest(base64.b64encode(digest).decode("ascii"), expected)


def _set_password(store: Store, request: ApiRequest, record: Record) -> ApiResponse:
    """``POST /core/users/{pk}/set_password/ {"password": …}``: 204, no body (transcript 13)."""
    body, problem = body_object(request)
    if problem is not None:
        return problem
    data, errors = read_body(PASSWORD_SET, body, partial=False, exists=store.exists)
    if errors:
        return rejected(errors)
    record["password"] = hash_password(data["password"])
    record["password_change_date"] = now()
    return no_content()


DETAIL = {
    "GET": crud.retrieve(_lookup, serializers.user),
    "DELETE": crud.on_record(_lookup, _delete),
}

set_password = crud.on_record(_lookup, _set_password)

ROUTES: list[Route] = [
    route("/core/users/me/", {"GET": me}, READ_ALLOW, open_to_all=ANYONE),
    route("/core/users/", {"GET": list_users, "POST": create_user}, LIST_ALLOW),
    route("/core/users/{pk}/", DETAIL, DETAIL_ALLOW),
    route("/core/users/{pk}/set_password/", {"POST": set_password}, ("POST",)),
]
