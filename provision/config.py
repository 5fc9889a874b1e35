"""Load the config file: YAML with line numbers, environment overrides, every problem at once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_settings import EnvSettingsSource

from provision import naming
from provision.cross_checks import cross_checks
from provision.errors import ConfigError
from provision.model import FORWARD_DOMAIN, DesiredApp, DesiredState
from provision.settings import (
    AppSettings,
    DomainSettings,
    Settings,
    resolve_access,
)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DEFAULT_PATHS = (Path("provision.yaml"), Path("/etc/authentik-provision/provision.yaml"))
Loc = tuple[str | int, ...]
_BOOLEANS = ("true", "false")


@dataclass(frozen=True)
class Config:
    path: Path
    settings: Settings
    desired: DesiredState


def find_config(explicit: str | None, environ: Mapping[str, str]) -> Path:
    """``--config``, else ``$PROVISION_CONFIG``, else ./provision.yaml, else /etc/…."""
    if explicit:
        return Path(explicit)
    if environ.get("PROVISION_CONFIG"):
        return Path(environ["PROVISION_CONFIG"])
    for candidate in DEFAULT_PATHS:
        if candidate.exists():
            return candidate
    return DEFAULT_PATHS[0]


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read, override from the environment, validate; raise ConfigError listing every problem."""
    environ = os.environ if environ is None else environ
    raw, lines = _read_yaml(path)
    env_values = _environment_values(environ)
    merged = _deep_merge(raw, env_values)
    problems = _cross_checks(merged, path, lines, env_values)
    try:
        settings = Settings(**merged)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path, lines, env_values) + problems) from None
    if problems:
        raise ConfigError(problems)
    return Config(path=path, settings=settings, desired=desired_state(settings))


def desired_state(settings: Settings) -> DesiredState:
    """Apply the defaults of DESIGN §2 to each app."""
    return DesiredState(
        apps=tuple(_desired_app(app, settings) for app in settings.apps),
        owner=settings.owner,
        outpost_managed=settings.outpost.managed,
        outpost_config=settings.outpost.managed_config(),
        domains=tuple(_desired_domain(domain, settings) for domain in settings.domains),
    )


def _desired_domain(domain: DomainSettings, settings: Settings) -> DesiredApp:
    """A domain as a ``forward_domain`` target logging in at its auth host (DESIGN §10)."""
    d = settings.defaults
    name = domain.name or domain.domain
    return DesiredApp(
        host=domain.auth_host,
        name=name,
        slug=domain.slug or naming.default_slug(name),
        access=resolve_access(domain, d),
        launch_url=f"https://{domain.auth_host}",
        backend=domain.backend,
        authorization_flow=d.authorization_flow,
        invalidation_flow=d.invalidation_flow,
        access_token_validity=d.access_token_validity,
        mode=FORWARD_DOMAIN,
        cookie_domain=domain.domain,
    )


