"""The Authentik fields of a proxy provider and of an application, defined once.

``provision sync`` sends them to the API with flow pks and ``render blueprint`` writes them
with ``!Find`` references: each caller passes the function that makes its flow reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from provision.model import DesiredApp

FlowRef = TypeVar("FlowRef")
ProviderValue = TypeVar("ProviderValue")

POLICY_ENGINE_MODE = "any"  # with no binding, every user passes (docs/access.md)


@dataclass(frozen=True)
class ProviderFields(Generic[FlowRef]):
    """A proxy provider as this tool declares it; ``cookie_domain`` only for a domain."""

    name: str
    mode: str
    external_host: str
    authorization_flow: FlowRef
    invalidation_flow: FlowRef
    access_token_validity: str
    skip_path_regex: str
    cookie_domain: str | None = None

    @staticmethod
    def for_target(app: DesiredApp, flow: Callable[[str], FlowRef]) -> ProviderFields[FlowRef]:
        """The fields of ``app``'s provider, flows referenced by ``flow(slug)``."""
        return ProviderFields(
            name=app.provider_name,
            mode=app.mode,
            external_host=app.external_host,
            authorization_flow=flow(app.authorization_flow),
            invalidation_flow=flow(app.invalidation_flow),
            access_token_validity=app.access_token_validity,
            skip_path_regex=app.skip_path_regex,
            # A domain (forward_domain) serves every host under its cookie domain (docs/proxies.md).
            cookie_domain=app.cookie_domain if app.is_domain else None,
        )

    def attrs(self) -> dict[str, str | FlowRef]:
        """Every field but the name (a blueprint identifies the provider by it)."""
        attrs: dict[str, str | FlowRef] = {
            "mode": self.mode,
            "external_host": self.external_host,
            "authorization_flow": self.authorization_flow,
            "invalidation_flow": self.invalidation_flow,
            "access_token_validity": self.access_token_validity,
            "skip_path_regex": self.skip_path_regex,
        }
        if self.cookie_domain is not None:
            attrs["cookie_domain"] = self.cookie_domain
        return attrs

    def body(self) -> dict[str, str | FlowRef]:
        """Every field, the name first: the API body of a new provider."""
        return {"name": self.name, **self.attrs()}


@dataclass(frozen=True)
class ApplicationFields:
    """An application as this tool declares it (its provider and icon are written apart)."""

    slug: str
    name: str
    meta_launch_url: str
    meta_description: str
    meta_publisher: str
    group: str
    policy_engine_mode: str = POLICY_ENGINE_MODE
    icon: str = ""

    @staticmethod
    def for_target(app: DesiredApp, owner: str) -> ApplicationFields:
        """The fields of ``app``'s application, published by ``owner`` (which marks it ours)."""
        return ApplicationFields(
            slug=app.slug,
            name=app.name,
            meta_launch_url=app.launch_url,
            meta_description=app.description,
            meta_publisher=owner,
            group=app.group,
            icon=app.icon,
        )

    def attrs(self) -> dict[str, str]:
        """The fields written as they are, in Authentik's order (no slug, provider or icon)."""
        return {
            "name": self.name,
            "meta_launch_url": self.meta_launch_url,
            "meta_description": self.meta_description,
            "meta_publisher": self.meta_publisher,
            "group": self.group,
            "policy_engine_mode": self.policy_engine_mode,
        }

    def attrs_with(self, provider: ProviderValue) -> dict[str, str | ProviderValue]:
        """``attrs`` with the provider right after the name, as Authentik lists it."""
        attrs = self.attrs()
        return {"name": attrs.pop("name"), "provider": provider, **attrs}
