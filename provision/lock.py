"""An exclusive file lock so two runs on one machine never interleave their writes."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import stat
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from provision.errors import ConfigError, LockTimeoutError

log = logging.getLogger(__name__)
LOCK_NAME = "authentik-provision.lock"


def lock_path(environ: Mapping[str, str]) -> Path:
    """``$RUNTIME_DIRECTORY`` (systemd), else a private directory of this user.

    The private directory is ``$XDG_RUNTIME_DIR/authentik-provision`` or
    ``<temp dir>/authentik-provision-<uid>``, mode 0700 and owned by the user: in a shared
    temp directory another user could otherwise create or hold the lock file.
    """
    runtime = environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
    if runtime:
        return Path(runtime) / LOCK_NAME
    xdg = environ.get("XDG_RUNTIME_DIR", "")
    if xdg and Path(xdg).is_dir():
        directory = Path(xdg) / "authentik-provision"
    else:
        directory = Path(tempfile.gettempdir()) / f"authentik-provision-{os.getuid()}"
    return _private(directory) / LOCK_NAME


def _private(directory: Path) -> Path:
    """Create ``directory`` 0700 or check that it is ours and private (never a symlink)."""
    with contextlib.suppress(FileExistsError):
        directory.mkdir(mode=0o700)
    info = directory.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise ConfigError(
            f"lock directory {directory} is not a directory owned by this user (uid"
            f" {os.getuid()}); remove it, or set $RUNTIME_DIRECTORY to a private directory"
        )
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(directory, 0o700)  # ours, so it is safe to close it up
    return directory


@contextmanager
def run_lock(path: Path, *, timeout: float = 120.0, poll: float = 0.1) -> Iterator[None]:
    """Hold the lock for the block; wait up to ``timeout`` seconds for another run to finish."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        deadline = time.monotonic() + timeout
        announced = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not announced:
                    log.info("another provision run holds %s; waiting", path)
                    announced = True
                if time.monotonic() >= deadline:
                    raise LockTimeoutError(
                        f"another provision run still holds the lock {path} after {timeout:g} s"
                    ) from None
                time.sleep(poll)
        yield
    finally:
        os.close(fd)
