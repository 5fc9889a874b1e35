"""The request log of the fake: every request received, with credentials redacted."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DROPPED = 0
"""The status recorded for a request whose connection was closed without an answer."""


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it and the status it answered."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    headers: dict[str, str]

    @property
    def is_api_write(self) -> bool:
        return self.method in WRITE_METHODS and self.path.startswith("/api/")


def redacted_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Header names lower-cased; the Authorization credential never kept (only its scheme)."""
    kept = {name.lower(): value for name, value in headers.items()}
    if "authorization" in kept:
        scheme, _, credential = kept["authorization"].partition(" ")
        kept["authorization"] = f"{scheme} <redacted>" if credential else scheme
    return kept


class RequestLog:
    """A thread-safe, append-only list of ``RecordedRequest``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[RecordedRequest] = []

    def append(self, entry: RecordedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
