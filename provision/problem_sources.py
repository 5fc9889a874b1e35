"""Where a config or secrets problem came from, so the doctor's fix line names that place.

Problems name their source at their start: ``environment PROVISION_APPS: …`` (a config
override), ``$AUTHENTIK_TOKEN: …`` or ``systemd credential authentik-token: …`` (a secret);
anything else came from a file. "Fix the file" is no help when the file is fine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_SOURCES = (
    (re.compile(r"environment (PROVISION_\w+): "), "the environment variable {}"),
    (re.compile(r"\$(\w+): "), "the environment variable {}"),
    (re.compile(r"systemd credential ([\w.@-]+): "), "the systemd credential {}"),
)


def fix_naming_sources(problems: Sequence[str], fix_the_file: str) -> str:
    """``fix_the_file`` (e.g. "fix the file"), or the variables and credentials to fix instead.

    Args:
        problems: one line per problem, as ``ConfigError.problems`` holds them.
        fix_the_file: the fix when a problem came from a file.
    """
    places: list[str] = []
    from_a_file = False
    for problem in problems:
        place = _source(problem)
        if place is None:
            from_a_file = True
        elif place not in places:
            places.append(place)
    if from_a_file or not places:
        places.insert(0, fix_the_file.removeprefix("fix "))
    return f"fix {' and '.join(places)} (see `provision validate`)"


def _source(problem: str) -> str | None:
    for pattern, place in _SOURCES:
        found = pattern.match(problem)
        if found:
            return place.format(found.group(1))
    return None
