"""``skip_path_regex``: the paths a provider lets through without a login, as the outpost reads it.

The Go outpost splits a non-empty ``skip_path_regex`` on ``\\n`` and compiles every line with
Go's ``regexp`` (RE2 syntax, unanchored search); a line that does not compile is left out, and
an empty line compiles to a pattern that matches everything. ``forward_single`` (and ``proxy``)
match the path of the original request, ``forward_domain`` the whole URL
(``IsAllowlisted`` in ``internal/outpost/proxyv2/application/mode_common.go``).
"""

from __future__ import annotations

import functools
from typing import Any

import re2

from .store import Record

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # the outpost only logs a warning; keep the test output clean


@functools.lru_cache(maxsize=256)
def skip_patterns(skip_path_regex: str) -> tuple[Any, ...]:
    """The compiled lines of ``skip_path_regex``, as the outpost keeps them."""
    if not skip_path_regex:
        return ()
    patterns = []
    for line in skip_path_regex.split("\n"):
        try:
            patterns.append(re2.compile(line, options=_OPTIONS))
        except re2.error:
            continue
    return tuple(patterns)


def is_skipped(provider: Record, path: str, url: str) -> bool:
    """Whether the original request (its decoded ``path`` and whole ``url``) needs no login."""
    tested = url if provider["mode"] == "forward_domain" else path
    return any(pattern.search(tested) for pattern in skip_patterns(provider["skip_path_regex"]))
