"""An exclusive file lock so two runs on one machine never interleave their writes."""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from provision.errors import LockTimeoutError

log = logging.getLogger(__name__)
LOCK_NAME = "authentik-provision.lock"


def lock_path(environ: Mapping[str, str]) -> Path:
    """``$RUNTIME_DIRECTORY`` (systemd) or the system temp dir."""
    directory = environ.get("RUNTIME_DIRECTORY", "").split(":")[0] or tempfile.gettempdir()
    return Path(directory) / LOCK_NAME


@contextmanager
def run_lock(path: Path, *, timeout: float = 120.0, poll: float = 0.1) -> Iterator[None]:
    """Hold the lock for the block; wait up to ``timeout`` seconds for another run to finish."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
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
