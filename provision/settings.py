"""Settings and desired state as one pydantic-settings model (docs/config.md).

Values come from the YAML file and ``PROVISION_<SECTION>__<KEY>`` environment variables, the
environment winning. Field checks live here; checks across apps live in ``provision.config``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from provision import naming
from provision.model import EVERY_USER, Access
from provision.names import Domain, Host
from provision.proxy_settings import CaddySettings, NginxSettings, TraefikSettings
from provision.skip_path_regex import NO_SKIP_PATHS, SkipPathRegex
from provision.terms import DEFAULT_AUTHORIZATION_FLOW, DEFAULT_INVALIDATION_FLOW, EMBEDDED_OUTPOST
from provision.upstream import UpstreamURL

__all__ = ["CaddySettings", "NginxSettings", "TraefikSettings"]

_VALIDITY = re.compile(
    r"^(?:(?:weeks|days|hours|minutes|seconds|microseconds|milliseconds)=\d+;?)+$"
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_url(value: str, *, schemes: tuple[str, ...] = ("http", "https")) -> str:
    if not naming.is_url(value, schemes):
        raise ValueError(f"{value!r} is not a valid {'/'.join(schemes)} URL")
    return value


def check_bool(value: Any) -> Any:
    """Only a real boolean: ``"yes"``, ``1`` or ``"false"`` in YAML are mistakes, not rules."""
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"must be true or false (got {value!r})")
    return value


def check_validity(value: str) -> str:
    if not _VALIDITY.match(value):
        raise ValueError(f"{value!r} is not in the format 'hours=24' or 'hours=3;minutes=1'")
    return value


class AuthentikSettings(_Section):
    url: str = "http://127.0.0.1:9000"
    ca_bundle: Path | None = None
    timeout: float = Field(default=10.0, gt=0, le=300)
    wait: float = Field(default=0.0, ge=0)
    concurrency: int = Field(default=8, ge=1, le=32)  # parallel independent writes; 1 = serial
    retries: int = Field(default=5, ge=1, le=20)  # attempts per request on transient failures
    retry_budget: float = Field(default=60.0, gt=0)  # seconds one request may spend retrying
    proxy: str | None = None  # None: the environment's, never for loopback (authentik/proxies)

    _url = field_validator("url")(check_url)

    @field_validator("proxy")
    @classmethod
    def _proxy_url(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @field_validator("ca_bundle")
    @classmethod
    def _ca_bundle_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"CA bundle {str(value)!r} is not a readable file")
        return value


class SecretsSettings(_Section):
    sops_file: Path | None = Path("/etc/authentik-provision/secrets.yaml")
    token_key: str = Field(default="AUTHENTIK_TOKEN", min_length=1)
    secret_key_key: str = Field(default="AUTHENTIK_SECRET_KEY", min_length=1)
    sops_binary: str = Field(default="sops", min_length=1)
    sops_timeout: float = Field(default=30.0, gt=0)


class OutpostSettings(_Section):
    managed: str = Field(default=EMBEDDED_OUTPOST, min_length=1)
    address: UpstreamURL = UpstreamURL("http://127.0.0.1:9000")
    # Kept on the embedded outpost's config by sync when set (the URL browsers use for
    # Authentik, so logins redirect to the right place); None leaves the outpost's value.
    authentik_host: str | None = None
    authentik_host_browser: str | None = None
    # sync --verify polls hosts bound in that run this long: the outpost picks up a new
    # binding only on its next refresh (docs/forward-auth.md). Real servers took up to 60 s
    # (2024.12.5) and 70 s (the 2026.8 build) after the outpost PATCH; 90 s covers both.
    refresh_wait: float = Field(default=90.0, ge=0, le=3600)

    _hosts = field_validator("authentik_host", "authentik_host_browser")(
        lambda value: value if value is None else check_url(value)
    )

    def managed_config(self) -> dict[str, str]:
        """The outpost config keys this tool keeps, with their declared values."""
        keys = {"authentik_host": self.authentik_host}
        keys["authentik_host_browser"] = self.authentik_host_browser
        return {key: value for key, value in keys.items() if value is not None}


class DefaultsSettings(_Section):
    authorization_flow: str = Field(default=DEFAULT_AUTHORIZATION_FLOW, min_length=1)
    invalidation_flow: str = Field(default=DEFAULT_INVALIDATION_FLOW, min_length=1)
    access_token_validity: str = "hours=24"
    any_user: bool = False

    _validity = field_validator("access_token_validity")(check_validity)
    _any_user = field_validator("any_user", mode="before")(check_bool)


class AccessFields(_Section):
    """``groups`` or ``any_user``: the one access rule of an app or a domain (docs/access.md)."""

    groups: tuple[str, ...] = ()
    any_user: bool | None = None

    _any_user = field_validator("any_user", mode="before")(check_bool)

    @field_validator("groups", mode="before")
    @classmethod
    def _groups_shape(cls, value: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise ValueError(f"must be a list of group names, e.g. [media] (got {value!r})")
        names = [g for g in value if not isinstance(g, str)]
        if names:
            raise ValueError(f"group names must be text (got {names[0]!r})")
        return value

    @field_validator("groups")
    @classmethod
    def _groups(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError(
                "[] names no group: list the groups that may enter, or drop it and set"
                " any_user: true"
            )
        if any(not g.strip() for g in value):
            raise ValueError("group names must not be empty")
        if len(set(value)) != len(value):
            raise ValueError("a group is listed twice")
        return value

    @model_validator(mode="after")
    def _access(self) -> AccessFields:
        if self.any_user and self.groups:
            raise ValueError("any_user: true cannot be combined with groups; choose one")
        return self


class AppSettings(AccessFields):
    host: Host
    name: str | None = Field(default=None, min_length=1)
    slug: str | None = None
    group: str = ""
    icon: str = ""
    description: str = ""
    launch_url: str | None = None
    skip_path_regex: SkipPathRegex = NO_SKIP_PATHS
    backend: UpstreamURL | None = None
    authorization_flow: str | None = Field(default=None, min_length=1)
    invalidation_flow: str | None = Field(default=None, min_length=1)
    access_token_validity: str | None = None

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        return None if value is None else naming.validate_slug(value)

    @field_validator("launch_url")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @field_validator("access_token_validity")
    @classmethod
    def _validity(cls, value: str | None) -> str | None:
        return None if value is None else check_validity(value)


class DomainSettings(AccessFields):
    """One ``domains:`` entry: a ``forward_domain`` provider for every host under ``domain``
    without an app of its own, logging in at ``auth_host`` (docs/proxies.md). That the auth host
    is under the domain is checked with the other domain checks (``provision.cross_checks``)."""

    domain: Domain
    auth_host: Host
    name: str | None = Field(default=None, min_length=1)
    slug: str | None = None
    backend: UpstreamURL | None = None  # behind the hosts under the domain without their own app

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        return None if value is None else naming.validate_slug(value)


class NoAccessRule(ValueError):
    """An app whose rule resolves to nobody named and nobody open: refused, never left open."""


def resolve_access(app: AccessFields, defaults: DefaultsSettings) -> Access:
    """The one access rule of an app (or a domain): its own ``groups`` or ``any_user`` first,
    then the defaults.

    Raises:
        NoAccessRule: neither the app nor the defaults say who may enter.
    """
    if app.groups:
        return Access(groups=app.groups)
    if app.any_user is True:
        return EVERY_USER
    if app.any_user is False:
        raise NoAccessRule(
            "no access rule: any_user is false and no groups are listed; set groups: [...]"
        )
    if defaults.any_user:
        return EVERY_USER
    raise NoAccessRule(
        "no access rule: set groups: [...] or any_user: true (access is never left open by"
        " omission)"
    )


def parsed_defaults(raw: Any) -> DefaultsSettings | None:
    """The defaults as validated; None when they are invalid (reported on their own)."""
    try:
        return DefaultsSettings.model_validate(raw if raw is not None else {})
    except ValidationError:
        return None


def access_problem(
    app: Mapping[str, Any],
    defaults: DefaultsSettings | None,
    model: type[AccessFields] = AppSettings,
) -> str | None:
    """Why the app's (or domain's) access rule does not resolve, from the parsed values; None
    when it does. An entry or defaults that do not parse are reported by the field checks.
    """
    if defaults is None:
        return None
    try:
        parsed = model.model_validate(app)
    except ValidationError:
        return None
    try:
        resolve_access(parsed, defaults)
    except NoAccessRule as exc:
        return str(exc)
    return None


class Settings(BaseSettings):
    """The whole config file; see docs/config.md for every key."""

    model_config = SettingsConfigDict(
        env_prefix="PROVISION_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    authentik: AuthentikSettings = AuthentikSettings()
    secrets: SecretsSettings = SecretsSettings()
    outpost: OutpostSettings = OutpostSettings()
    owner: str = Field(default="authentik-provision", min_length=1)
    defaults: DefaultsSettings = DefaultsSettings()
    traefik: TraefikSettings = TraefikSettings()
    nginx: NginxSettings = NginxSettings()
    caddy: CaddySettings = CaddySettings()
    apps: tuple[AppSettings, ...] = ()
    domains: tuple[DomainSettings, ...] = ()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment is read by provision.config from the mapping it is given, so that
        # callers (and tests) pass the outside world in instead of it being read here.
        return (init_settings,)
