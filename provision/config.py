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
from provision.cross_checks import cross_checks
from provision.errors import ConfigError
from provision.model import DesiredApp, DesiredState
from provision.names import stored_text
from provision.settings import (
    AppSettings,
    DomainSettings,
    Settings,
    resolve_access,
)
from provision.terms import FORWARD_DOMAIN
from provision.yamlfile import Loc, dotted, read_yaml

_ENV_PREFIX = "PROVISION_"
_SCALARS = ("owner",)
DEFAULT_PATHS = (Path("provision.yaml"), Path("/etc/authentik-provision/provision.yaml"))
_BOOLEANS = ("true", "false")
_SOPS_FILE: Loc = ("secrets", "sops_file")


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
    settings = _sops_file_beside(settings, path, env_values)
    return Config(path=path, settings=settings, desired=desired_state(settings))


def _sops_file_beside(settings: Settings, path: Path, env: Mapping[str, Any]) -> Settings:
    """A relative ``secrets.sops_file`` written in the file names a file beside that file.

    So ``provision --config /etc/x/provision.yaml`` finds ``/etc/x/secrets.yaml`` wherever it
    runs from; a path given in the environment stays relative to the working directory.
    """
    sops_file = settings.secrets.sops_file
    if sops_file is None or sops_file.is_absolute() or _env_variable(env, _SOPS_FILE):
        return settings
    secrets = settings.secrets.model_copy(update={"sops_file": path.parent / sops_file})
    return settings.model_copy(update={"secrets": secrets})


def desired_state(settings: Settings) -> DesiredState:
    """Apply the defaults of docs/config.md to each app; text fields as Authentik stores them.

    Authentik trims every text field it stores (``model.stored_text``), so the declared
    values are trimmed here, once: compared as written, a trailing newline or space would be
    written again by every sync. The outpost config keys are JSON and stored as sent.
    """
    return DesiredState(
        apps=tuple(_desired_app(app, settings).as_stored() for app in settings.apps),
        owner=stored_text(settings.owner),
        outpost_managed=settings.outpost.managed,
        outpost_config=settings.outpost.managed_config(),
        domains=tuple(_desired_domain(d, settings).as_stored() for d in settings.domains),
    )


def _desired_domain(domain: DomainSettings, settings: Settings) -> DesiredApp:
    """A domain as a ``forward_domain`` target logging in at its auth host (docs/proxies.md)."""
    d = settings.defaults
    name = domain.name or str(domain.domain)  # the name is text, not the parsed domain
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
    """Checks across apps and domains (``provision.cross_checks``), located in the file."""
    where = _Locator(path, lines, env)
    return _blank_when_stored(raw, where) + cross_checks(raw, where)


def _blank_when_stored(raw: Mapping[str, Any], where: _Locator) -> list[str]:
    """Text that Authentik would store trimmed to nothing where something is needed.

    The owner marks this tool's objects: stored empty, it would claim every application
    that has no publisher. An empty name is refused by Authentik, mid-sync.
    """
    places: list[Loc] = [("owner",)]
    for section in ("apps", "domains"):
        entries = raw.get(section)
        count = len(entries) if isinstance(entries, list) else 0
        places += [(section, index, "name") for index in range(count)]
    return [
        f"{where(loc)}: is blank once Authentik trims the spaces around it"
        for loc in places
        if isinstance(text := _value_at(raw, loc), str) and text and not stored_text(text)
    ]


def _value_at(raw: Any, loc: Loc) -> Any:
    for part in loc:
        if isinstance(raw, Mapping) and isinstance(part, str):
            raw = raw.get(part)
        elif isinstance(raw, list) and isinstance(part, int):
            raw = raw[part]
        else:
            return None
    return raw


@dataclass(frozen=True)
class _Locator:
    """Where a problem is: the file and line, or the environment variable, and the field."""

    path: Path
    lines: Mapping[Loc, int]
    env: Mapping[str, Any]

    def __call__(self, loc: Loc, line_of: Loc | None = None) -> str:
        return f"{self.place(line_of or loc)}: {dotted(loc)}"

    def place(self, loc: Loc) -> str:
        return _where(self.path, self.lines, loc, self.env)
