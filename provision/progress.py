"""Progress while a sync applies its plan: writes done of the total, and the time elapsed.

A first sync of 1,000 hosts takes minutes; without this it prints nothing until the end.
On a terminal one stderr line is rewritten in place; elsewhere (the journal) a log line is
written at each quarter of a long run and at least every ``interval`` seconds, as Terraform's
"Still creating… [10s elapsed]". Both are silent under ``-q`` (the ``provision`` logger is
above INFO), and cost one clock read per write.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TextIO

log = logging.getLogger(__name__)
INTERVAL = 10.0  # seconds between journal lines when no quarter is passed
QUARTERS_FROM = 100  # runs of this many writes also log each quarter done
_REDRAW = 0.2  # seconds between rewrites of the terminal line


class ApplyProgress:
    """Told of each write done; shows how far the apply is."""

    def __init__(
        self,
        total: int,
        stream: TextIO,
        *,
        terminal: bool,
        clock: Callable[[], float] = time.monotonic,
        interval: float = INTERVAL,
    ) -> None:
        self.total, self.done = total, 0
        self._stream, self._clock, self._interval = stream, clock, interval
        self._terminal = terminal
        self._enabled = log.isEnabledFor(logging.INFO)
        self._start = self._last = clock()
        self._quarter = 0
        self._drawn = False

    def wrote(self, writes: int = 1) -> None:
        """``writes`` more requests have written; show it if it is time to."""
        self.done += writes
        if not self._enabled:
            return
        now = self._clock()
        if self._terminal:
            if now - self._last >= _REDRAW or self.done >= self.total:
                self._stream.write(f"\r\033[K{self.line(now)}")
                self._stream.flush()
                self._drawn, self._last = True, now
            return
        quarter = 4 * self.done // self.total if self.total >= QUARTERS_FROM else 0
        if quarter > self._quarter or now - self._last >= self._interval:
            log.info("%s", self.line(now))
            self._quarter, self._last = quarter, now

    def finish(self) -> None:
        """Clear the terminal line, so what follows starts on a clean line."""
        if self._drawn:
            self._stream.write("\r\033[K")
            self._stream.flush()
            self._drawn = False

    def line(self, now: float) -> str:
        percent = 100 * self.done // self.total if self.total else 100
        return (
            f"applying: {self.done} of {self.total} writes done ({percent}%),"
            f" {elapsed(now - self._start)} elapsed"
        )


def elapsed(seconds: float) -> str:
    """``7s``, ``1m05s``: as Terraform shows time elapsed."""
    whole = int(seconds)
    return f"{whole}s" if whole < 60 else f"{whole // 60}m{whole % 60:02d}s"
