"""The desired and actual state, in Authentik's own words.

Desired objects come from the config (``provision.settings``); actual objects are parsed from
API JSON by ``parse_*`` functions here, so the planner only ever sees these value objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from provision.decoding import decodes
from provision.names import Domain, ExternalHost, Host, served_form, stored_text
from provision.skip_path_regex import NO_SKIP_PATHS, SkipPathRegex
from provision.terms import (
    DEFAULT_AUTHORIZATION_FLOW,
    DEFAULT_INVALIDATION_FLOW,
    FORWARD_DOMAIN,
    FORWARD_SINGLE,
)
from provision.versions import VersionProfile, newest_profile


@dataclass(frozen=True)
class Access:
    """Who may open an application: members of ``groups``, or every authenticated user.

    Exactly one of the two holds; the config resolves it once (app over defaults, docs/config.md).
    """

    groups: tuple[str, ...] = ()
    any_user: bool = False

    def __post_init__(self) -> None:
        if self.any_user == bool(self.groups):
            raise ValueError("an access rule is either groups or any_user, exactly one")

    @property
    def label(self) -> str:
        """``groups media, admins`` or ``open to every authenticated user``."""
        if self.any_user:
            return "open to every authenticated user"
        return "groups " + ", ".join(self.groups)

    def as_json(self) -> dict[str, Any]:
        return {"any_user": self.any_user, "groups": list(self.groups)}


EVERY_USER = Access(any_user=True)


@dataclass(frozen=True)
class DesiredApp:
    """One protected target: a proxy provider, its application and who may open it.

    A declared app is ``forward_single`` for its ``host``; a declared domain is
    ``forward_domain`` with ``host`` = its auth host and ``cookie_domain`` = the domain, and
    protects every host under the domain that has no app of its own (docs/proxies.md).
    """

    host: Host
    name: str
    slug: str
    access: Access
    group: str = ""
    icon: str = ""
    description: str = ""
    launch_url: str = ""
    skip_path_regex: SkipPathRegex = NO_SKIP_PATHS
    backend: str | None = None
    authorization_flow: str = DEFAULT_AUTHORIZATION_FLOW
    invalidation_flow: str = DEFAULT_INVALIDATION_FLOW
    access_token_validity: str = "hours=24"
    mode: str = FORWARD_SINGLE
    cookie_domain: str = ""  # a Domain for a domain

    def __post_init__(self) -> None:
        # However an app is built, its names are parsed: renderers and the planner take them
        # as they are, so no unparsed text can reach a proxy config or a comparison.
        parsed: dict[str, Any] = {"host": Host, "skip_path_regex": SkipPathRegex}
        if self.cookie_domain:
            parsed["cookie_domain"] = Domain
        for name, kind in parsed.items():
            value = getattr(self, name)
            if not isinstance(value, kind):
                object.__setattr__(self, name, kind(value))

    @property
    def is_domain(self) -> bool:
        return self.mode == FORWARD_DOMAIN

    @property
    def provider_name(self) -> str:
        return provider_name_for(self.name)

    @property
    def external_host(self) -> str:
        return str(self.served_at)

    @property
    def served_at(self) -> ExternalHost:
        """Where the outpost serves this app: its host over https."""
        return ExternalHost.https(self.host)

    def as_stored(self) -> DesiredApp:
        """This app with every text field as Authentik will store it (``stored_text``), and
        its groups named as Authentik stores group names (each once). Parsed names are
        already in their stored form."""
        texts: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if type(value) is str:
                texts[f.name] = stored_text(value)
        if self.access.groups:
            groups = dict.fromkeys(stored_text(g) for g in self.access.groups)
            texts["access"] = Access(groups=tuple(groups))
        return replace(self, **texts)


def provider_name_for(app_name: str) -> str:
    """The provider name this tool derives from an application name."""
    return f"Provider for {app_name}"


@dataclass(frozen=True)
class DesiredState:
    """Everything the config declares, after validation and defaults."""

    apps: tuple[DesiredApp, ...]
    owner: str
    outpost_managed: str = "goauthentik.io/outposts/embedded"
    outpost_config: Mapping[str, str] = field(default_factory=dict)  # keys kept on the outpost
    domains: tuple[DesiredApp, ...] = ()  # forward_domain targets, one per declared domain

    @property
    def targets(self) -> tuple[DesiredApp, ...]:
        """Every application this config declares: the apps, then the domains."""
        return self.apps + self.domains


@dataclass(frozen=True)
class ProxyProvider:
    pk: int
    name: str
    mode: str
    external_host: str
    authorization_flow: str
    invalidation_flow: str
    access_token_validity: str
    skip_path_regex: str
    assigned_application_slug: str | None = None
    cookie_domain: str = ""


@dataclass(frozen=True)
class Application:
    pk: str
    slug: str
    name: str
    provider: int | None
    meta_launch_url: str
    meta_icon: str
    meta_description: str
    meta_publisher: str
    group: str
    policy_engine_mode: str


@dataclass(frozen=True)
class PolicyBinding:
    """A binding of a group, a user or a policy to a target (an application's pk).

    ``subject`` names what is bound for people (``group media``, ``user bob``); the pks are
    what the planner and ``verify --access`` compare.
    """

    pk: str
    target: str
    group: str | None = None
    user: int | None = None
    policy: str | None = None
    enabled: bool = True
    negate: bool = False
    order: int = 0
    subject: str = ""
    # From 2026.8 (models): a binding may expire; an expired one still appears in lists.
    expiring: bool = False
    expires: str | None = None

    def grants_group(self) -> str | None:
        """The group pk this binding admits as this tool declares bindings, else None.

        Only an enabled, plain (not negated) binding of a group alone counts: a disabled one
        admits nobody, a negated one admits everyone outside the group, and a user or policy
        binding admits whom Authentik's policy engine says — with ``policy_engine_mode: any``
        any of them can let in people the config does not name. An expiring one (expired or
        not) stops admitting the group one day, which the config never declares.
        """
        plain = self.enabled and not self.negate and self.user is None and self.policy is None
        return self.group if plain and not self.expiring and self.group else None

    def describe(self, group_names: Mapping[str, str]) -> str:
        """``group media``, ``user bob (negated)``, ``policy x (disabled)``: groups by name."""
        name = group_names.get(self.group) if self.group else None
        subject = f"group {name}" if name else self.subject
        states = [s for s, on in (("disabled", not self.enabled), ("negated", self.negate)) if on]
        if self.expiring:
            states.append(f"expires {self.expires}" if self.expires else "expiring")
        return subject + (f" ({', '.join(states)})" if states else "")


@dataclass(frozen=True)
class EmbeddedOutpost:
    pk: str
    name: str
    providers: frozenset[int]
    config: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ActualState:
    """What Authentik holds now, read with one paged list per kind."""

    providers: tuple[ProxyProvider, ...]
    applications: tuple[Application, ...]
    bindings: tuple[PolicyBinding, ...]
    outpost: EmbeddedOutpost
    flows: Mapping[str, str]  # slug -> pk
    groups: Mapping[str, str]  # name -> pk
    profile: VersionProfile = field(default_factory=newest_profile)  # how the server behaves


@decodes("/api/v3/providers/proxy/")
def parse_proxy_provider(data: Mapping[str, Any]) -> ProxyProvider:
    return ProxyProvider(
        pk=int(data["pk"]),
        name=str(data["name"]),
        mode=str(data.get("mode") or "proxy"),
        external_host=str(data.get("external_host") or ""),
        authorization_flow=str(data.get("authorization_flow") or ""),
        invalidation_flow=str(data.get("invalidation_flow") or ""),
        access_token_validity=str(data.get("access_token_validity") or ""),
        skip_path_regex=str(data.get("skip_path_regex") or ""),
        assigned_application_slug=data.get("assigned_application_slug") or None,
        cookie_domain=str(data.get("cookie_domain") or ""),
    )


@decodes("/api/v3/core/applications/")
def parse_application(data: Mapping[str, Any]) -> Application:
    provider = data.get("provider")
    return Application(
        pk=str(data["pk"]),
        slug=str(data["slug"]),
        name=str(data["name"]),
        provider=int(provider) if provider is not None else None,
        meta_launch_url=str(data.get("meta_launch_url") or ""),
        meta_icon=str(data.get("meta_icon") or ""),
        meta_description=str(data.get("meta_description") or ""),
        meta_publisher=str(data.get("meta_publisher") or ""),
        group=str(data.get("group") or ""),
        policy_engine_mode=str(data.get("policy_engine_mode") or "any"),
    )


@decodes("/api/v3/policies/bindings/")
def parse_policy_binding(data: Mapping[str, Any]) -> PolicyBinding:
    """Every binding, whatever its subject: all of them decide who may open the target."""
    group, user, policy = data.get("group"), data.get("user"), data.get("policy")
    return PolicyBinding(
        pk=str(data["pk"]),
        target=str(data["target"]),
        group=str(group) if group else None,
        user=int(user) if user is not None else None,
        policy=str(policy) if policy else None,
        enabled=_flag(data, "enabled", default=True),
        negate=_flag(data, "negate", default=False),
        order=int(data.get("order") or 0),
        subject=_binding_subject(data),
        expiring=_flag(data, "expiring", default=False),
        expires=str(data["expires"]) if data.get("expires") else None,
    )


def _flag(data: Mapping[str, Any], key: str, *, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise TypeError(f"{key} is not a boolean")
    return value


def _binding_subject(data: Mapping[str, Any]) -> str:
    """What is bound, by name when Authentik sends it (``group_obj``, ``user_obj``...)."""
    for kind, name_key in (("group", "name"), ("user", "username"), ("policy", "name")):
        if data.get(kind) is None or data.get(kind) == "":
            continue
        obj = data.get(f"{kind}_obj")
        name = obj.get(name_key) if isinstance(obj, Mapping) else None
        return f"{kind} {name if name else data[kind]}"
    return "no subject"


@decodes("/api/v3/outposts/instances/")
def parse_outpost(data: Mapping[str, Any]) -> EmbeddedOutpost:
    return EmbeddedOutpost(
        pk=str(data["pk"]),
        name=str(data.get("name") or ""),
        providers=frozenset(int(p) for p in data.get("providers") or ()),
        config=dict(data.get("config") or {}),
    )


def normalise_host_url(url: str) -> str:
    """An external host without what the outpost ignores (``names.served_form``,
    docs/authentik.md)."""
    return served_form(url)
