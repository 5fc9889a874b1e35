"""The request models the fake accepts, field by field, as each Authentik release declares them.

Each table mirrors one ``*Request`` model of Authentik's API (a test holds them to the official
client's models of each release); the extra attributes (relations, URL schemes, model
validators) are behaviour the transcripts show but the schema cannot express. The module-level
tables are 2025.10.3's; ``request_rules`` gives every table of one release.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

from .fields import SLUG_MESSAGE, Field, patched, timedelta_seconds
from .versions import V2025_10_3, AuthentikVersion

SLUG_PATTERN = "^[-a-zA-Z0-9_]+$"
RESERVED_APPLICATION_SLUGS = ("authorize", "token", "device", "userinfo", "introspect", "revoke")
WEB_SCHEMES = ("http", "https")
_DOMAINLESS_URL = re.compile(r"^(?:blank|https?|ftps?)://[^\s/?#]+(?:[/?#]\S*)?\Z", re.IGNORECASE)


def _timedelta_message(value: str) -> str | None:
    if timedelta_seconds(value) is None:
        return f"{value} is not in the correct format of 'hours=3;minutes=1'."
    return None


def _reserved_slug_message(value: str) -> str | None:
    if value in RESERVED_APPLICATION_SLUGS:
        return f"The slug '{value}' is reserved and cannot be used for applications."
    return None


def _launch_url_message(value: str) -> str | None:
    """Launch URLs need no domain: ``blank://blank`` (no link in the library) is recorded (14)."""
    return None if _DOMAINLESS_URL.match(value) else "Enter a valid URL."


def _uuid(relation: str, *, required: bool = False, nullable: bool = False) -> Field:
    return Field("string", format="uuid", relation=relation, required=required, nullable=nullable)


def _pk_list(relation: str, *, uuids: bool = False, required: bool = False) -> Field:
    if uuids:
        items = Field("string", format="uuid", relation=relation)
    else:
        items = Field("integer", relation=relation)
    return Field("array", items=items, required=required)


_NAME = Field("string", required=True, min_length=1)
_TEXT = Field("string")
_BOOL = Field("boolean")
_VALIDITY = Field("string", min_length=1, check=_timedelta_message)

PROXY_PROVIDER: dict[str, Field] = {
    "name": _NAME,
    "authentication_flow": _uuid("flow", nullable=True),
    "authorization_flow": _uuid("flow", required=True),
    "invalidation_flow": _uuid("flow", required=True),
    "property_mappings": _pk_list("property_mapping", uuids=True),
    "internal_host": Field("string", format="uri", url_schemes=WEB_SCHEMES),
    "external_host": Field(
        "string", required=True, min_length=1, format="uri", url_schemes=WEB_SCHEMES
    ),
    "internal_host_ssl_validation": _BOOL,
    "certificate": _uuid("certificate", nullable=True),
    "skip_path_regex": _TEXT,
    "basic_auth_enabled": _BOOL,
    "basic_auth_password_attribute": _TEXT,
    "basic_auth_user_attribute": _TEXT,
    "mode": Field("string", enum=("proxy", "forward_single", "forward_domain")),
    "intercept_header_auth": _BOOL,
    "cookie_domain": _TEXT,
    "jwt_federation_sources": _pk_list("source", uuids=True),
    "jwt_federation_providers": _pk_list("oauth2_provider"),
    "access_token_validity": _VALIDITY,
    "refresh_token_validity": _VALIDITY,
}

APPLICATION: dict[str, Field] = {
    "name": _NAME,
    "slug": Field(
        "string",
        required=True,
        min_length=1,
        max_length=50,
        pattern=SLUG_PATTERN,
        pattern_message=SLUG_MESSAGE,
        check=_reserved_slug_message,
    ),
    "provider": Field("integer", nullable=True, relation="provider"),
    "backchannel_providers": _pk_list("provider"),
    "open_in_new_tab": _BOOL,
    "meta_launch_url": Field("string", check=_launch_url_message),
    "meta_description": _TEXT,
    "meta_publisher": _TEXT,
    "policy_engine_mode": Field("string", enum=("all", "any")),
    "group": _TEXT,
}

POLICY_BINDING: dict[str, Field] = {
    "policy": _uuid("policy", nullable=True),
    "group": _uuid("group", nullable=True),
    "user": Field("integer", nullable=True, relation="user"),
    "target": _uuid("binding_target", required=True),
    "negate": _BOOL,
    "enabled": _BOOL,
    "order": Field("integer", required=True, minimum=-2147483648, maximum=2147483647),
    "timeout": Field("integer", minimum=0, maximum=2147483647),
    "failure_result": _BOOL,
}

OUTPOST: dict[str, Field] = {
    "name": _NAME,
    "type": Field("string", required=True, enum=("proxy", "ldap", "radius", "rac")),
    # Emptiness is judged by the outpost rules: the embedded outpost may have no providers.
    "providers": _pk_list("provider", required=True),
    "service_connection": _uuid("service_connection", nullable=True),
    "config": Field("object", required=True),
    "managed": Field("string", nullable=True, min_length=1),
}

