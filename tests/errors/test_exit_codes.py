"""Every error class exits with the code docs/cli.md gives it; only what can heal exits 75."""

from __future__ import annotations

import pytest

from provision import errors
from provision.errors import ProvisionError

# docs/cli.md: 64 usage, 65 cannot apply as given, 75 can heal (systemd restarts), 77 token,
# 78 config or secrets. The unit's RestartPreventExitStatus is 64 65 77 78.
EXPECTED = {
    "ProvisionError": 70,
    "UsageError": 64,
    "ConfigError": 78,
    "PlanError": 65,
    "ConflictError": 65,
    "UnsafePlanError": 65,
    "MissingReferenceError": 65,
    "UnsupportedVersionError": 65,
    "ApplyFailedError": 70,  # by itself; it carries the code of the error that stopped the sync
    "LockTimeoutError": 75,
    "AuthentikError": 65,
    "AuthError": 77,
    "NotFound": 65,
    "APIRejected": 65,
    "MalformedAnswerError": 65,
    "WrongServerError": 78,
    "ServerError": 75,
    "TransientAPIError": 75,
    "NotReadyError": 75,
}
HEALS = {"LockTimeoutError", "ServerError", "TransientAPIError", "NotReadyError"}


def _tree(root: type[ProvisionError]) -> list[type[ProvisionError]]:
    found = [root]
    for sub in root.__subclasses__():
        found += _tree(sub)
    return found


CLASSES = [c for c in _tree(ProvisionError) if c.__module__ == errors.__name__]


def test_every_error_class_is_pinned() -> None:
    assert sorted(c.__name__ for c in CLASSES) == sorted(EXPECTED)


@pytest.mark.parametrize("cls", CLASSES, ids=[c.__name__ for c in CLASSES])
def test_exit_code_of(cls: type[ProvisionError]) -> None:
    assert cls.exit_code == EXPECTED[cls.__name__]


def test_only_what_can_heal_exits_75() -> None:
    assert {c.__name__ for c in CLASSES if c.exit_code == errors.EX_TEMPFAIL} == HEALS


def test_a_lock_timeout_is_not_an_api_error() -> None:
    assert not issubclass(errors.LockTimeoutError, errors.AuthentikError)


def test_the_docstring_tree_shows_each_code() -> None:
    lines = [line.strip("│├└─ ").split() for line in (errors.__doc__ or "").splitlines()]
    shown = {words[0]: words[1:2] for words in lines if words}
    for cls in CLASSES:
        code = shown[cls.__name__]  # every class is in the tree
        # A class without a code of its own in the tree inherits its parent's.
        assert code in ([], ["exit"], [str(cls.exit_code)]) or not code[0].isdigit(), cls


def test_a_failed_apply_exits_with_the_code_of_what_stopped_it() -> None:
    transient = errors.TransientAPIError("unreachable", method="PUT", path="/x/")
    rejected = errors.APIRejected({"name": ["taken"]}, method="PUT", path="/x/")
    assert errors.ApplyFailedError([transient, rejected], ["a"], 3).exit_code == 75
    assert errors.ApplyFailedError([rejected, transient], ["a"], 3).exit_code == 65
    assert errors.ApplyFailedError([], ["a"], 3, signal_code=143).exit_code == 143
    message = str(errors.ApplyFailedError([rejected], ["create application 'A'"], 3))
    assert "applied 1 of 3 changes" in message and "name: taken" in message
