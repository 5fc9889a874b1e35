"""Every failure class of the exit-code table: the code, and a message naming the cause."""

from __future__ import annotations

from pathlib import Path

from provision.testing.fake_authentik import FakeAuthentik, RecordedRequest
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


def test_a_500_on_the_sixth_write_reports_what_was_applied_and_a_rerun_converges(
    cli: Cli, fake: FakeAuthentik
) -> None:
    fake.state.add_group("media")
    cli.config(hosts(8), authentik={"concurrency": 1})
    transactional = "/api/v3/core/transactional/applications/"
    landed: list[str] = []

    def on_write(request: RecordedRequest) -> None:
        landed.append(request.body["app"]["slug"])
        if len(landed) == 5:  # the next write, the 6th, fails
            fake.fail("PUT", f"^{transactional}$", status=500, times=1)

    fake.on_write = on_write
    failed = cli("sync")
    fake.on_write = None
    assert failed.code == 75  # HTTP 500 can heal: systemd retries it
    assert "Applied 5 of 9 before the error:" in failed.out
    for slug in landed:
        assert f"create application {slug.title()!r}" in failed.out
    assert f"PUT {transactional}: server error (HTTP 500)" in failed.err
    assert "applied 5 of 9 changes before stopping" in failed.err
    assert "the next sync converges" in failed.err
    writes = fake.writes()
    assert [r.status for r in writes] == [200] * 5 + [500]
    fake.clear_log()
    again = cli("sync")
    assert again.code == 0, again.err
    retried = [r.body["app"]["slug"] for r in fake.writes() if r.path == transactional]
    assert retried == ["app05", "app06", "app07"]
    assert cli("plan", "--detailed-exitcode").code == 0


def test_an_outpost_that_keeps_changing_under_the_sync_exits_75(
    cli: Cli, fake: FakeAuthentik
) -> None:
    cli.config([{"host": "open.home.example.com", "any_user": True}])

    def another_writer(request: RecordedRequest) -> None:
        if request.method == "PATCH" and "/outposts/instances/" in request.path:
            fake.state.set_outpost_providers([])  # replaced right after each of our PATCHes

    fake.on_write = another_writer
    result = cli("sync")
    fake.on_write = None
    assert result.code == 75  # another writer may stop: systemd's retry is right here
    assert "the embedded outpost kept changing; 5 merges did not hold" in result.err
    assert len([r for r in fake.writes() if r.method == "PATCH"]) == 5
