"""Load the config file: YAML with line numbers, environment overrides, every problem at once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import EnvSettingsSource

from provision import naming
from provision.errors import ConfigError
from provision.model import DesiredApp, DesiredState
from provision.settings import (
    AppSettings,
    Settings,
    access_problem,
    parsed_defaults,
    resolve_access,
)
from provision.yamlfile import Loc, dotted, read_yaml

_ENV_PREFIX = "PROVISION_"
_SCALARS = ("owner",)
DEFAULT_PATHS = (Path("provision.yaml"), Path("/etc/authentik-provision/provision.yaml"))
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
    raw, lines = read_yaml(path)
    env_values = _environment_values(environ)
    merged = _deep_merge(raw, env_values)
    problems = _cross_checks(merged, path, lines, env_values)
    try:
        settings = Settings(**merged)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path, lines, env_values) + problems) from exc
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


class _EnvironSource(EnvSettingsSource):
    """pydantic-settings' environment parsing, over a mapping we are given.

    pydantic-settings has no public way to give a source its environment, so this overrides
    the private ``_load_env_vars`` (called once, from ``__init__``). pyproject.toml bounds the
    versions it was checked against, and tests/config/test_settings_source.py fails when the
    installed version leaves that range or the method changes shape.
    """

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(Settings)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k.lower(): v for k, v in self._environ.items()}


def _environment_values(environ: Mapping[str, str]) -> dict[str, Any]:
    problems = [_unknown_variable(name) for name in _provision_variables(environ)]
    if any(problems):
        raise ConfigError([p for p in problems if p])
    try:
        values = dict(_EnvironSource(environ)())
    except Exception as exc:  # pydantic-settings raises SettingsError for unparsable JSON
        names = _provision_variables(environ)
        bad = [name for name in names if not _parses({name: environ[name]})]
        raise ConfigError(
            [f"environment {name}: not valid JSON for a list or mapping" for name in bad]
            or ["environment: the PROVISION_* variables could not be parsed together"]
        ) from exc
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


def _provision_variables(environ: Mapping[str, str]) -> list[str]:
    return sorted(
        name
        for name in environ
        if name.upper().startswith(_ENV_PREFIX) and name.upper() != "PROVISION_CONFIG"
    )


def _unknown_variable(name: str) -> str | None:
    section, _, key = name[len(_ENV_PREFIX) :].lower().partition("__")
    fields = Settings.model_fields
    if section not in fields:
        return (
            f"environment {name}: unknown section {section!r} (known: {', '.join(fields)};"
            " a key inside a section takes two underscores, e.g. PROVISION_AUTHENTIK__URL)"
        )
    if key and section in _SCALARS:
        return f"environment {name}: {section} is a single value, use PROVISION_{section.upper()}"
    return None


def _parses(environ: Mapping[str, str]) -> bool:
    try:
        _EnvironSource(environ)()
    except Exception:
        return False
    return True


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


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
        problems.append(f"{_where(path, lines, loc, env)}: {dotted(loc)}: {message}")
    return problems


def _cross_checks(
    raw: Mapping[str, Any], path: Path, lines: Mapping[Loc, int], env: Mapping[str, Any]
) -> list[str]:
    """Checks across apps: identities on the raw values, access rules on the parsed ones."""
    apps = raw.get("apps")
    if not isinstance(apps, list):
        return []
    defaults = parsed_defaults(raw.get("defaults"))
    problems: list[str] = []
    seen: dict[str, dict[str, int]] = {"host": {}, "name": {}, "slug": {}}
    for index, app in enumerate(apps):
        if not isinstance(app, dict) or not isinstance(app.get("host"), str):
            continue
        loc: Loc = ("apps", index)
        problem = access_problem(app, defaults)
        if problem is not None:
            hint = _defaults_hint(raw, path, lines, env) if "omission" in problem else ""
            problems.append(f"{_where(path, lines, loc, env)}: {dotted(loc)}: {problem}{hint}")
        identity = _identity(app)
        if not app.get("slug") and identity["slug"] in naming.RESERVED_SLUGS:
            name_loc: Loc = ("apps", index, "name") if app.get("name") else loc
            problems.append(
                f"{_where(path, lines, name_loc, env)}: {dotted(loc)}: the derived slug"
                f" {identity['slug']!r} is reserved by Authentik for its OAuth endpoints;"
                " set slug: explicitly"
            )
        for key, value in identity.items():
            first = seen[key].setdefault(value.casefold(), index)
            if first != index:
                key_loc: Loc = ("apps", index, key)
                problems.append(
                    f"{_where(path, lines, key_loc, env)}: {dotted(key_loc)}: duplicate {key}"
                    f" {value!r} (also apps[{first}])"
                )
    return problems


def _defaults_hint(
    raw: Mapping[str, Any], path: Path, lines: Mapping[Loc, int], env: Mapping[str, Any]
) -> str:
    """Where ``defaults.any_user`` was set to false, when it was set at all."""
    defaults = raw.get("defaults")
    if not isinstance(defaults, dict) or "any_user" not in defaults:
        return ""
    return f"; defaults.any_user is false ({_where(path, lines, ('defaults', 'any_user'), env)})"


def _identity(app: Mapping[str, Any]) -> dict[str, str]:
    host = naming.canonical_host(str(app["host"]))  # bücher.… and xn--bcher-kva.… are one
    name = app.get("name") if isinstance(app.get("name"), str) else None
    name = name or naming.default_name(host.lower())
    slug = app.get("slug") if isinstance(app.get("slug"), str) else None
    return {"host": host, "name": name, "slug": slug or naming.default_slug(name)}
