"""The doctor's checklist: one ok / warn / FAIL / skip line per check, and its exit code."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from provision.errors import EX_CONFIG, EX_DATAERR, EX_NOPERM, EX_TEMPFAIL
from provision.findings import CheckStatus
from provision.options import Output

# A broken config or token hides everything after it, and an unreachable server makes later
# findings unreliable, so those decide the exit code before a data problem does.
EXIT_PRIORITY = (EX_CONFIG, EX_NOPERM, EX_TEMPFAIL, EX_DATAERR)


@dataclass(frozen=True)
class Check:
    """One line of the doctor's checklist; ``exit_code`` says what a FAIL means (docs/cli.md)."""

    name: str
    status: CheckStatus
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
    return Check(name, CheckStatus.OK, reason)


def info(name: str, reason: str) -> Check:
    """A fact worth knowing that is neither a success nor a failure."""
    return Check(name, CheckStatus.INFO, reason)


def warn(name: str, reason: str, fix: str = "") -> Check:
    return Check(name, CheckStatus.WARN, reason, fix)


def fail(name: str, reason: str, fix: str, exit_code: int = EX_DATAERR) -> Check:
    return Check(name, CheckStatus.FAIL, reason, fix, exit_code)


def skipped(name: str, because: str) -> Check:
    return Check(name, CheckStatus.SKIP, f"skipped: {because}")


def doctor_exit_code(checks: Sequence[Check]) -> int:
    """0 without a FAIL; else the first of 78, 77, 75, 65 among the failures' codes."""
    codes = {c.exit_code for c in checks if c.status == CheckStatus.FAIL}
    if not codes:
        return 0
    return next((code for code in EXIT_PRIORITY if code in codes), max(codes))


def doctor_json(checks: Sequence[Check]) -> dict[str, Any]:
    """The checklist, the count per status and the exit code, as JSON shows them."""
    return {
        "checks": [c.as_json() for c in checks],
        "summary": _counts(checks),
        "exit_code": doctor_exit_code(checks),
    }


def _counts(checks: Sequence[Check]) -> dict[CheckStatus, int]:
    return {status: sum(c.status == status for c in checks) for status in CheckStatus}


def doctor_report(checks: Sequence[Check], output: Output = Output.TEXT) -> str:
    """The checklist as lines and a summary, or as JSON (``output="json"``)."""
    if output == Output.JSON:
        return json.dumps(doctor_json(checks), indent=2, sort_keys=True)
    counts = _counts(checks)
    lines = [_line(c) for c in checks]
    n = {status.name: count for status, count in counts.items()}
    facts = f" {n['INFO']} info," if n["INFO"] else ""
    lines.append(
        f"doctor: {n['OK']} ok,{facts} {n['WARN']} warn, {n['FAIL']} FAIL, {n['SKIP']} skipped"
    )
    return "\n".join(lines)


def _line(check: Check) -> str:
    reason = " ".join(check.reason.split())  # one line, whatever the message held
    text = f"{check.status:<4}  {check.name}: {reason}"
    shows_fix = check.fix and check.status in (CheckStatus.WARN, CheckStatus.FAIL)
    return f"{text} — fix: {check.fix}" if shows_fix else text
