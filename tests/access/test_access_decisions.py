"""Whom ``verify --access`` asks and what the answers mean, as a table (tests/data/access/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from provision.access import (
    AppAccess,
    Directory,
    User,
    access_exit_code,
    access_lines,
    group_parents,
    judge,
    parse_user,
    sample,
)
from provision.model import Access, DesiredApp
from provision.versions import profile_for

CASES_DIR = Path(__file__).resolve().parents[1] / "data" / "access"
CASES = sorted(CASES_DIR.glob("*.yaml"))


def _directory(case: dict[str, Any]) -> Directory:
    parents: dict[str, list[str]] = case.get("parents", {})
    names = set(case["access"].get("groups", []))
    names |= {g for groups in case["users"].values() for g in groups}
    names |= set(parents) | {p for ps in parents.values() for p in ps}
    names -= set(case.get("absent_groups", []))
    pks = {name: f"pk-{name}" for name in sorted(names)}
    users = [
        User(pk, username, frozenset(pks[g] for g in groups))
        for pk, (username, groups) in enumerate(case["users"].items(), start=1)
    ]
    records = [{"pk": pks[n], "parents": [pks[p] for p in parents.get(n, [])]} for n in pks]
    return Directory(
        groups=pks,
        parents=group_parents(records, "parents"),
        members={pk: [u for u in users if pk in u.groups] for pk in pks.values()},
        active=users,
        bindings={} if case.get("application") == "missing" else {"app": case.get("bindings", 1)},
        undeclared={"app": case.get("undeclared", [])},
    )


def _run(case: dict[str, Any]) -> tuple[list[str], AppAccess]:
    access = case["access"]
    app = DesiredApp(
        "app.example.com",
        "App",
        "app",
        Access(tuple(access.get("groups", ())), access.get("any_user", False)),
    )
    directory = _directory(case)
    asked = sample(app, directory)
    by_name = {u.username: u.pk for u in directory.active}
    answers = {by_name[name]: passing for name, passing in case["answers"].items()}
    labels = [("+" if t.should_pass else "-") + t.user.username for t in asked.trials]
    return labels, judge(app, asked, answers, directory)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_access_case(path: Path) -> None:
    case = yaml.safe_load(path.read_text())
    expect = case["expect"]
    asked, result = _run(case)
    assert asked == expect["asked"]
    assert result.ok is expect["ok"]
    assert access_exit_code([result]) == (0 if expect["ok"] else 65)
    if "findings" in expect:
        found = [f"{status} {text}" for status, text in result.findings()]
        assert len(found) == len(expect["findings"]), found
        for line, wanted in zip(found, expect["findings"], strict=True):
            assert line.startswith(wanted), line
    if "open_to_every_user" in expect:
        assert result.as_json()["open_to_every_user"] is expect["open_to_every_user"]


def test_every_user_is_asked_about_an_app_at_most_once() -> None:
    for path in CASES:
        asked, _ = _run(yaml.safe_load(path.read_text()))
        names = [label[1:] for label in asked]
        assert len(names) == len(set(names)), path.name


def test_users_and_groups_parse_from_both_versions() -> None:
    user = parse_user({"pk": 15, "username": "alice", "groups": ["g1"], "groups_obj": []})
    assert user == User(15, "alice", frozenset({"g1"}))
    old = [{"pk": "c", "parent": "p"}, {"pk": "e", "parent": None}]
    assert group_parents(old, profile_for("2025.10.3").group_parent_field) == {
        "c": frozenset({"p"}),
        "e": frozenset(),
    }
    new = [{"pk": "d", "parents": ["p", "q"]}]
    assert group_parents(new, profile_for("2026.2.2").group_parent_field) == {
        "d": frozenset({"p", "q"})
    }


def test_summary_line_counts_failures_and_checks() -> None:
    _, good = _run(yaml.safe_load((CASES_DIR / "01-restricted-as-declared.yaml").read_text()))
    _, bad = _run(yaml.safe_load(CASES[1].read_text()))
    summary = "verify --access: 1 app admits whom it declares (2 ok, 0 warn, 0 FAIL)"
    assert access_lines([good])[-1] == summary
    summary = "verify --access: 1 of 2 apps FAIL (3 ok, 0 warn, 1 FAIL)"
    assert access_lines([good, bad])[-1] == summary
    assert "FAIL  access app: open to every user" in "\n".join(access_lines([bad]))
