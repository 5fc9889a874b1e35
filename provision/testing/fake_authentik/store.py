"""The in-memory database of the fake: one table per kind of object, plus sequences.

Records hold the writable fields of an object (as Authentik stores them) and a few internal
keys; ``serializers`` turns them into the JSON Authentik answers. A ``Store`` is plain data,
so a blueprint can be validated by applying it to a deep copy.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from . import seed
from .rules import RequestRules, request_rules
from .versions import AuthentikVersion

Record = dict[str, Any]

ANONYMOUS_USER_PK = 1
VIEWER_PK = 2
ADMIN_PK = 5
OUTPOST_ACCOUNT_PK = 6


@dataclass
class Store:
    """Every object of the fake Authentik, keyed by primary key."""

    base_url: str
    readonly_key: str
    version: AuthentikVersion
    flows: dict[str, Record] = field(default_factory=dict)
    property_mappings: dict[str, Record] = field(default_factory=dict)
    providers: dict[int, Record] = field(default_factory=dict)
    applications: dict[str, Record] = field(default_factory=dict)
    groups: dict[str, Record] = field(default_factory=dict)
    bindings: dict[str, Record] = field(default_factory=dict)
    outposts: dict[str, Record] = field(default_factory=dict)
    users: dict[int, Record] = field(default_factory=dict)
    tokens: dict[str, Record] = field(default_factory=dict)
    roles: dict[str, Record] = field(default_factory=dict)
    blueprints: dict[str, Record] = field(default_factory=dict)
    # The embedded outpost's sessions by the value of their ``authentik_proxy_<id>`` cookie:
    # {"provider": pk, "redirect": str, "user": user pk or None until the callback,
    #  "sid": the id its state JWTs name}.
    outpost_sessions: dict[str, Record] = field(default_factory=dict)
    # What the embedded outpost signs its OAuth ``state`` JWTs with (Go: the cookie secret).
    outpost_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    # OAuth codes the authorize endpoint issued, each good for one callback:
    # {"user": user pk, "client_id": str, "redirect_uri": str}.
    authorization_codes: dict[str, Record] = field(default_factory=dict)
    # The server's own browser sessions by ``authentik_session`` cookie value:
    # {"user": user pk or None while a flow runs, "flow": the pending flow's state}.
    browser_sessions: dict[str, Record] = field(default_factory=dict)
    # The per-user, per-page cache of the application list (see api_applications).
    application_lists: dict[tuple[int, int], list[Record]] = field(default_factory=dict)
    # ``/admin/settings/`` ``flags``: empty on every recorded build; a test may set one the
    # released 2026.5+ models have (``core_default_app_access``).
    settings_flags: dict[str, bool] = field(default_factory=dict)
    next_provider_pk: int = 1
    next_user_pk: int = 7
    next_row: int = 1
    next_num_pk: int = 12147

    @property
    def rules(self) -> RequestRules:
        """The request tables of the release this store's server speaks."""
        return request_rules(self.version)

    def row(self) -> int:
        """A new row position: providers list in the order they were last saved."""
        self.next_row += 1
        return self.next_row

    def provider_pk(self) -> int:
        pk = self.next_provider_pk
        self.next_provider_pk += 1
        return pk

    def user_pk(self) -> int:
        pk = self.next_user_pk
        self.next_user_pk += 1
        return pk

    def num_pk(self) -> int:
        self.next_num_pk += 1
        return self.next_num_pk

    def forget_application_lists(self) -> None:
        """Authentik drops every cached application list when an app or binding changes."""
        self.application_lists.clear()

    def application_of(self, provider_pk: int) -> Record | None:
        return next((a for a in self.applications.values() if a["provider"] == provider_pk), None)

    def embedded_outpost(self) -> Record:
        return next(
            o for o in self.outposts.values() if o["managed"] == seed.EMBEDDED_OUTPOST_MANAGED
        )

    def group_names_of(self, user_pk: int) -> list[str]:
        return [g["name"] for g in self.groups.values() if user_pk in g["users"]]

    def is_superuser(self, user_pk: int) -> bool:
        return any(g["is_superuser"] for g in self.groups.values() if user_pk in g["users"])

    def exists(self, relation: str, pk: Any) -> bool:
        """Whether an object of kind ``relation`` has primary key ``pk`` (for request checks)."""
        tables: dict[str, dict[Any, Record]] = {
            "flow": self.flows,
            "property_mapping": self.property_mappings,
            "provider": self.providers,
            "group": self.groups,
            "user": self.users,
            "role": self.roles,
            "binding_target": self.binding_targets(),
        }
        return pk in tables.get(relation, {})

    def binding_targets(self) -> dict[str, Record]:
        """Objects policies can be bound to: applications and flows (by their binding id)."""
        targets = dict(self.applications)
        targets.update({f["policybindingmodel_ptr_id"]: f for f in self.flows.values()})
        return targets


