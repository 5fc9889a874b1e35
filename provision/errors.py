"""The one error tree of the project; every expected failure is a ``ProvisionError``.

    ProvisionError                       exit code (sysexits, see docs/cli.md)
    ├── UsageError                       64  bad command line
    ├── ConfigError                      78  config or secrets file, field, sops failure
    ├── PlanError                        65  desired state cannot be applied as given
    │   ├── ConflictError                    an unowned object is in the way (--adopt)
    │   ├── UnsafePlanError                  too many deletions/updates (--force)
    │   ├── MissingReferenceError            a flow or group does not exist
    │   └── UnsupportedVersionError          Authentik older than 2024.12
    ├── LockTimeoutError             75  another run on this machine held the lock too long
    ├── ApplyFailedError             ..  a sync stopped part-way: the code of what stopped it
    │                                    (143 SIGTERM, 130 SIGINT), with what was applied
    └── AuthentikError               65  an answer this tool cannot use (e.g. HTTP 409)
        ├── AuthError                    77  token missing, invalid or lacking permission
        ├── NotFound                     65  a requested object does not exist
        ├── APIRejected                  65  a 400 with field errors
        ├── MalformedAnswerError         65  JSON of the wrong shape, paging that never ends
        ├── WrongServerError             78  TLS verification failed, a redirect, not JSON:
        │                                    authentik.url or ca_bundle is wrong
        ├── ServerError                  75  HTTP 500 (not retried in a run; a later run may pass)
        └── TransientAPIError            75  unreachable, timeout, 429, 502-504 after retries
            └── NotReadyError            75  readiness wait ran out

Only what can heal by itself exits 75, the code systemd restarts on; everything else needs a
person, so its message says what to change.

The CLI catches ``ProvisionError``, prints ``str(exc)`` and exits with ``exc.exit_code``.
Messages never contain a secret: callers pass only names, paths and statuses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

EX_USAGE = 64
EX_DATAERR = 65
EX_SOFTWARE = 70
EX_TEMPFAIL = 75
EX_NOPERM = 77
EX_CONFIG = 78


class ProvisionError(Exception):
    """Root of every expected failure."""

    exit_code = EX_SOFTWARE


class UsageError(ProvisionError):
    """The command line is wrong."""

    exit_code = EX_USAGE


class ConfigError(ProvisionError):
    """The config or secrets are invalid; ``problems`` lists every one found."""

    exit_code = EX_CONFIG

    def __init__(self, problems: Sequence[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class PlanError(ProvisionError):
    """The desired state cannot be applied as given."""

    exit_code = EX_DATAERR


class ConflictError(PlanError):
    """Unowned objects stand where declared ones would go."""

    def __init__(self, conflicts: Sequence[str]) -> None:
        self.conflicts = list(conflicts)
        lines = [f"conflict: {c}" for c in self.conflicts]
        lines.append(
            "nothing was changed. Re-run with --adopt to take over an unowned application or"
            " unassigned provider (plan --adopt shows the diff); anything else must be renamed,"
            " unbound or removed by hand"
        )
        super().__init__("\n".join(lines))


class UnsafePlanError(PlanError):
    """The plan deletes or changes more than the safety limit allows."""


class MissingReferenceError(PlanError):
    """A referenced flow or group does not exist in Authentik."""

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = list(missing)
        super().__init__("\n".join(self.missing))


class UnsupportedVersionError(PlanError):
    """The server runs an Authentik release this tool does not support."""


class LockTimeoutError(ProvisionError):
    """Another run on this machine held the run lock past the wait (it may finish: 75)."""

    exit_code = EX_TEMPFAIL


class AuthentikError(ProvisionError):
    """Authentik answered with something this tool cannot use, or could not be reached."""

    exit_code = EX_DATAERR

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        where = f"{method} {path}".strip()
        prefix = f"{where}: " if where else ""
        suffix = f" (HTTP {status})" if status is not None else ""
        super().__init__(f"{prefix}{message}{suffix}")


# Authentik answers an expired token exactly as a wrong one (403 "Token invalid/expired"), and
# tokens made in its UI expire: on new installs of 2026.8.1 and later after one day.
EXPIRED_TOKEN_FIX = (
    "the token may have expired (tokens made in Authentik's UI expire, on new 2026.8 installs"
    " after one day): create one that does not in Admin → Directory → Tokens and App passwords"
    " (user: a superuser, intent: API Token, Expiring: off) and put it where AUTHENTIK_TOKEN"
    " is read from"
)


class AuthError(AuthentikError):
    """The token was missing, rejected, or lacks permission (Authentik answers 403)."""

    exit_code = EX_NOPERM

    def __init__(
        self, message: str, *, method: str = "", path: str = "", status: int | None = None
    ) -> None:
        super().__init__(message, method=method, path=path, status=status)
        if status == 403 and "expired" in message:
            self.args = (f"{self.args[0]}; {EXPIRED_TOKEN_FIX}",)


class NotFound(AuthentikError):
    """The object does not exist."""

    exit_code = EX_DATAERR


class APIRejected(AuthentikError):
    """Authentik rejected a request body; ``field_errors`` holds its messages per field."""

    exit_code = EX_DATAERR

    def __init__(
        self,
        field_errors: Mapping[str, Sequence[str]],
        *,
        method: str = "",
        path: str = "",
        status: int | None = 400,
    ) -> None:
        self.field_errors = {k: list(v) for k, v in field_errors.items()}
        detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in self.field_errors.items())
        super().__init__(f"rejected: {detail}", method=method, path=path, status=status)


class MalformedAnswerError(AuthentikError):
    """The answer is JSON but not of the shape Authentik's API gives (or its paging never ends)."""

    exit_code = EX_DATAERR

    def __init__(self, message: str, *, method: str = "GET", path: str = "") -> None:
        remedy = "; is authentik.url an Authentik server of a supported version? (provision doctor)"
        super().__init__(message + remedy, method=method, path=path)


