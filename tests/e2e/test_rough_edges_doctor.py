"""``doctor`` names a declared group Authentik does not have, before ``sync`` would exit 65."""

from __future__ import annotations

import json
from typing import Any

from provision.checklist import Check
from provision.findings import CheckStatus
from provision.group_checks import check_groups, near_miss
from provision.model import Access, DesiredApp
from provision.testing.fake_authentik import FakeAuthentik
from tests.e2e.conftest import Cli


def _checks(cli: Cli) -> tuple[int, dict[str, dict[str, Any]]]:
    result = cli("doctor", "--output", "json")
    return result.code, {c["name"]: c for c in json.loads(result.out)["checks"]}


def test_doctor_fails_a_missing_group_and_suggests_the_near_one(
    cli: Cli, fake: FakeAuthentik
) -> None:
    fake.state.add_group("media")
    cli.config([{"host": "sonarr.home.example.com", "groups": ["Media"]}])
    code, checks = _checks(cli)
    group = checks["group Media"]
    assert group["status"] == "FAIL"
    assert group["exit_code"] == 65
    assert "no group named 'Media' exists" in group["reason"]
    assert "sonarr" in group["reason"]
    assert group["fix"].startswith("did you mean 'media'?")
    assert code == 65
    assert cli("sync").code == 65  # what the doctor said sync would do


def test_doctor_passes_groups_that_exist(cli: Cli, fake: FakeAuthentik) -> None:
    fake.state.add_group("media")
    cli.config([{"host": "sonarr.home.example.com", "groups": ["media"]}])
    _, checks = _checks(cli)
    assert checks["group media"]["status"] == "ok"
    assert checks["group media"]["reason"] == "exists (admits to sonarr)"


def _app(slug: str, *groups: str) -> DesiredApp:
    return DesiredApp(
        host=f"{slug}.example.com", name=slug.title(), slug=slug, access=Access(groups=groups)
    )


def test_each_declared_group_once_with_every_app_naming_it() -> None:
    apps = [_app("sonarr", "media", "famliy"), _app("radarr", "media")]
    checks: list[Check] = check_groups(apps, [{"name": "media"}, {"name": "family"}])
    assert [(c.name, c.status) for c in checks] == [
        ("group famliy", CheckStatus.FAIL),
        ("group media", CheckStatus.OK),
    ]
    assert checks[0].fix.startswith("did you mean 'family'?")
    assert checks[1].reason == "exists (admits to sonarr, radarr)"


def test_near_miss_prefers_a_case_difference_and_offers_nothing_far() -> None:
    assert near_miss("ADMINS", ["admin", "admins"]) == "admins"
    assert near_miss("medai", ["media", "admins"]) == "media"
    assert near_miss("finance", ["media", "admins"]) is None
