"""Logging set-up for the CLI: stderr, plain lines for journald, or JSON records."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

_LEVEL_COLOUR = {"WARNING": "\033[33m", "ERROR": "\033[31m", "CRITICAL": "\033[31m"}


class _TextFormatter(logging.Formatter):
    """``level: message``; colour only on a TTY; no timestamps (journald adds its own)."""

    def __init__(self, colour: bool) -> None:
        super().__init__()
        self.colour = colour

    def format(self, record: logging.LogRecord) -> str:
        level = record.levelname.lower()
        if self.colour and record.levelname in _LEVEL_COLOUR:
            level = f"{_LEVEL_COLOUR[record.levelname]}{level}\033[0m"
        text = f"{level}: {record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(fmt: str, *, verbose: int = 0, quiet: bool = False) -> None:
    """Configure the root logger once, for the CLI only (library code never does this)."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(_TextFormatter(colour=sys.stderr.isatty()))
    level = logging.WARNING if quiet else logging.DEBUG if verbose >= 1 else logging.INFO
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("provision").setLevel(level)
    if verbose >= 2:
        root.setLevel(logging.DEBUG)