GROUP: dict[str, Field] = {
    "name": _NAME,
    "is_superuser": _BOOL,
    "parent": _uuid("group", nullable=True),
    "users": _pk_list("user"),
    "attributes": Field("object"),
    "roles": _pk_list("role", uuids=True),
    "children": _pk_list("group", uuids=True),
}

BLUEPRINT_INSTANCE: dict[str, Field] = {
    "name": _NAME,
    "path": _TEXT,
    "context": Field("object"),
    "enabled": _BOOL,
    "content": _TEXT,
}

USER: dict[str, Field] = {
    "username": Field("string", required=True, min_length=1, max_length=150),
    "name": Field("string", required=True),
    "is_active": _BOOL,
    "last_login": Field("string", format="date-time", nullable=True),
    "groups": _pk_list("group", uuids=True),
    "email": Field("string", format="email", max_length=254),
    "attributes": Field("object"),
    "path": Field("string", min_length=1),
    "type": Field(
        "string", enum=("internal", "external", "service_account", "internal_service_account")
    ),
}

TOKEN: dict[str, Field] = {
    "managed": Field("string", nullable=True, min_length=1),
    "identifier": Field(
        "string",
        required=True,
        min_length=1,
        max_length=255,
        pattern=SLUG_PATTERN,
        pattern_message=SLUG_MESSAGE,
    ),
    "intent": Field("string", enum=("verification", "api", "recovery", "app_password")),
    "user": Field("integer", relation="user"),
    "description": _TEXT,
    "expires": Field("string", format="date-time", nullable=True),
    "expiring": _BOOL,
}

TRANSACTION_POLICY_BINDING: dict[str, Field] = {
    name: field for name, field in POLICY_BINDING.items() if name != "target"
}


@dataclass(frozen=True)
class RequestRules:
    """Every request table of one Authentik release."""

    proxy_provider: dict[str, Field]
    application: dict[str, Field]
    policy_binding: dict[str, Field]
    transaction_policy_binding: dict[str, Field]
    outpost: dict[str, Field]
    group: dict[str, Field]
    blueprint_instance: dict[str, Field]
    user: dict[str, Field]
    token: dict[str, Field]

    def models(self) -> dict[str, dict[str, Field]]:
        """Request model name -> table (the PATCH variants derived)."""
        tables = {
            "ProxyProviderRequest": self.proxy_provider,
            "ApplicationRequest": self.application,
            "PolicyBindingRequest": self.policy_binding,
            "OutpostRequest": self.outpost,
            "GroupRequest": self.group,
            "BlueprintInstanceRequest": self.blueprint_instance,
        }
        patches = {f"Patched{name}": patched(table) for name, table in tables.items()}
        return {
            **tables,
            **patches,
            "TransactionPolicyBindingRequest": self.transaction_policy_binding,
            "UserRequest": self.user,
            "TokenRequest": self.token,
        }


def _application(version: AuthentikVersion) -> dict[str, Field]:
    slug = replace(
        APPLICATION["slug"],
        max_length=version.slug_max_length,
        pattern_message=version.slug_message,
    )
    if not version.reserved_slugs_refused:
        slug = replace(slug, check=None)
    table = {**APPLICATION, "slug": slug}
    if version.icon_in_body:
        table["meta_icon"] = _TEXT
    if version.application_meta_hide:
        table["meta_hide"] = _BOOL
    return table


def _group(version: AuthentikVersion) -> dict[str, Field]:
    if not version.group_children:
        return {k: f for k, f in GROUP.items() if k != "children"}
    if not version.group_parents:
        return dict(GROUP)
    table = {k: f for k, f in GROUP.items() if k not in ("parent", "children")}
    return {**table, "parents": _pk_list("group", uuids=True)}


def _blueprint_instance(version: AuthentikVersion) -> dict[str, Field]:
    if not version.blueprint_context_nullable:
        return BLUEPRINT_INSTANCE
    return {**BLUEPRINT_INSTANCE, "context": replace(BLUEPRINT_INSTANCE["context"], nullable=True)}


def _user(version: AuthentikVersion) -> dict[str, Field]:
    if not version.user_roles:
        return dict(USER)
    return {**USER, "roles": _pk_list("role", uuids=True)}


def _token(version: AuthentikVersion) -> dict[str, Field]:
    identifier = replace(TOKEN["identifier"], pattern_message=version.slug_message)
    return {**TOKEN, "identifier": identifier}


@functools.cache
def request_rules(version: AuthentikVersion) -> RequestRules:
    """The request tables of ``version``."""
    return RequestRules(
        proxy_provider=PROXY_PROVIDER,
        application=_application(version),
        policy_binding=POLICY_BINDING,
        transaction_policy_binding=TRANSACTION_POLICY_BINDING,
        outpost=OUTPOST,
        group=_group(version),
        blueprint_instance=_blueprint_instance(version),
        user=_user(version),
        token=_token(version),
    )


REQUEST_MODELS: dict[str, dict[str, Field]] = request_rules(V2025_10_3).models()
"""2025.10.3's request model names -> the table the fake validates that body with."""
