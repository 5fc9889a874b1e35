"""The commands' results on stdout, so --quiet (which silences logs) still shows them.

With ``--output json`` a command prints exactly one JSON document, whatever ends it: its
result, or what it had found before an error and the error itself, always with the exit code.
Scripts then read stdout alone; the error's line and any traceback still go to stderr.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from provision.errors import (
    EX_INTERRUPTED,
    EX_SOFTWARE,
    ApplyFailedError,
    AuthentikError,
    ConfigError,
    ProvisionError,
)
from provision.options import Output

Document = dict[str, Any]
BUG = "internal error (a bug in provision; the traceback is on stderr)"


def out(text: str) -> None:
    print(text, flush=True)


def reported(output: Output, run: Callable[[Document], int]) -> int:
    """``run(document)``'s exit code; in JSON mode, ``document`` (which ``run`` fills in) is
    printed once at the end with ``exit_code``, and with ``error`` when ``run`` raised.
    The error is raised again, for the CLI to log it and exit with its code."""
    document: Document = {}
    try:
        code = run(document)
    except ProvisionError as exc:
        _print(output, document | {"error": error_json(exc)}, exc.exit_code)
        raise
    except KeyboardInterrupt:
        _print(output, document | {"error": _error("interrupted", "interrupted")}, EX_INTERRUPTED)
        raise
    except Exception:
        _print(output, document | {"error": _error("internal", BUG)}, EX_SOFTWARE)
        raise
    _print(output, document, code)
    return code


def _print(output: Output, document: Document, code: int) -> None:
    if output == Output.JSON:
        out(json.dumps(document | {"exit_code": code}, indent=2, sort_keys=True))


def error_json(exc: ProvisionError) -> Document:
    """The error as the CLI's stderr line says it, with what a script can act on."""
    error = _error(type(exc).__name__, str(exc))
    if isinstance(exc, ConfigError):
        error["problems"] = list(exc.problems)
    if isinstance(exc, AuthentikError):
        error |= {"method": exc.method, "path": exc.path, "status": exc.status}
    if isinstance(exc, ApplyFailedError):
        error["errors"] = [str(e) for e in exc.errors]
    return error


def _error(kind: str, message: str) -> Document:
    return {"type": kind, "message": message}
