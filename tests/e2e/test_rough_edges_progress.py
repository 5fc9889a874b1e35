"""A long sync shows how far it is: writes done of the total and the time elapsed, on a
rewritten terminal line or as periodic log lines; ``-q`` silences both."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator

import pytest

from provision.progress import ApplyProgress, elapsed
from provision.testing.fake_authentik import FakeAuthentik
from tests.e2e.conftest import Cli, hosts


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@contextlib.contextmanager
def provision_level(level: int) -> Iterator[None]:
    """The ``provision`` logger at ``level``, as the CLI sets it, for one block."""
    logger = logging.getLogger("provision")
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)


@pytest.fixture
def provision_info() -> Iterator[None]:
    """INFO: what the CLI sets without ``-q``."""
    with provision_level(logging.INFO):
        yield


def test_terminal_line_is_rewritten_then_cleared(provision_info: None) -> None:
    stream, clock = io.StringIO(), Clock()
    progress = ApplyProgress(4, stream, terminal=True, clock=clock)
    clock.now += 0.5
    progress.wrote()
    progress.wrote()  # within 0.2 s of the last rewrite: not drawn again
    clock.now += 65
    progress.wrote(2)
    progress.finish()
    assert stream.getvalue().split("\r\033[K") == [
        "",
        "applying: 1 of 4 writes done (25%), 0s elapsed",
        "applying: 4 of 4 writes done (100%), 1m05s elapsed",
        "",
    ]


def test_journal_gets_a_line_per_interval_or_quarter(
    provision_info: None, caplog: pytest.LogCaptureFixture
) -> None:
    stream, clock = io.StringIO(), Clock()
    progress = ApplyProgress(200, stream, terminal=False, clock=clock, interval=10)
    for _ in range(49):
        clock.now += 0.1
        progress.wrote()
    clock.now += 6  # 10.9 s since the start: a line though no quarter is done
    progress.wrote()
    progress.wrote()  # 51 of 200: the second quarter begins at 50, already logged
    clock.now += 1
    progress.wrote(49)  # 100: the half
    assert stream.getvalue() == ""
    assert [r.getMessage() for r in caplog.records if r.name == "provision.progress"] == [
        "applying: 50 of 200 writes done (25%), 10s elapsed",
        "applying: 100 of 200 writes done (50%), 11s elapsed",
    ]


def test_quiet_shows_nothing(caplog: pytest.LogCaptureFixture) -> None:
    stream, clock = io.StringIO(), Clock()
    with provision_level(logging.WARNING):  # what -q sets
        for terminal in (True, False):
            progress = ApplyProgress(2, stream, terminal=terminal, clock=clock, interval=0)
            clock.now += 30
            progress.wrote(2)
            progress.finish()
    assert stream.getvalue() == ""
    assert not [r for r in caplog.records if r.name == "provision.progress"]


def test_elapsed_reads_as_terraform_shows_it() -> None:
    assert [elapsed(s) for s in (0.4, 59.9, 60, 754)] == ["0s", "59s", "1m00s", "12m34s"]


def test_a_sync_of_100_hosts_logs_each_quarter_and_quiet_does_not(
    cli: Cli, fake: FakeAuthentik
) -> None:
    fake.state.add_group("media")
    cli.config(hosts(100))
    result = cli("sync")
    assert result.code == 0, result.err
    lines = [line for line in result.err.splitlines() if line.startswith("info: applying: ")]
    assert [line.split(" writes done ")[1].split(",")[0] for line in lines] == [
        "(25%)",
        "(50%)",
        "(75%)",
        "(100%)",
    ]
    assert lines[-1].startswith("info: applying: 101 of 101 writes done")  # and the outpost
    fake.state.add_group("family")
    cli.config(hosts(100, groups=["family"]))
    quiet = cli("sync", "-q")
    assert quiet.code == 0, quiet.err
    # 200 writes (each binding replaced), silently; the plan and result still go to stdout.
    assert "Applied: 100 added, 0 changed, 100 removed. 200 writes." in quiet.out
    assert "applying" not in quiet.err
