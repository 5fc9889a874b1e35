"""Users, groups and tokens as Authentik answers them, per release.

2025.10.3 gives a group one ``parent``; 2026.2.2 gives it ``parents`` and lists inherited
roles, and users carry their ``roles``. 2024.12.5 lists no ``children`` and no user dates.
Records always hold a list of parents.
"""

from __future__ import annotations

from . import seed
from .store import Record, Store


def partial_user(record: Record) -> Record:
    keys = ("pk", "username", "name", "is_active", "last_login", "email", "attributes", "uid")
    return {key: record[key] for key in keys}


def group_summary(store: Store, record: Record) -> Record:
    """A group as other objects embed it (``group_obj``, ``groups_obj``)."""
    summary = {key: record[key] for key in ("pk", "num_pk", "name", "is_superuser")}
    if not store.version.group_parents:
        parent = record["parents"][0] if record["parents"] else None
        summary |= {"parent": parent, "parent_name": None}
    return summary | {"attributes": dict(record["attributes"])}


def _lineage(store: Store, record: Record) -> Record:
    if store.version.group_parents:
        return {"parents": list(record["parents"]), "parents_obj": None}
    parent = store.groups.get(record["parents"][0]) if record["parents"] else None
    return {
        "parent": parent["pk"] if parent else None,
        "parent_name": parent["name"] if parent else None,
    }


def group(store: Store, record: Record, *, include_users: bool = True) -> Record:
    """A group as ``GroupSerializer`` shows it (children listed, not expanded)."""
    members = [store.users[pk] for pk in record["users"] if pk in store.users]
    roles = [dict(store.roles[pk]) for pk in record["roles"] if pk in store.roles]
    answer = {key: record[key] for key in ("pk", "num_pk", "name", "is_superuser")}
    answer |= _lineage(store, record)
    answer |= {
        "users": [m["pk"] for m in members],
        "users_obj": [partial_user(m) for m in members] if include_users else None,
        "attributes": dict(record["attributes"]),
        "roles": list(record["roles"]),
        "roles_obj": roles,
    }
    if store.version.group_parents:
        answer["inherited_roles_obj"] = None
    if not store.version.group_children:
        return answer
    children = [g["pk"] for g in store.groups.values() if record["pk"] in g["parents"]]
    return answer | {"children": children, "children_obj": None}


def user(store: Store, record: Record) -> Record:
    """A user as ``UserSerializer`` shows it."""
    groups = [g for g in store.groups.values() if record["pk"] in g["users"]]
    answer = {
        **{k: record[k] for k in ("pk", "username", "name", "is_active", "last_login")},
        **_dates(store, record, "date_joined"),
        "is_superuser": store.is_superuser(record["pk"]),
        "groups": [g["pk"] for g in groups],
        "groups_obj": [group_summary(store, g) for g in groups],
    }
    if store.version.user_roles:
        answer |= {"roles": list(record.get("roles", [])), "roles_obj": []}
    return answer | {
        "email": record["email"],
        "avatar": seed.AVATAR,
        "attributes": dict(record["attributes"]),
        **{k: record[k] for k in ("uid", "path", "type", "uuid")},
        **_dates(store, record, "password_change_date", "last_updated"),
    }


def _dates(store: Store, record: Record, *names: str) -> Record:
    """A user's dates; 2024.12.5 answers none of them."""
    return {name: record[name] for name in names} if store.version.user_dates else {}


def me(store: Store, record: Record) -> Record:
    """The body of ``/core/users/me/``."""
    groups = [g for g in store.groups.values() if record["pk"] in g["users"]]
    return {
        "user": {
            **{k: record[k] for k in ("pk", "username", "name", "is_active")},
            "is_superuser": store.is_superuser(record["pk"]),
            "groups": [{"name": g["name"], "pk": g["pk"]} for g in groups],
            **({"roles": []} if store.version.user_roles else {}),
            "email": record["email"],
            "avatar": seed.AVATAR,
            "uid": record["uid"],
            "settings": {},
            "type": record["type"],
            "system_permissions": [],
        }
    }


def token(store: Store, record: Record) -> Record:
    keys = ("pk", "managed", "identifier", "intent", "user")
    return {key: record[key] for key in keys} | {
        "user_obj": user(store, store.users[record["user"]]),
        "description": record["description"],
        "expires": record["expires"],
        "expiring": record["expiring"],
    }
