"""Every failure class of the exit-code table: the code, and a message naming the cause."""

from __future__ import annotations

from pathlib import Path

from provision.testing.fake_authentik import FakeAuthentik
from tests.e2e.conftest import Cli, hosts
from tests.support import free_port


def test_bad_command_line_is_64(cli: Cli) -> None:
    cli.config([])
    result = cli("sync", "--no-such-option")
    assert result.code == 64 and "unrecognized arguments" in result.err


def test_bad_config_is_78_and_sends_nothing(cli: Cli, fake: FakeAuthentik) -> None:
    cli.config([{"host": "UPPER.example.com", "any_user": True}])
    result = cli("sync")
    assert result.code == 78
    assert "apps[0].host" in result.err and "provision.yaml" in result.err
    assert fake.requests == []


def test_sops_failure_is_78_naming_the_file(cli: Cli, fake: FakeAuthentik) -> None:
    cli.config(hosts(1))
    (cli.workdir / "secrets.yaml").write_text("AUTHENTIK_TOKEN: plaintext\n")
    result = cli("sync")
    assert result.code == 78
    assert (
        str(cli.workdir / "secrets.yaml") in result.err
        and "not a sops-encrypted file" in result.err
    )
    assert fake.requests == []


def test_rejected_token_is_77(cli: Cli, fake: FakeAuthentik) -> None:
    cli.config(hosts(1))
    result = cli("sync", environ=cli.environ | {"AUTHENTIK_TOKEN": "wrong-token-value"})
    assert result.code == 77
    assert "Token invalid/expired" in result.err
    assert "wrong-token-value" not in result.err + result.out


def test_token_without_permission_is_77(cli: Cli, fake: FakeAuthentik) -> None:
    cli.config(hosts(1))
    result = cli("plan", environ=cli.environ | {"AUTHENTIK_TOKEN": fake.readonly_token})
    assert result.code == 77
    assert "permission" in result.err


def test_unreachable_is_75_naming_the_endpoint(cli: Cli) -> None:
    cli.config(
        hosts(1),
        authentik={
            "url": f"http://127.0.0.1:{free_port()}",
            "timeout": 1,
            "retries": 2,
            "retry_budget": 1,
        },
    )
    result = cli("plan")
    assert result.code == 75
    assert "/api/v3/" in result.err


def test_missing_group_is_65(cli: Cli, fake: FakeAuthentik) -> None:
    cli.config(hosts(1))
    result = cli("sync")
    assert result.code == 65
    assert "group 'media' does not exist" in result.err
    assert fake.writes() == []


def test_missing_flow_is_65(cli: Cli, fake: FakeAuthentik) -> None:
    fake.state.add_group("media")
    fake.state.remove_flow("default-provider-invalidation-flow")
    cli.config(hosts(1))
    result = cli("sync")
    assert result.code == 65
    assert "flow 'default-provider-invalidation-flow' does not exist" in result.err


def test_field_rejected_by_authentik_is_65_with_its_message(cli: Cli, fake: FakeAuthentik) -> None:
    fake.state.add_group("media")
    cli.config(hosts(1))
    fake.fail("PUT", r"^/api/v3/core/transactional/applications/$", status=400, times=1)
    result = cli("sync")
    assert result.code == 65
    assert "PUT /api/v3/core/transactional/applications/" in result.err
    assert "HTTP 400" in result.err
    assert "Applied 0 of 2 before the error" in result.out


def test_internal_error_is_70_with_traceback(cli: Cli, fake: FakeAuthentik, tmp_path: Path) -> None:
    fake.state.add_group("media")
    cli.config(hosts(1))
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    result = cli("sync", environ=cli.environ | {"RUNTIME_DIRECTORY": str(not_a_dir)})
    assert result.code == 70
    assert "Traceback" in result.err and "internal error" in result.err
