"""One place where Authentik's JSON becomes model objects: a malformed object is a typed error.

Decoding is lenient about what it does not use (unknown fields are ignored, so newer Authentik
versions keep working) and strict about what it does: a missing or wrongly typed field is a
``MalformedAnswerError`` naming the endpoint, never a ``KeyError`` traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from provision.errors import MalformedAnswerError

T = TypeVar("T")


def decodes(endpoint: str) -> Callable[[Callable[[Mapping[str, Any]], T]], Callable[[Any], T]]:
    """Wrap a ``parse_*`` function for objects listed at ``endpoint``."""

    def wrap(parse: Callable[[Mapping[str, Any]], T]) -> Callable[[Any], T]:
        @functools.wraps(parse)
        def decode(data: Any) -> T:
            if not isinstance(data, Mapping):
                raise MalformedAnswerError(
                    f"an object is {type(data).__name__}, not a JSON object", path=endpoint
                )
            try:
                return parse(data)
            except KeyError as exc:
                problem = f"an object lacks the field {exc.args[0]!r}"
            except (TypeError, ValueError):
                problem = "an object has a field of the wrong type"
            raise MalformedAnswerError(f"{problem} (pk {data.get('pk')!r})", path=endpoint)

        return decode

    return wrap
