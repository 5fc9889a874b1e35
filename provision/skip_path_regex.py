"""``skip_path_regex`` as the outpost reads it: the stored text, one Go regexp per line."""

from __future__ import annotations

import random
import string

import re2

from provision.names import Parsed, stored_text, text

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # the error is reported with file and line instead
_EVERYTHING = "matches every path and would switch off authentication for the whole host"


def _sample_paths() -> tuple[str, ...]:
    """Paths no real skip rule matches all of: a line matching every one skips login for the
    whole host. A few typical ones, and 64 random ones drawn once from a fixed seed (the same
    on every run) over the characters a decoded URL path can hold."""
    chars = string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/%? é€😀"
    draw = random.Random(17)  # noqa: S311 - samples, not secrets; fixed so checks are stable
    drawn = ("/" + "".join(draw.choices(chars, k=draw.randint(0, 40))) for _ in range(64))
    return ("/", "/index.html", "/admin", "/login", "/zz-sample/x.y", *drawn)


_SAMPLE_PATHS = _sample_paths()


class SkipPathRegex(Parsed):
    """The value as Authentik stores it (trimmed), each line a regex the outpost may compile.

    The outpost splits the stored value on ``\\n`` and compiles every line as a Go regexp
    (RE2 syntax: no lookaround, no backreferences, ``\\z`` for the end); a request whose path
    matches any line skips the login. An empty line is the empty regex, which matches every
    path, so a blank line (or one of spaces only) anywhere is refused, as is any line that
    matches every sample path. Problems number the lines as written.
    """

    __slots__ = ()

    def __new__(cls, value: object) -> SkipPathRegex:
        if isinstance(value, cls):
            return value
        written = text(value)
        stored = stored_text(written)
        first = written[: len(written) - len(written.lstrip())].count("\n") + 1
        numbered = enumerate(stored.split("\n") if stored else [], start=first)
        problems = [problem for number, line in numbered if (problem := _problem(number, line))]
        if problems:
            raise ValueError("; ".join(problems))
        return super().__new__(cls, stored)

    @property
    def lines(self) -> tuple[str, ...]:
        """The regexes the outpost compiles, in order; none when the value is empty."""
        return tuple(self.split("\n")) if self else ()


def _problem(number: int, line: str) -> str | None:
    if not line.strip():
        return f"line {number} is blank: the outpost reads it as a regex that {_EVERYTHING}"
    try:
        pattern = re2.compile(line, options=_RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args else "invalid"
        return f"line {number} {line!r} is not a valid RE2 (Go) regex ({reason})"
    if all(pattern.search(path) for path in _SAMPLE_PATHS):
        return f"line {number} {line!r} {_EVERYTHING}"
    return None


NO_SKIP_PATHS = SkipPathRegex("")  # the outpost skips the login for no path
