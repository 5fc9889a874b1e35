"""Injected failures: answer a status, drop the connection, or answer late."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass


@dataclass
class Fault:
    """What the next ``times`` requests matching ``method`` and ``path`` get instead."""

    method: str
    path: re.Pattern[str]
    times: int
    status: int = 503
    retry_after: float | None = None
    drop: bool = False
    delay: float | None = None
    after: bool = False  # perform the request on the state first, then fail the answer

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and self.path.search(path) is not None

    @property
    def replaces_answer(self) -> bool:
        """Whether the client gets the fault instead of the real answer (not just a delay)."""
        return self.delay is None


class Faults:
    """Armed faults, consumed first come first served (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[Fault] = []

    def arm(self, fault: Fault) -> None:
        if fault.times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._armed.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        """The first armed fault for this request, counting one of its uses."""
        with self._lock:
            for fault in self._armed:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times == 0:
                        self._armed.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()
