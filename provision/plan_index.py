"""Lookups over the actual state, built once per plan so planning stays linear."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from provision.fields import ApplicationFields
from provision.model import ActualState, Application, DesiredApp, PolicyBinding, ProxyProvider
from provision.names import ExternalHost, host_key
from provision.terms import FORWARD_DOMAIN


@dataclass
class StateIndex:
    """The actual state by slug, pk, name and host; ``owner`` marks this tool's objects.

    Providers are found by host as the outpost finds them (``ExternalHost.key``: the canonical
    host and port, whatever the scheme, case or IDNA spelling of their ``external_host``), and
    ``forward_domain`` providers by their cookie domain in the same canonical form.
    """

    actual: ActualState
    owner: str
    apps: dict[str, Application] = field(default_factory=dict)
    providers: dict[int, ProxyProvider] = field(default_factory=dict)
    app_by_provider: dict[int, Application] = field(default_factory=dict)
    by_name: dict[str, ProxyProvider] = field(default_factory=dict)
    by_host: dict[str, list[ProxyProvider]] = field(default_factory=dict)  # by outpost key
    served_at: dict[int, ExternalHost] = field(default_factory=dict)  # provider pk -> parsed
    by_cookie_domain: dict[str, list[ProxyProvider]] = field(default_factory=dict)  # domain mode
    bindings: dict[str, list[PolicyBinding]] = field(default_factory=dict)
    group_names: dict[str, str] = field(default_factory=dict)  # group pk -> name

    def __post_init__(self) -> None:
        self.apps = {a.slug: a for a in self.actual.applications}
        self.providers = {p.pk: p for p in self.actual.providers}
        self.by_name = {p.name: p for p in self.actual.providers}
        for provider in self.actual.providers:
            served_at = ExternalHost.parse(provider.external_host)
            self.served_at[provider.pk] = served_at
            self.by_host.setdefault(served_at.key, []).append(provider)
            if provider.mode == FORWARD_DOMAIN:
                domain = host_key(provider.cookie_domain.strip().removeprefix("."))
                self.by_cookie_domain.setdefault(domain, []).append(provider)
        for app in self.actual.applications:
            if app.provider is not None:
                self.app_by_provider.setdefault(app.provider, app)
        for binding in self.actual.bindings:
            self.bindings.setdefault(binding.target, []).append(binding)
        self.group_names = {pk: name for name, pk in self.actual.groups.items()}

    def owned(self, app: Application) -> bool:
        return app.meta_publisher == self.owner

    def app_of(self, provider: ProxyProvider) -> Application | None:
        return self.app_by_provider.get(provider.pk)

    def application_fields(self, app: DesiredApp) -> tuple[ApplicationFields, str]:
        """The application's fields to write and the icon URL to set after the write: the
        one place the release's ``icon_write`` is decided, so changes carry plain values."""
        fields = ApplicationFields.for_target(app, self.owner)
        if self.actual.profile.icon_write == "meta_icon" or not fields.icon:
            return fields, ""
        return replace(fields, icon=""), fields.icon

    def flow_pk(self, slug: str) -> str:
        """The pk of a flow (the references were checked before planning)."""
        return self.actual.flows[slug]
