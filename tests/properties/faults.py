"""Faults a sync may meet on a write: a server error, or a connection dropped unanswered,
either before the write is done or after it (the client then cannot tell it happened)."""

from __future__ import annotations

from dataclasses import dataclass

from provision.testing.fake_authentik import FakeAuthentik

WRITES = ("POST", "PATCH", "PUT", "DELETE")


@dataclass(frozen=True)
class Fault:
    """The first ``method`` request under ``/api/v3/`` fails this way; the rest are served."""

    method: str
    status: int  # 0: the connection is dropped without an answer
    after: bool  # the write is done on the server first

    def arm(self, fake: FakeAuthentik) -> None:
        drop = self.status == 0
        status = 500 if drop else self.status
        fake.fail(self.method, r"^/api/v3/", status=status, drop=drop, after=self.after)


FAULTS = tuple(
    Fault(method, status, after)
    for method in WRITES
    for status in (500, 0)
    for after in (False, True)
)
