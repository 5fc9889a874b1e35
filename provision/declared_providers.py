"""The proxy providers the server holds for the declared hosts, as ``verify`` checks them.

A real outpost names the provider that serves a host only by its ``client_id``, in the login
redirect it sends anonymous visitors (``/application/o/authorize/?client_id=…``, file 13 of the
recordings). Only the API says which provider a ``client_id`` belongs to and which one is this
config's: the one its application points at (``assigned_application_slug``), else an orphan
with the name this tool derives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from provision.model import DesiredApp

if TYPE_CHECKING:
    from provision.authentik import AuthentikClient


@dataclass(frozen=True)
class ProviderLogin:
    """One proxy provider, as a login redirect names it."""

    name: str
    client_id: str
    external_host: str = ""
    skip_path_regex: str = ""

    @property
    def callback_host(self) -> str:
        """Where the outpost sends a login back: the external host's (a domain's auth host)."""
        return urlsplit(self.external_host).netloc.lower()


@dataclass(frozen=True)
class DeclaredProviders:
    """This config's provider per declared host, and every listed proxy provider by client_id.

    ``read`` is False when the API was not asked (``doctor`` without a token): a login redirect
    is then checked by where it sends the visitor back, not by whose ``client_id`` it carries.
    """

    ours: Mapping[str, ProviderLogin] = field(default_factory=dict)  # declared host -> ours
    by_client_id: Mapping[str, ProviderLogin] = field(default_factory=dict)
    read: bool = False

    def ours_for(self, host: str) -> ProviderLogin | None:
        return self.ours.get(host)

    def with_client_id(self, client_id: str) -> ProviderLogin | None:
        return self.by_client_id.get(client_id) if client_id else None


NOT_READ = DeclaredProviders()


def declared_providers(
    listed: Iterable[Mapping[str, Any]], targets: Iterable[DesiredApp]
) -> DeclaredProviders:
    """Match the API's proxy providers (``/providers/proxy/`` JSON) to the declared targets."""
    logins = [(provider, _login(provider)) for provider in listed]
    by_slug = {str(p.get("assigned_application_slug")): login for p, login in logins}
    by_name = {login.name: login for p, login in logins if not p.get("assigned_application_slug")}
    ours: dict[str, ProviderLogin] = {}
    for target in targets:
        own = by_slug.get(target.slug) or by_name.get(target.provider_name)
        if own is not None:
            ours[target.host] = own
    by_client_id = {login.client_id: login for _, login in logins if login.client_id}
    return DeclaredProviders(ours, by_client_id, read=True)


def read_declared_providers(
    client: AuthentikClient, targets: Iterable[DesiredApp]
) -> DeclaredProviders:
    """One paged list of the proxy providers (token needed), matched to ``targets``."""
    return declared_providers(client.list_proxy_providers(), targets)


def _login(provider: Mapping[str, Any]) -> ProviderLogin:
    return ProviderLogin(
        name=str(provider.get("name") or ""),
        client_id=str(provider.get("client_id") or ""),
        external_host=str(provider.get("external_host") or ""),
        skip_path_regex=str(provider.get("skip_path_regex") or ""),
    )
