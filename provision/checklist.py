"""The doctor's checklist: one ok / warn / FAIL / skip line per check, and its exit code."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from provision.errors import EX_CONFIG, EX_DATAERR, EX_NOPERM, EX_TEMPFAIL

OK, WARN, FAIL, SKIP, INFO = "ok", "warn", "FAIL", "skip", "info"

# A broken config or token hides everything after it, and an unreachable server makes later
# findings unreliable, so those decide the exit code before a data problem does.
EXIT_PRIORITY = (EX_CONFIG, EX_NOPERM, EX_TEMPFAIL, EX_DATAERR)


@dataclass(frozen=True)
class Check:
    """One line of the doctor's checklist; ``exit_code`` says what a FAIL means (DESIGN §1)."""

    name: str
    status: str
    reason: str
    fix: str = ""
    exit_code: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "reason": self.reason,
            "fix": self.fix,
            "exit_code": self.exit_code,
        }


def ok(name: str, reason: str) -> Check:
    return Check(name, OK, reason)


def info(name: str, reason: str) -> Check:
    """A fact worth knowing that is neither a success nor a failure."""
    return Check(name, INFO, reason)


def warn(name: str, reason: str, fix: str = "") -> Check:
    return Check(name, WARN, reason, fix)


def fail(name: str, reason: str, fix: str, exit_code: int = EX_DATAERR) -> Check:
    return Check(name, FAIL, reason, fix, exit_code)


def skipped(name: str, because: str) -> Check:
    return Check(name, SKIP, f"skipped: {because}")


def doctor_exit_code(checks: Sequence[Check]) -> int:
    """0 without a FAIL; else the first of 78, 77, 75, 65 among the failures' codes."""
    codes = {c.exit_code for c in checks if c.status == FAIL}
    if not codes:
        return 0
    return next((code for code in EXIT_PRIORITY if code in codes), max(codes))


def doctor_report(checks: Sequence[Check], output: str = "text") -> str:
    """The checklist as lines and a summary, or as JSON (``output="json"``)."""
    statuses = (OK, WARN, FAIL, SKIP, INFO)
    counts = {status: sum(c.status == status for c in checks) for status in statuses}
    if output == "json":
        document = {
            "checks": [c.as_json() for c in checks],
            "summary": counts,
            "exit_code": doctor_exit_code(checks),
        }
        return json.dumps(document, indent=2, sort_keys=True)
    lines = [_line(c) for c in checks]
    facts = f" {counts[INFO]} info," if counts[INFO] else ""
    lines.append(
        f"doctor: {counts[OK]} ok,{facts} {counts[WARN]} warn, {counts[FAIL]} FAIL,"
        f" {counts[SKIP]} skipped"
    )
    return "\n".join(lines)


def _line(check: Check) -> str:
    reason = " ".join(check.reason.split())  # one line, whatever the message held
    text = f"{check.status:<4}  {check.name}: {reason}"
    return f"{text} — fix: {check.fix}" if check.fix and check.status in (WARN, FAIL) else text
