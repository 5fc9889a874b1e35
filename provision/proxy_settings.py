"""The render settings of each reverse proxy (``traefik:``, ``nginx:``, ``caddy:``;
docs/config.md)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TraefikSettings(_Section):
    entrypoints: tuple[str, ...] = ("websecure",)
    cert_resolver: str | None = None
    middleware: str = Field(default="authentik", pattern=r"^[A-Za-z0-9_-]+$")
    outpost_service: str = Field(default="authentik-outpost", pattern=r"^[A-Za-z0-9_-]+$")
    insecure_skip_verify: bool = False


class NginxSettings(_Section):
    listen: str = Field(default="80", pattern=r"^[A-Za-z0-9.:\[\]*]+$")  # port or address:port
    headers_more: bool = True  # clear every client X-authentik-* (needs the headers-more module)


class CaddySettings(_Section):
    auto_https: bool = True  # False: plain http:// site addresses
    port: int | None = Field(default=None, ge=1, le=65535)
    trusted_proxies: tuple[str, ...] = ()  # CIDRs (or private_ranges) whose X-Forwarded-* count

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if not re.fullmatch(r"[0-9A-Fa-f.:/]+|private_ranges", item):
                raise ValueError(f"{item!r} is not a CIDR range or private_ranges")
        return value
