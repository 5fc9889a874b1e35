"""Print the official ``authentik-client`` request models as plain field views (JSON).

    python client_models.py PACKAGE_DIR|- MODEL [MODEL ...]

Run in its own process, so each release's package can come first on ``sys.path`` (``-``: the
one installed). Only the named models' modules are imported: the package's ``__init__`` (which
imports every API and model) is skipped, which keeps this quick.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import json
import re
import sys
import types
import typing
import uuid
import warnings
from datetime import datetime
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import annotated_types

PACKAGE = "authentik_client"
SCALARS: dict[Any, tuple[str, str | None]] = {
    str: ("string", None),
    bool: ("boolean", None),
    int: ("integer", None),
    uuid.UUID: ("string", "uuid"),
    datetime: ("string", "date-time"),
}


def _bare_packages(root: Path) -> None:
    """``authentik_client`` and ``.models`` as empty packages: no ``__init__`` runs."""
    for name, path in ((PACKAGE, root), (f"{PACKAGE}.models", root / "models")):
        module = types.ModuleType(name)
        module.__path__ = [str(path)]
        sys.modules[name] = module


def _module_name(model: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", model).lower()


def _strip_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(annotation) if a is not type(None)]
        return rest[0] if len(rest) == 1 else annotation
    return annotation


def _limits(metadata: list[Any]) -> dict[str, Any]:
    view: dict[str, Any] = {}
    for item in metadata:
        for attribute, key in (
            ("min_length", "min_length"),
            ("max_length", "max_length"),
            ("ge", "minimum"),
            ("le", "maximum"),
        ):
            value = getattr(item, attribute, None)
            if value is not None:
                view[key] = value
        if isinstance(item, annotated_types.Interval):
            view.update({"minimum": item.ge, "maximum": item.le})
    return view


def _type_view(annotation: Any, metadata: list[Any]) -> dict[str, Any]:
    annotation = _strip_optional(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        return _type_view(inner, [*metadata, *extra, *getattr(extra[0], "metadata", [])])
    view: dict[str, Any] = {"format": None, "enum": None}
    origin = typing.get_origin(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation)
        view |= {"type": "array", "items": _type_view(item, [])}
    elif origin is dict or annotation is dict or annotation is Any:
        view["type"] = "object"
    elif inspect.isclass(annotation) and issubclass(annotation, enum.Enum):
        view |= {"type": "string", "enum": [member.value for member in annotation]}
    else:
        kind, form = SCALARS[annotation]
        view |= {"type": kind, "format": form}
    return view | _limits(metadata)


def _patterns(cls: type) -> dict[str, str]:
    """Patterns live in generated ``@field_validator`` methods: ``re.match(r"...", value)``."""
    source = inspect.getsource(cls)
    found = re.findall(
        r"@field_validator\('(\w+)'(?:, mode=\"\w+\")?\)\s+def \w+\(cls, value\):.*?r\"(.*?)\"",
        source,
        re.S,
    )
    return dict(found)


def _nullable(cls: Any, name: str, required: dict[str, Any]) -> bool:
    """``to_dict`` keeps an explicit ``None`` only for fields the schema marks nullable."""
    try:
        instance = cls.model_construct(**required, **{name: None})
        instance.__pydantic_fields_set__.add(name)
        return name in instance.to_dict()
    except Exception:  # a model whose to_dict needs real values cannot tell
        return False


def _example(view: dict[str, Any]) -> Any:
    return [] if view["type"] == "array" else {} if view["type"] == "object" else "x"


def model_view(cls: Any) -> dict[str, Any]:
    fields = cls.model_fields
    patterns = _patterns(cls)
    views: dict[str, Any] = {}
    for name, info in fields.items():
        views[name] = _type_view(info.annotation, list(info.metadata))
        views[name] |= {"required": info.is_required(), "pattern": patterns.get(name)}
    required = {n: _example(v) for n, v in views.items() if v["required"]}
    for name, view in views.items():
        view["nullable"] = _nullable(cls, name, {k: v for k, v in required.items() if k != name})
    return views


def main(argv: list[str]) -> int:
    directory, *models = argv
    warnings.simplefilter("ignore")  # to_dict on placeholder values warns about their types
    if directory != "-":
        sys.path.insert(0, directory)
    spec = find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        print(json.dumps({"error": f"{PACKAGE} is not installed"}))
        return 1
    _bare_packages(Path(spec.origin).parent)
    answer: dict[str, Any] = {"file": spec.origin}
    for model in models:
        module = importlib.import_module(f"{PACKAGE}.models.{_module_name(model)}")
        answer[model] = model_view(getattr(module, model))
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
