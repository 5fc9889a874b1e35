"""Settings and desired state as one pydantic-settings model (DESIGN §2).

Values come from the YAML file and ``PROVISION_<SECTION>__<KEY>`` environment variables, the
environment winning. Field checks live here; checks across apps live in ``provision.config``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from provision import naming

_VALIDITY = re.compile(
    r"^(?:(?:weeks|days|hours|minutes|seconds|microseconds|milliseconds)=\d+;?)+$"
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_url(value: str, *, schemes: tuple[str, ...] = ("http", "https")) -> str:
    if not naming.is_url(value, schemes):
        raise ValueError(f"{value!r} is not a valid {'/'.join(schemes)} URL")
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
    managed: str = Field(default="goauthentik.io/outposts/embedded", min_length=1)
    address: str = "http://127.0.0.1:9000"

    _address = field_validator("address")(check_url)


class DefaultsSettings(_Section):
    authorization_flow: str = Field(
        default="default-provider-authorization-implicit-consent", min_length=1
    )
    invalidation_flow: str = Field(default="default-provider-invalidation-flow", min_length=1)
    access_token_validity: str = "hours=24"
    any_user: bool = False

    _validity = field_validator("access_token_validity")(check_validity)


class TraefikSettings(_Section):
    entrypoints: tuple[str, ...] = ("websecure",)
    cert_resolver: str | None = None
    middleware: str = Field(default="authentik", pattern=r"^[A-Za-z0-9_-]+$")
    outpost_service: str = Field(default="authentik-outpost", pattern=r"^[A-Za-z0-9_-]+$")
    insecure_skip_verify: bool = False


class AppSettings(_Section):
    host: str
    name: str | None = Field(default=None, min_length=1)
    slug: str | None = None
    group: str = ""
    icon: str = ""
    description: str = ""
    launch_url: str | None = None
    skip_path_regex: str = ""
    groups: tuple[str, ...] = ()
    any_user: bool | None = None
    backend: str | None = None
    authorization_flow: str | None = Field(default=None, min_length=1)
    invalidation_flow: str | None = Field(default=None, min_length=1)
    access_token_validity: str | None = None

    @field_validator("host", mode="before")
    @classmethod
    def _host(cls, value: Any) -> Any:
        return naming.check_host(value) if isinstance(value, str) else value

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        return None if value is None else naming.check_slug(value)

    @field_validator("launch_url", "backend")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @field_validator("skip_path_regex")
    @classmethod
    def _skip(cls, value: str) -> str:
        return naming.check_skip_path_regex(value)

    @field_validator("groups")
    @classmethod
    def _groups(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not g.strip() for g in value):
            raise ValueError("group names must not be empty")
        if len(set(value)) != len(value):
            raise ValueError("a group is listed twice")
        return value

    @field_validator("access_token_validity")
    @classmethod
    def _validity(cls, value: str | None) -> str | None:
        return None if value is None else check_validity(value)

    @model_validator(mode="after")
    def _access(self) -> AppSettings:
        if self.any_user and self.groups:
            raise ValueError("any_user: true cannot be combined with groups; choose one")
        return self


class Settings(BaseSettings):
    """The whole config file; see DESIGN §2 for every key."""

    model_config = SettingsConfigDict(
        env_prefix="PROVISION_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    authentik: AuthentikSettings = AuthentikSettings()
    secrets: SecretsSettings = SecretsSettings()
    outpost: OutpostSettings = OutpostSettings()
    owner: str = Field(default="authentik-provision", min_length=1)
    defaults: DefaultsSettings = DefaultsSettings()
    traefik: TraefikSettings = TraefikSettings()
    apps: tuple[AppSettings, ...] = ()

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
