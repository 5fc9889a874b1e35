"""Who may enter, checked against Authentik's policy engine: the pure decisions (docs/access.md).

For an app restricted to groups, one active member of each group must pass ``check_access``
and up to three active users outside all of its groups must be refused. An app open to every
user needs no question. Deciding whom to ask and what each answer means happens here, as
functions of plain values; ``provision.check_access`` does the reading and the asking.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from provision.errors import EX_DATAERR
from provision.findings import CheckStatus
from provision.model import Access, DesiredApp

OUTSIDERS = 3  # active users outside every declared group asked per app
_SYNC = "run `provision sync`"


@dataclass(frozen=True)
class User:
    pk: int
    username: str
    groups: frozenset[str] = frozenset()  # pks of the groups the user is a direct member of


def parse_user(data: Mapping[str, Any]) -> User:
    return User(
        pk=int(data["pk"]),
        username=str(data.get("username") or data["pk"]),
        groups=frozenset(str(g) for g in data.get("groups") or ()),
    )


def group_parents(groups: Iterable[Mapping[str, Any]], field: str) -> dict[str, frozenset[str]]:
    """Group pk -> its parents' pks, read from the profile's ``group_parent_field``
    (one ``parent`` up to 2025.10, a list of ``parents`` from 2025.12)."""
    parents: dict[str, frozenset[str]] = {}
    for group in groups:
        named = group.get(field)
        listed = named if isinstance(named, list) else [named] if named else []
        parents[str(group["pk"])] = frozenset(str(p) for p in listed)
    return parents


@dataclass(frozen=True)
class Directory:
    """What Authentik holds about the declared apps, their groups and the active users."""

    groups: Mapping[str, str]  # group name -> pk
    parents: Mapping[str, frozenset[str]]  # group pk -> parent pks
    members: Mapping[str, Sequence[User]]  # declared group pk -> its active direct members
    active: Sequence[User]  # every active user
    bindings: Mapping[str, int]  # slug of an existing application -> its enabled bindings
    # slug -> its bindings that are not exactly declared ones (``provision.bindings``)
    undeclared: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def all_groups(self, user: User) -> frozenset[str]:
        """The user's groups and their ancestors: a binding to a parent admits its children."""
        seen: set[str] = set()
        todo = list(user.groups)
        while todo:
            pk = todo.pop()
            if pk not in seen:
                seen.add(pk)
                todo.extend(self.parents.get(pk, ()))
        return frozenset(seen)


@dataclass(frozen=True)
class Trial:
    """One question for the policy engine: may ``user`` open the app, and should they?"""

    user: User
    should_pass: bool
    why: str  # "member of media" / "in none of media, admins"


@dataclass(frozen=True)
class Sample:
    """Whom to ask about one app, and what is wrong before anyone is asked."""

    trials: tuple[Trial, ...] = ()
    warnings: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


def sample(app: DesiredApp, directory: Directory) -> Sample:
    """The users to ask about ``app``: each asked once, members first, then outsiders."""
    if app.slug not in directory.bindings:
        return Sample(problems=(f"application not found in Authentik — fix: {_SYNC}",))
    if app.access.any_user:
        return _open_sample(directory.bindings[app.slug])
    members = _members(app.access.groups, directory)
    declared = {directory.groups[n] for n in app.access.groups if n in directory.groups}
    asked = {t.user.pk for t in members.trials}
    outsiders = [
        u for u in directory.active if not directory.all_groups(u) & declared and u.pk not in asked
    ]
    outside = f"in none of {', '.join(app.access.groups)}"
    trials = members.trials + tuple(Trial(u, False, outside) for u in outsiders[:OUTSIDERS])
    drift = tuple(
        f"binding {label} is not one the config declares: it can let in people the config"
        f" does not name — fix: {_SYNC} (it deletes it)"
        for label in directory.undeclared.get(app.slug, ())
    )
    return Sample(trials, members.warnings, members.problems + drift)


def _open_sample(bindings: int) -> Sample:
    """An app open to every user needs no question, unless bindings say otherwise."""
    if not bindings:
        return Sample()
    warning = (
        f"declared open to every user, but {bindings} binding(s) in Authentik restrict it"
        f" — fix: {_SYNC}"
    )
    return Sample(warnings=(warning,))


def _members(groups: Sequence[str], directory: Directory) -> Sample:
    """One active member of each group, never the same user twice."""
    trials: list[Trial] = []
    warnings: list[str] = []
    problems: list[str] = []
    for name in groups:
        pk = directory.groups.get(name)
        if pk is None:
            problems.append(f"group {name!r} does not exist in Authentik — fix: create it")
            continue
        members = directory.members.get(pk, ())
        asked = {t.user.pk for t in trials}
        member = next((u for u in members if u.pk not in asked), None)
        if not members:
            warnings.append(f"group {name} has no active member: nobody can enter through it")
        elif member is not None:
            trials.append(Trial(member, True, f"member of {name}"))
    return Sample(tuple(trials), tuple(warnings), tuple(problems))


