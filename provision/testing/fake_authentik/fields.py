"""Request-body fields the way Authentik's serializers (Django REST framework) read them.

A ``Field`` describes one property of a request model (type, format, required, nullable,
enum, lengths, pattern); ``read_body`` turns a JSON body into validated data plus DRF-style
errors carrying the exact messages Authentik answers with.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

Exists = Callable[[str, Any], bool]
"""``exists(relation, pk)``: does an object of that kind with that primary key exist?"""


@dataclass(frozen=True)
class ErrorDetail:
    """One error message with its code; ``repr`` matches DRF's (blueprint logs quote it)."""

    string: str
    code: str

    def __repr__(self) -> str:
        return f"ErrorDetail(string={self.string!r}, code={self.code!r})"


Errors = dict[str, list[ErrorDetail]]


@dataclass(frozen=True)
class Field:
    """One writable property of a request model, as schema.yml declares it."""

    type: Literal["string", "boolean", "integer", "object", "array"]
    format: str | None = None
    required: bool = False
    nullable: bool = False
    enum: tuple[str, ...] | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    items: Field | None = None
    # Not in the schema, but part of how the server behaves:
    relation: str | None = None  # a primary key of another kind of object
    allow_empty: bool = True  # arrays: DRF's allow_empty
    url_schemes: tuple[str, ...] = ("http", "https", "ftp", "ftps")
    pattern_message: str = "This value does not match the required pattern."
    check: Callable[[Any], str | None] | None = None  # a model-level validator: message or None


SLUG_MESSAGE = 'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'
TRUE_VALUES = frozenset(("t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE"))
TRUE_VALUES |= {"on", "On", "ON", "1"}
FALSE_VALUES = frozenset(("f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE"))
FALSE_VALUES |= {"off", "Off", "OFF", "0"}

_LABEL = r"[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff-]{0,61}[a-z0-9\u00a1-\uffff])?"
_TLD = r"\.(?!-)(?:[a-z\u00a1-\uffff-]{2,63}|xn--[a-z0-9]{1,59})(?<!-)\.?"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_HOST = (
    rf"(?:{_OCTET}(?:\.{_OCTET}){{3}}|\[[0-9a-f:.]+\]"
    rf"|{_LABEL}(?:\.(?!-)[a-z0-9\u00a1-\uffff-]{{1,63}}(?<!-))*{_TLD}|localhost)"
)
# Django's URLValidator rules: a dotted name with a letter TLD, localhost, or an IP address.
_URL = re.compile(
    rf"^[a-z0-9.+-]+://(?:[^\s:@/]+(?::[^\s:@/]*)?@)?{_HOST}(?::[0-9]{{1,5}})?(?:[/?#]\S*)?\Z",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")


TIMEDELTA_UNITS = {
    "weeks": 604800.0,
    "days": 86400.0,
    "hours": 3600.0,
    "minutes": 60.0,
    "seconds": 1.0,
    "milliseconds": 0.001,
    "microseconds": 0.000001,
}


def timedelta_seconds(value: str) -> float | None:
    """Seconds in Authentik's duration format (``hours=3;minutes=1``), or None if malformed."""
    total = 0.0
    for part in value.split(";"):
        unit, sep, amount = part.partition("=")
        if not sep or unit.strip() not in TIMEDELTA_UNITS:
            return None
        try:
            total += float(amount) * TIMEDELTA_UNITS[unit.strip()]
        except ValueError:
            return None
    return total


def is_valid_url(value: str, schemes: tuple[str, ...]) -> bool:
    """Whether ``value`` is a URL Authentik accepts for a field allowing ``schemes``."""
    scheme = value.split("://", 1)[0].lower()
    return scheme in schemes and len(value) <= 2048 and bool(_URL.match(value))


def _type_name(value: Any) -> str:
    return type(value).__name__


def _error(message: str, code: str = "invalid") -> tuple[Any, list[ErrorDetail]]:
    return None, [ErrorDetail(message, code)]


def _read_choice(field: Field, value: Any) -> tuple[Any, list[ErrorDetail]]:
    assert field.enum is not None  # noqa: S101 - only called for enum fields
    if not isinstance(value, dict | list) and str(value) in field.enum:
        return str(value), []
    return _error(f'"{value}" is not a valid choice.', "invalid_choice")


def _read_string(field: Field, value: Any) -> tuple[Any, list[ErrorDetail]]:
    if field.enum is not None:
        return _read_choice(field, value)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return _error("Not a valid string.")
    text = str(value).strip()  # DRF trims whitespace
    if text == "":
        return _error("This field may not be blank.", "blank") if field.min_length else ("", [])
    problem = _length_problem(field, text)
    return _error(problem) if problem else _read_string_format(field, text)


def _length_problem(field: Field, text: str) -> str:
    if field.max_length is not None and len(text) > field.max_length:
        return f"Ensure this field has no more than {field.max_length} characters."
    if field.min_length is not None and len(text) < field.min_length:
        return f"Ensure this field has at least {field.min_length} characters."
    return ""


def _read_string_format(field: Field, text: str) -> tuple[Any, list[ErrorDetail]]:
    if field.format == "uri" and not is_valid_url(text, field.url_schemes):
        return _error("Enter a valid URL.")
    if field.format == "email" and not _EMAIL.match(text):
        return _error("Enter a valid email address.")
    if field.format == "date-time":
        try:
            datetime.fromisoformat(text)
        except ValueError:
            return _error(
                "Datetime has wrong format. Use one of these formats instead: "
                "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
            )
    if field.pattern is not None and not re.search(field.pattern, text):
        return _error(field.pattern_message)
    return text, []


def _read_uuid_pk(value: Any) -> tuple[Any, list[ErrorDetail]]:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**128:
        return str(uuid.UUID(int=value)), []
    if not isinstance(value, str):
        return _error(f"Incorrect type. Expected pk value, received {_type_name(value)}.")
    try:
        return str(uuid.UUID(value)), []
    except ValueError:
        return _error(f"\u201c{value}\u201d is not a valid UUID.")


def _read_integer_pk(value: Any) -> tuple[Any, list[ErrorDetail]]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value), []
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]+\s*", value):
        return int(value), []
    return _error(f"Incorrect type. Expected pk value, received {_type_name(value)}.")