def _user(pk: int, username: str, name: str, email: str, user_type: str) -> Record:
    return {
        "pk": pk,
        "username": username,
        "name": name,
        "is_active": True,
        "last_login": None,
        "date_joined": seed.SEEDED_AT,
        "email": email,
        "attributes": {},
        "uid": hashlib.sha256(f"{pk}:{username}".encode()).hexdigest(),
        "path": "users",
        "type": user_type,
        "uuid": str(uuid.uuid4()),
        "password_change_date": seed.SEEDED_AT,
        "last_updated": seed.SEEDED_AT,
    }


def _group(name: str, *, superuser: bool, users: list[int], num_pk: int) -> Record:
    return {
        "pk": str(uuid.uuid4()),
        "num_pk": num_pk,
        "name": name,
        "is_superuser": superuser,
        "parents": [],
        "users": users,
        "attributes": {},
        "roles": [],
    }


def _seed_people(store: Store) -> None:
    outpost_account = f"ak-outpost-{seed.EMBEDDED_OUTPOST_NAME}"
    for user in (
        _user(ANONYMOUS_USER_PK, "AnonymousUser", "", "", "internal"),
        _user(VIEWER_PK, "viewer", "Read-only Viewer", "viewer@localhost.invalid", "internal"),
        _user(
            ADMIN_PK, "akadmin", "authentik Default Admin", "akadmin@localhost.invalid", "internal"
        ),
        _user(OUTPOST_ACCOUNT_PK, outpost_account, "", "", "internal_service_account"),
    ):
        store.users[user["pk"]] = user
    admins = _group("authentik Admins", superuser=True, users=[ADMIN_PK], num_pk=65867)
    readers = _group("authentik Read-only", superuser=False, users=[], num_pk=36710)
    role = {"pk": str(uuid.uuid4()), "name": "authentik Read-only"}
    readers["roles"] = [role["pk"]]
    readers["attributes"] = {
        "notes": "An group with an auto-generated role that allows read-only permissions "
        "on all objects.\n"
    }
    store.roles[role["pk"]] = role
    for group in (admins, readers):
        store.groups[group["pk"]] = group


def new_store(base_url: str, readonly_key: str, version: AuthentikVersion) -> Store:
    """A store holding what a freshly installed Authentik ``version`` has."""
    store = Store(base_url, readonly_key, version)
    for flow in seed.flows():
        store.flows[flow["pk"]] = flow
    for scope in seed.SCOPE_MAPPINGS:
        mapping = {"pk": str(uuid.uuid4()), "scope_name": scope}
        store.property_mappings[mapping["pk"]] = mapping
    _seed_people(store)
    outpost_pk = str(uuid.uuid4())
    store.outposts[outpost_pk] = {
        "pk": outpost_pk,
        "name": seed.EMBEDDED_OUTPOST_NAME,
        "type": "proxy",
        "providers": [],
        "service_connection": None,
        "config": seed.outpost_config(version, authentik_host=base_url),
        "managed": seed.EMBEDDED_OUTPOST_MANAGED,
    }
    for instance in seed.blueprint_instances():
        store.blueprints[instance["pk"]] = instance
    return store
