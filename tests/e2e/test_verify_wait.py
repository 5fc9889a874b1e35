"""``sync --verify`` waits for the outpost to pick up the hosts it bound (docs/forward-auth.md).

The fake outpost serves a newly bound provider only ``outpost_refresh_delay`` seconds after
it was put on the embedded outpost, as the real one does after its refresh.
"""

from __future__ import annotations

import json

import pytest

from provision.testing.fake_authentik import FakeAuthentik
from tests.e2e.conftest import Cli, hosts

REFRESH_DELAY = 5
AUTH = "/outpost.goauthentik.io/auth/traefik"


# The plugin's fake (tests/e2e/conftest.py), serving a bound provider only after the delay.
pytestmark = pytest.mark.fake_authentik(outpost_refresh_delay=REFRESH_DELAY)


@pytest.fixture
def fake(fake_authentik: FakeAuthentik) -> FakeAuthentik:
    fake_authentik.state.add_group("media")
    return fake_authentik


def _asked(fake: FakeAuthentik, host: str) -> int:
    """How often the outpost was asked about ``host`` (recorded header names are lowercase)."""
    asked = [r for r in fake.requests if r.path == AUTH]
    return sum(1 for r in asked if r.headers.get("x-forwarded-host") == host)


def test_sync_verify_waits_until_the_outpost_serves_the_new_hosts(
    cli: Cli, fake: FakeAuthentik
) -> None:
    cli.config(
        hosts(2),
        domains=[{"domain": "example.com", "auth_host": "auth.example.com", "any_user": True}],
    )
    result = cli("sync", "--verify")
    assert result.code == 0, result.out + result.err
    assert "verify: all 3 hosts demand a login" in result.out
    assert _asked(fake, "app00.home.example.com") > 1  # asked again while not served


def test_a_wait_below_the_refresh_names_the_hosts_not_served_yet(
    cli: Cli, fake: FakeAuthentik
) -> None:
    cli.config(hosts(2))
    result = cli("sync", "--verify", "--verify-wait", "1")
    assert result.code == 65
    for host in ("app00.home.example.com", "app01.home.example.com"):
        assert f"FAIL  {host}  not_refreshed: the outpost does not serve this newly bound" in (
            result.out
        )
    assert "outpost.refresh_wait" in result.out


def test_the_setting_bounds_the_wait_and_json_names_the_classification(
    cli: Cli, fake: FakeAuthentik
) -> None:
    cli.config(hosts(1), outpost={"refresh_wait": 0.5})
    result = cli("sync", "--verify", "--output", "json")
    assert result.code == 65
    (host,) = json.loads(result.out)["verify"]
    assert (host["host"], host["classification"]) == ("app00.home.example.com", "not_refreshed")


def test_hosts_bound_before_are_asked_once(cli: Cli, fake: FakeAuthentik) -> None:
    cli.config(hosts(1))
    assert cli("sync").code == 0
    fake.outpost.refresh()  # the outpost has picked the first host up
    cli.config(hosts(2))
    fake.clear_log()
    result = cli("sync", "--verify", "--verify-wait", "1")
    assert result.code == 65
    assert "ok    app00.home.example.com  protected" in result.out
    assert "FAIL  app01.home.example.com  not_refreshed" in result.out
    assert _asked(fake, "app00.home.example.com") == 1
    assert _asked(fake, "app01.home.example.com") > 1