def _read_integer(field: Field, value: Any, exists: Exists) -> tuple[Any, list[ErrorDetail]]:
    if isinstance(value, str) and len(value) > 1000:
        return _error("String value too large.", "max_string_length")
    try:
        number = int(re.sub(r"\.0*\s*$", "", str(value)))
    except ValueError:
        return _error("A valid integer is required.")
    if field.maximum is not None and number > field.maximum:
        return _error(f"Ensure this value is less than or equal to {field.maximum}.", "max_value")
    if field.minimum is not None and number < field.minimum:
        return _error(
            f"Ensure this value is greater than or equal to {field.minimum}.", "min_value"
        )
    return number, []


def _read_boolean(field: Field, value: Any, exists: Exists) -> tuple[Any, list[ErrorDetail]]:
    if value is True or value is False:
        return value, []
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value), []
    if isinstance(value, str) and value in TRUE_VALUES | FALSE_VALUES:
        return value in TRUE_VALUES, []
    return _error("Must be a valid boolean.")


def _read_array(field: Field, value: Any, exists: Exists) -> tuple[Any, list[ErrorDetail]]:
    if not isinstance(value, list):
        return _error(f'Expected a list of items but got type "{_type_name(value)}".', "not_a_list")
    if not value and not field.allow_empty:
        return _error("This list may not be empty.", "empty")
    assert field.items is not None  # noqa: S101 - every array table entry declares its items
    read: list[Any] = []
    for item in value:
        # DRF's many-related fields stop at the first bad item and report it alone.
        item_value, problems = read_value(field.items, item, exists)
        if problems:
            return None, problems
        read.append(item_value)
    return read, []


def _read_object(field: Field, value: Any, exists: Exists) -> tuple[Any, list[ErrorDetail]]:
    if isinstance(value, Mapping):
        return dict(value), []
    message = f'Expected a dictionary of items but got type "{_type_name(value)}".'
    return _error(message, "not_a_dict")


def _read_text(field: Field, value: Any, exists: Exists) -> tuple[Any, list[ErrorDetail]]:
    converted, problems = _read_string(field, value)
    if not problems and field.check is not None and converted:
        message = field.check(converted)
        if message is not None:
            return _error(message)
    return converted, problems


def _read_relation(field: Field, value: Any, exists: Exists) -> tuple[Any, list[ErrorDetail]]:
    assert field.relation is not None  # noqa: S101 - only called for relations
    pk, problems = _read_uuid_pk(value) if field.format == "uuid" else _read_integer_pk(value)
    if problems:
        return None, problems
    if not exists(field.relation, pk):
        return _error(f'Invalid pk "{value}" - object does not exist.', "does_not_exist")
    return pk, []


Reader = Callable[[Field, Any, Exists], tuple[Any, list[ErrorDetail]]]
_READERS: dict[str, Reader] = {
    "array": _read_array,
    "object": _read_object,
    "boolean": _read_boolean,
    "integer": _read_integer,
    "string": _read_text,
}


def read_value(field: Field, value: Any, exists: Exists) -> tuple[Any, list[ErrorDetail]]:
    """Read one present value; return (converted value, errors)."""
    if value is None:
        return (None, []) if field.nullable else _error("This field may not be null.", "null")
    if field.relation is not None:
        return _read_relation(field, value, exists)
    return _READERS[field.type](field, value, exists)


def read_body(
    table: Mapping[str, Field], body: Mapping[str, Any], *, partial: bool, exists: Exists
) -> tuple[dict[str, Any], Errors]:
    """Validate ``body`` against ``table``: the data read and every field's errors.

    Unknown keys are ignored and required fields are only enforced when not ``partial``,
    as DRF does for POST/PUT versus PATCH.
    """
    data: dict[str, Any] = {}
    errors: Errors = {}
    for name, field in table.items():
        if name not in body:
            if field.required and not partial:
                errors[name] = [ErrorDetail("This field is required.", "required")]
            continue
        value, problems = read_value(field, body[name], exists)
        if problems:
            errors[name] = problems
        else:
            data[name] = value
    return data, errors


def patched(table: Mapping[str, Field]) -> dict[str, Field]:
    """The PATCH variant of a request model: the same fields, none required."""
    return {name: replace(field, required=False) for name, field in table.items()}


def messages(errors: Errors) -> dict[str, list[str]]:
    """Errors as the JSON body Authentik answers: field -> list of messages."""
    return {name: [detail.string for detail in details] for name, details in errors.items()}
