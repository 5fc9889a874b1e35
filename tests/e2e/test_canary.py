"""The canary token and secret key appear in no output or log line of any command."""

from __future__ import annotations

import pytest

from provision.testing.fake_authentik import FakeAuthentik
from tests.e2e.conftest import Cli, hosts

COMMANDS = [
    ["validate"],
    ["plan"],
    ["plan", "--output", "json"],
    ["sync", "--verify"],
    ["sync", "--output", "json"],
    ["doctor"],
    ["doctor", "--output", "json"],
    ["verify"],
    ["verify", "--output", "json"],
    ["render", "traefik"],
    ["render", "traefik", "--format", "json"],
    ["render", "blueprint"],
]


@pytest.mark.parametrize("verbosity", [[], ["-v", "-v"], ["--log-format", "json", "-v"]])
def test_every_command_keeps_the_secrets_out(
    cli: Cli, fake: FakeAuthentik, verbosity: list[str]
) -> None:
    fake.state.add_group("media")
    cli.config(hosts(2))
    codes = [cli(*verbosity, *command).code for command in COMMANDS]
    # Every command ran to its normal end (doctor may warn about the fake's outpost health).
    assert codes == [0] * len(COMMANDS), codes
    # The teardown of the `cli` fixture asserts neither secret appears in any captured output.


def test_failing_commands_keep_the_secrets_out(cli: Cli, fake: FakeAuthentik) -> None:
    cli.config(hosts(1), authentik={"retries": 2, "retry_budget": 0.5})
    fake.fail("*", r"^/api/", status=503, times=1000)
    assert cli("-v", "-v", "sync").code == 75
    assert cli("-v", "-v", "doctor").code == 75
    fake.clear_faults()
    assert cli("-v", "-v", "sync").code == 65  # the group does not exist