def _desired_app(app: AppSettings, settings: Settings) -> DesiredApp:
    d = settings.defaults
    name = app.name or naming.default_name(app.host)
    return DesiredApp(
        host=app.host,
        name=name,
        slug=app.slug or naming.default_slug(name),
        group=app.group,
        icon=app.icon,
        description=app.description,
        launch_url=app.launch_url or f"https://{app.host}",
        skip_path_regex=app.skip_path_regex,
        access=resolve_access(app, d),
        backend=app.backend,
        authorization_flow=app.authorization_flow or d.authorization_flow,
        invalidation_flow=app.invalidation_flow or d.invalidation_flow,
        access_token_validity=app.access_token_validity or d.access_token_validity,
    )


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[Loc, int]]:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found (use --config or $PROVISION_CONFIG)"
        ) from None
    except PermissionError:
        raise ConfigError(f"{path}: config file is not readable (permission denied)") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file (invalid UTF-8)") from None
    try:
        node, data = _parse(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{where}: YAML syntax error: {problem}") from None
    if data is None:
        raise ConfigError(f"{path}: the config file is empty (see examples/provision.yaml)")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    lines: dict[Loc, int] = {}
    duplicates: list[str] = []
    _index_lines(node, (), lines, duplicates, path)
    if duplicates:
        raise ConfigError(duplicates)
    return data, lines


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """Parse once (with libyaml when present), keeping the node tree for line numbers."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return node, loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def _index_lines(
    node: yaml.Node | None, loc: Loc, lines: dict[Loc, int], dups: list[str], path: Path
) -> None:
    if node is None:
        return
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                dups.append(
                    f"{path}:{key_node.start_mark.line + 1}: {_dotted((*loc, key))}: duplicate key"
                )
            seen.add(key)
            lines[(*loc, key)] = key_node.start_mark.line + 1
            _index_lines(value_node, (*loc, key), lines, dups, path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, (*loc, index), lines, dups, path)


class _EnvironSource(EnvSettingsSource):
    """pydantic-settings' environment parsing, over a mapping we are given."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(Settings)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k.lower(): v for k, v in self._environ.items()}


def _environment_values(environ: Mapping[str, str]) -> dict[str, Any]:
    try:
        values = dict(_EnvironSource(environ)())
    except Exception as exc:  # pydantic-settings raises SettingsError for unparsable JSON
        raise ConfigError(
            f"environment: a PROVISION_* variable could not be parsed: {exc}"
        ) from None
    return _env_booleans(values)


def _env_booleans(values: dict[str, Any]) -> dict[str, Any]:
    """Environment values are text: ``true``/``false`` become booleans for boolean keys.

    Anything else stays text, so the strict boolean check refuses it and names the variable.
    """
    for section, fields in values.items():
        model = Settings.model_fields.get(section)
        annotation = model.annotation if model is not None else None
        if not isinstance(fields, dict) or not isinstance(annotation, type):
            continue
        known = getattr(annotation, "model_fields", {})
        for key, value in fields.items():
            spec = known.get(key)
            boolean = spec is not None and spec.annotation in (bool, bool | None)
            if boolean and isinstance(value, str) and value.strip().lower() in _BOOLEANS:
                fields[key] = value.strip().lower() == "true"
    return values


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _where(path: Path, lines: Mapping[Loc, int], loc: Loc, env: Mapping[str, Any]) -> str:
    variable = _env_variable(env, loc)
    if variable is not None:
        return f"environment {variable}"
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return f"{path}:{lines[loc[:end]]}"
    return str(path)


def _env_variable(env: Mapping[str, Any], loc: Loc) -> str | None:
    """The ``PROVISION_*`` variable that set ``loc`` (``PROVISION_APPS`` for any app), if any."""
    names: list[str] = []
    node: Any = env
    for part in loc:
        if not isinstance(node, Mapping) or not isinstance(part, str) or part not in node:
            break
        names.append(part.upper())
        node = node[part]
    return "PROVISION_" + "__".join(names) if names else None


_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "required key is missing",
}


def _describe(
    exc: ValidationError, path: Path, lines: Mapping[Loc, int], env: Mapping[str, Any]
) -> list[str]:
    problems = []
    for error in exc.errors():
        loc: Loc = tuple(
            p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))
        )
        message = _MESSAGES.get(error["type"], error["msg"]).removeprefix("Value error, ")
        scalar = not isinstance(error.get("input"), dict | list | tuple)
        if error["type"] not in _MESSAGES and error["type"] != "value_error" and scalar:
            message = f"{message} (got {error['input']!r})"
        problems.append(f"{_where(path, lines, loc, env)}: {_dotted(loc)}: {message}")
    return problems


def _cross_checks(
    raw: Mapping[str, Any], path: Path, lines: Mapping[Loc, int], env: Mapping[str, Any]
) -> list[str]:
    """Checks across apps and domains (``provision.cross_checks``), located in the file."""

    def where(loc: Loc) -> str:
        return f"{_where(path, lines, loc, env)}: {_dotted(loc)}"

    return cross_checks(raw, where)
