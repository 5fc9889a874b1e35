"""Who may enter, as the user sees it: one resolved rule per app in validate and every plan."""

from __future__ import annotations

import json

from provision.testing.fake_authentik import FakeAuthentik
from tests.e2e.conftest import Cli

APPS = [
    {"host": "sonarr.home.example.com", "groups": ["media"]},
    {"host": "jellyfin.home.example.com"},
]


def _media_bindings(fake: FakeAuthentik) -> set[str]:
    media = next(g["pk"] for g in fake.state.groups() if g["name"] == "media")
    return {b["target"] for b in fake.state.policy_bindings() if b["group"] == media}


def test_own_groups_win_over_defaults_any_user_and_the_binding_stays(
    cli: Cli, fake: FakeAuthentik
) -> None:
    fake.state.add_group("media")
    cli.config(APPS, defaults={"any_user": True})
    validated = cli("validate")
    assert validated.code == 0, validated.err
    assert "sonarr    access: groups media" in validated.out
    assert "jellyfin  access: open to every authenticated user" in validated.out
    assert cli("sync").code == 0
    sonarr = next(a for a in fake.state.applications() if a["slug"] == "sonarr")
    assert _media_bindings(fake) == {sonarr["pk"]}
    fake.clear_log()
    again = cli("plan")
    assert again.code == 0
    assert "No changes" in again.out
    assert "sonarr    access: groups media" in again.out
    assert "jellyfin  access: open to every authenticated user" in again.out
    assert cli("sync").code == 0
    assert fake.writes() == []
    assert _media_bindings(fake) == {sonarr["pk"]}


def test_plan_json_has_an_access_object_per_app(cli: Cli, fake: FakeAuthentik) -> None:
    fake.state.add_group("media")
    cli.config(APPS, defaults={"any_user": True})
    document = json.loads(cli("plan", "--output", "json").out)
    assert document["plan"]["apps"] == [
        {
            "slug": "sonarr",
            "host": "sonarr.home.example.com",
            "access": {"any_user": False, "groups": ["media"]},
        },
        {
            "slug": "jellyfin",
            "host": "jellyfin.home.example.com",
            "access": {"any_user": True, "groups": []},
        },
    ]


def test_defaults_any_user_false_from_the_environment_is_refused(
    cli: Cli, fake: FakeAuthentik
) -> None:
    cli.config([{"host": "sonarr.home.example.com"}])
    environ = cli.environ | {"PROVISION_DEFAULTS__ANY_USER": "false"}
    for command in ("validate", "plan", "sync"):
        result = cli(command, environ=environ)
        assert result.code == 78, command
        assert "apps[0]: no access rule" in result.err
        assert "environment PROVISION_DEFAULTS__ANY_USER" in result.err
    assert fake.requests == []
