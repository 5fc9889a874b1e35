"""The doctor's check that every group an access rule names exists in Authentik.

``sync`` refuses such a plan (65) only after reading everything; the doctor says it first,
with the name a person most likely meant when only the case or a letter differs.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from provision.checklist import Check, fail, ok
from provision.errors import ProvisionError
from provision.model import DesiredApp

# get_close_matches' ratio: 'Media' and 'media' match by case first; this catches 'medai'.
_NEAR = 0.75


class GroupReader(Protocol):
    def list_groups(self) -> list[dict[str, Any]]: ...


def group_checks(apps: Sequence[DesiredApp], client: GroupReader) -> list[Check]:
    """Read Authentik's groups once and check each declared one; a failed read is one FAIL."""
    if not any(app.access.groups for app in apps):
        return []
    try:
        groups = client.list_groups()
    except ProvisionError as exc:
        return [fail("groups", str(exc), "run again with -v to see the request", exc.exit_code)]
    return check_groups(apps, groups)


def check_groups(apps: Sequence[DesiredApp], groups: Iterable[Mapping[str, Any]]) -> list[Check]:
    """One line per declared group: it exists under exactly that name, or FAIL naming it."""
    existing = sorted({str(group.get("name")) for group in groups})
    users: dict[str, list[str]] = {}
    for app in apps:
        for group in app.access.groups:
            users.setdefault(group, []).append(app.slug)
    return [_check_group(name, slugs, existing) for name, slugs in sorted(users.items())]


def _check_group(name: str, slugs: Sequence[str], existing: Sequence[str]) -> Check:
    check = f"group {name}"
    named_by = ", ".join(slugs)
    if name in existing:
        return ok(check, f"exists (admits to {named_by})")
    near = near_miss(name, existing)
    hint = f"did you mean {near!r}? " if near else ""
    return fail(
        check,
        f"no group named {name!r} exists in Authentik (named by {named_by}); sync would exit 65",
        f"{hint}names match exactly: correct groups: in the config, or create the group"
        " (Admin → Directory → Groups)",
    )


def near_miss(name: str, existing: Sequence[str]) -> str | None:
    """The existing group ``name`` most likely meant: the same but for case, else a close one."""
    folded = [group for group in existing if group.casefold() == name.casefold()]
    if folded:
        return folded[0]
    close = difflib.get_close_matches(name, existing, n=1, cutoff=_NEAR)
    return close[0] if close else None