class WrongServerError(AuthentikError):
    """What answers at ``authentik.url`` is not Authentik's API as configured: fix the config."""

    exit_code = EX_CONFIG


class ServerError(AuthentikError):
    """Authentik failed with HTTP 500 (for example while its database is down)."""

    exit_code = EX_TEMPFAIL


class TransientAPIError(AuthentikError):
    """Authentik was unreachable or overloaded after the retry budget."""

    exit_code = EX_TEMPFAIL


class NotReadyError(TransientAPIError):
    """Authentik did not become ready within ``--wait``."""


EX_INTERRUPTED = 130  # SIGINT, as a shell reports it
EX_TERMINATED = 143  # SIGTERM (systemd's stop)


class ApplyFailedError(ProvisionError):
    """A sync stopped part-way: ``applied`` lists the writes that landed, ``errors`` every
    failure of the stage that failed (or the signal that stopped it).

    The exit code is that of the first expected error (a signal's when stopped), so systemd
    still tells what can heal from what needs a person.
    """

    def __init__(
        self,
        errors: Sequence[BaseException],
        applied: Sequence[str],
        planned: int,
        *,
        signal_code: int | None = None,
    ) -> None:
        self.errors = list(errors)
        self.applied = list(applied)
        self.planned = planned
        expected = [e for e in self.errors if isinstance(e, ProvisionError)]
        if signal_code is not None:
            self.exit_code = signal_code
        elif expected:
            self.exit_code = expected[0].exit_code
        lines = [
            f"error: {e}" if isinstance(e, ProvisionError) else f"error: {e!r}" for e in errors
        ]
        if signal_code is not None:
            lines.insert(0, "stopped by a signal: no further write was started")
        lines.append(
            f"applied {len(self.applied)} of {planned} changes before stopping; nothing applied"
            " is undone, and the next sync converges from here"
        )
        super().__init__("\n".join(lines))
