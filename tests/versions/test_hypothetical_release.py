"""A new per-release difference is one profile entry: the behaviour follows from its fields.

A hypothetical 2027.2 line is built from the newest profile with ``dataclasses.replace``,
changing only fields, and registered as the newest line; nothing else in the tool is told.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from provision import versions
from provision.access import group_parents
from provision.changes import CreateApplication
from provision.config import desired_state
from provision.model import ActualState, parse_outpost
from provision.planner import plan
from provision.render.blueprint import render_blueprint
from provision.settings import Settings
from provision.versions import VersionProfile, newest_profile, profile_for

BASE = yaml.safe_load((Path(__file__).parents[1] / "data" / "plans" / "_base.yaml").read_text())
ICON = "https://icons.example.com/sonarr.png"
FUTURE_IMPORT = "/api/v3/managed/blueprints/apply/"


def _register(monkeypatch: pytest.MonkeyPatch, **differences: object) -> VersionProfile:
    """A 2027.2 line that differs from the newest known one only in ``differences``."""
    line = replace(newest_profile(), version="2027.2.0", name="2027.2", **differences)
    monkeypatch.setattr(versions, "PROFILES", (*versions.PROFILES, ((2027, 2, 0), line)))
    monkeypatch.setattr(versions, "NEWEST_KNOWN", "2027.2.0")
    return line


def _new_application(profile: VersionProfile) -> CreateApplication:
    settings = Settings(apps=[{"host": "sonarr.example.com", "groups": ["media"], "icon": ICON}])
    actual = ActualState(
        providers=(),
        applications=(),
        bindings=(),
        outpost=parse_outpost(BASE["outpost"]),
        flows=BASE["flows"],
        groups=BASE["groups"],
        profile=profile,
    )
    (created,) = [
        c for c in plan(desired_state(settings), actual).changes if c.kind == "application"
    ]
    assert isinstance(created, CreateApplication)
    return created


def test_a_release_line_is_found_by_its_entry_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    line = _register(monkeypatch, page_size=250)
    profile = profile_for("2027.2.3")
    assert profile == replace(line, version="2027.2.3")
    assert not profile.newer_than_known
    assert profile_for("2026.8.5").page_size == 100  # the lines before keep theirs


def test_the_icon_follows_the_icon_write_field_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    before = _new_application(profile_for("2026.8.5"))
    assert (before.body["meta_icon"], before.icon) == (ICON, "")
    _register(monkeypatch, icon_write="set_icon_url")
    after = _new_application(profile_for("2027.2.3"))
    assert "meta_icon" not in after.body
    assert after.icon == ICON
    # Nothing else in the change moved: the field decided the icon's place and only that.
    assert replace(after, icon="", application=before.application) == before


def test_group_parents_follow_the_group_parent_field_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    groups = [{"pk": "c", "parent": "p", "parents": ["q"]}]
    assert group_parents(groups, profile_for("2026.8.5").group_parent_field) == {
        "c": frozenset({"q"})
    }
    _register(monkeypatch, group_parent_field="parent")
    assert group_parents(groups, profile_for("2027.2.3").group_parent_field) == {
        "c": frozenset({"p"})
    }


def test_the_blueprint_names_a_new_import_endpoint_from_the_entry_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(apps=[{"host": "sonarr.example.com", "groups": ["media"]}])
    assert FUTURE_IMPORT not in render_blueprint(settings, desired_state(settings))
    _register(monkeypatch, blueprint_import=FUTURE_IMPORT)
    text = render_blueprint(settings, desired_state(settings))
    assert f"#   from 2027.2: POST {FUTURE_IMPORT}\n" in text