@dataclass(frozen=True)
class Outcome:
    trial: Trial
    passing: bool

    @property
    def ok(self) -> bool:
        return self.passing == self.trial.should_pass


@dataclass(frozen=True)
class AppAccess:
    """The verdict on one app: every answer, and what it means."""

    slug: str
    access: Access
    outcomes: tuple[Outcome, ...]
    warnings: tuple[str, ...]
    problems: tuple[str, ...]
    active_users: int
    bindings: int

    @property
    def open_to_all(self) -> bool:
        """Restricted on paper, yet without bindings, so Authentik lets everyone in."""
        let_in = any(o.passing and not o.trial.should_pass for o in self.outcomes)
        return let_in and self.bindings == 0

    @property
    def ok(self) -> bool:
        return not self.problems and all(o.ok for o in self.outcomes)

    def findings(self) -> list[tuple[CheckStatus, str]]:
        """(status, text) lines: ``ok``, ``warn`` or ``FAIL``."""
        lines = [(CheckStatus.FAIL, p) for p in self.problems]
        if self.access.any_user and not self.problems:
            users = f"{self.active_users} active user{'s' if self.active_users != 1 else ''}"
            lines.append((CheckStatus.OK, f"{self.access.label} ({users})"))
        lines += [(CheckStatus.WARN, w) for w in self.warnings]
        lines += [_finding(self, o) for o in self.outcomes]
        return lines

    def as_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "access": self.access.as_json(),
            "ok": self.ok,
            "open_to_every_user": self.access.any_user or self.open_to_all,
            "active_users": self.active_users,
            "checks": [
                {
                    "user": o.trial.user.username,
                    "user_pk": o.trial.user.pk,
                    "why": o.trial.why,
                    "should_pass": o.trial.should_pass,
                    "passing": o.passing,
                    "ok": o.ok,
                }
                for o in self.outcomes
            ],
            "findings": [{"status": s, "text": t} for s, t in self.findings()],
        }


def judge(
    app: DesiredApp, asked: Sample, answers: Mapping[int, bool], directory: Directory
) -> AppAccess:
    """Combine the sample for ``app`` with the policy engine's ``answers`` (user pk -> passing)."""
    outcomes = tuple(Outcome(t, answers[t.user.pk]) for t in asked.trials)
    return AppAccess(
        slug=app.slug,
        access=app.access,
        outcomes=outcomes,
        warnings=asked.warnings,
        problems=asked.problems,
        active_users=len(directory.active),
        bindings=directory.bindings.get(app.slug, 0),
    )


def _finding(result: AppAccess, outcome: Outcome) -> tuple[CheckStatus, str]:
    user, why, rule = outcome.trial.user.username, outcome.trial.why, result.access.label
    if outcome.ok:
        verb = "may enter" if outcome.passing else "is refused"
        return CheckStatus.OK, f"{user} {verb} ({why})"
    if outcome.trial.should_pass:
        return CheckStatus.FAIL, f"keeps out {user}, {why} (rule: {rule}) — fix: {_SYNC}"
    if result.open_to_all:
        return (
            CheckStatus.FAIL,
            f"open to every user: it has no bindings, so {user} ({why}) was let in"
            f" (rule: {rule}) — fix: {_SYNC}",
        )
    return (
        CheckStatus.FAIL,
        f"lets in {user}, {why} (rule: {rule}) — fix: remove the bindings or policies that"
        f" admit them in Authentik, then {_SYNC}",
    )


def access_exit_code(results: Sequence[AppAccess]) -> int:
    """0 when every app admits exactly whom it declares; 65 otherwise (warnings do not count)."""
    return 0 if all(r.ok for r in results) else EX_DATAERR


def access_lines(results: Sequence[AppAccess]) -> list[str]:
    """One line per finding, and a summary that counts those lines by status."""
    findings = [(status, r.slug, text) for r in results for status, text in r.findings()]
    lines = [f"{status:<4}  access {slug}: {text}" for status, slug, text in findings]
    statuses = [status for status, _, _ in findings]
    tally = ", ".join(
        f"{statuses.count(s)} {s}" for s in (CheckStatus.OK, CheckStatus.WARN, CheckStatus.FAIL)
    )
    failed, apps = sum(not r.ok for r in results), len(results)
    if failed:
        lines.append(f"verify --access: {failed} of {apps} app{'s' * (apps != 1)} FAIL ({tally})")
    elif apps == 1:
        lines.append(f"verify --access: 1 app admits whom it declares ({tally})")
    else:
        lines.append(f"verify --access: {apps} apps admit whom they declare ({tally})")
    return lines
