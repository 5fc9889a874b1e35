"""``provision verify --access``: read users and bindings, ask ``check_access``, judge.

Read-only: only GET requests, and exactly one ``check_access`` per sampled user and app. The
decisions are in ``provision.access``; this module only reads and asks.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from provision.access import (
    AppAccess,
    Directory,
    User,
    group_parents,
    judge,
    parse_user,
    sample,
)
from provision.bindings import bound_groups
from provision.model import DesiredApp, PolicyBinding, parse_policy_binding

if TYPE_CHECKING:
    from provision.authentik import AuthentikClient

log = logging.getLogger(__name__)


def read_directory(client: AuthentikClient, apps: Sequence[DesiredApp]) -> Directory:
    """Groups, the declared groups' active members, every active user and the bindings."""
    groups = client.list_groups()
    names = {str(g["name"]): str(g["pk"]) for g in groups}
    declared = sorted({names[n] for a in apps for n in a.access.groups if n in names})
    members = {pk: _members(client, pk) for pk in declared}
    active = tuple(_people(client.list_users()))
    slugs = {a.slug for a in apps}
    applications = {
        str(a["slug"]): str(a["pk"]) for a in client.list_applications() if a["slug"] in slugs
    }
    by_target: dict[str, dict[str, PolicyBinding]] = {}
    for binding in map(parse_policy_binding, client.list_policy_bindings()):
        by_target.setdefault(binding.target, {})[binding.pk] = binding  # each pk once
    bound = {slug: tuple(by_target.get(pk, {}).values()) for slug, pk in applications.items()}
    return Directory(
        groups=names,
        parents=group_parents(groups, client.version_profile().group_parent_field),
        members=members,
        active=active,
        bindings={slug: sum(b.enabled for b in listed) for slug, listed in bound.items()},
        undeclared=_undeclared(apps, bound, names),
    )


def _undeclared(
    apps: Sequence[DesiredApp],
    bound: Mapping[str, tuple[PolicyBinding, ...]],
    names: Mapping[str, str],
) -> dict[str, tuple[str, ...]]:
    """Per restricted app, its bindings that are not exactly declared ones, for people."""
    group_names = {pk: name for name, pk in names.items()}
    undeclared = {}
    for app in apps:
        if app.slug in bound and not app.access.any_user:
            wanted = [names[g] for g in app.access.groups if g in names]
            undeclared[app.slug] = bound_groups(bound[app.slug], wanted).labels(group_names)
    return undeclared


def _members(client: AuthentikClient, group_pk: str) -> tuple[User, ...]:
    """The group's active direct members; checked here too, as Authentik ignores filters it
    does not know rather than refusing them (docs/authentik.md)."""
    return tuple(u for u in _people(client.list_users(group_pk=group_pk)) if group_pk in u.groups)


# Authentik's stand-in for requests without a session; nobody logs in as it.
ANONYMOUS_USER = "AnonymousUser"


def _people(users: Sequence[Mapping[str, Any]]) -> list[User]:
    """Active users who can log in, by pk: no service accounts (outposts, API tokens)."""
    return sorted((parse_user(u) for u in users if _person(u)), key=lambda u: u.pk)


def _person(user: Mapping[str, Any]) -> bool:
    service = "service_account" in str(user.get("type") or "")
    anonymous = user.get("username") == ANONYMOUS_USER
    return user.get("is_active") is not False and not service and not anonymous


def check_apps_access(client: AuthentikClient, apps: Sequence[DesiredApp]) -> list[AppAccess]:
    """Each declared app's verdict, asking the policy engine once per sampled user."""
    directory = read_directory(client, apps)
    results = []
    for app in apps:
        asked = sample(app, directory)
        answers = {
            t.user.pk: client.check_access(app.slug, t.user.pk).get("passing") is True
            for t in asked.trials
        }
        results.append(judge(app, asked, answers, directory))
        log.debug("access %s: %d users asked", app.slug, len(asked.trials))
    return results
