"""Records to the JSON objects Authentik answers, with every key the transcripts show."""

from __future__ import annotations

from typing import Any

from . import seed
from .fields import timedelta_seconds
from .identity import group, group_summary, me, partial_user, token, user
from .store import Record, Store

__all__ = ["group", "me", "token", "user"]  # answered here for every endpoint

PROXY_COMPONENT = "ak-provider-proxy-form"
PROXY_MODEL = "authentik_providers_proxy.proxyprovider"
CALLBACK = "outpost.goauthentik.io/callback?X-authentik-auth-callback=true"


def provider_summary(store: Store, record: Record, *, as_base: bool = False) -> Record:
    """A provider as ``ProviderSerializer`` shows it (``as_base``: as a plain core provider)."""
    application = store.application_of(record["pk"])
    summary = {
        "pk": record["pk"],
        "name": record["name"],
        "authentication_flow": record["authentication_flow"],
        "authorization_flow": record["authorization_flow"],
        "invalidation_flow": record["invalidation_flow"],
        "property_mappings": list(record["property_mappings"]),
        "component": "" if as_base else PROXY_COMPONENT,
        "assigned_application_slug": application["slug"] if application else None,
        "assigned_application_name": application["name"] if application else None,
    }
    if store.version.provider_backchannel_fields:
        backchannel = next(
            (a for a in store.applications.values() if record["pk"] in a["backchannel_providers"]),
            None,
        )
        summary["assigned_backchannel_application_slug"] = backchannel and backchannel["slug"]
        summary["assigned_backchannel_application_name"] = backchannel and backchannel["name"]
    return summary | {
        "verbose_name": "provider" if as_base else "Proxy Provider",
        "verbose_name_plural": "providers" if as_base else "Proxy Providers",
        "meta_model_name": "authentik_core.provider" if as_base else PROXY_MODEL,
    }


def proxy_provider(store: Store, record: Record) -> Record:
    """A provider as ``ProxyProviderSerializer`` shows it."""
    external = record["external_host"]
    outposts = sorted(o["name"] for o in store.outposts.values() if record["pk"] in o["providers"])
    return provider_summary(store, record) | {
        "client_id": record["client_id"],
        "internal_host": record["internal_host"],
        "external_host": external,
        "internal_host_ssl_validation": record["internal_host_ssl_validation"],
        "certificate": record["certificate"],
        "skip_path_regex": record["skip_path_regex"],
        "basic_auth_enabled": record["basic_auth_enabled"],
        "basic_auth_password_attribute": record["basic_auth_password_attribute"],
        "basic_auth_user_attribute": record["basic_auth_user_attribute"],
        "mode": record["mode"],
        "intercept_header_auth": record["intercept_header_auth"],
        "redirect_uris": _redirect_uris(store, external),
        "cookie_domain": record["cookie_domain"],
        "jwt_federation_sources": list(record["jwt_federation_sources"]),
        "jwt_federation_providers": list(record["jwt_federation_providers"]),
        "access_token_validity": record["access_token_validity"],
        "refresh_token_validity": record["refresh_token_validity"],
        "outpost_set": [f"Outpost {name}" for name in outposts],
    }


def _redirect_uris(store: Store, external: str) -> list[Record]:
    urls = (f"{external.rstrip('/')}/{CALLBACK}", f"{external}?X-authentik-auth-callback=true")
    kind = {"redirect_uri_type": "authorization"} if store.version.redirect_uri_type else {}
    return [{"matching_mode": "strict", "url": url, **kind} for url in urls]


def _logout_support(store: Store) -> Record:
    """What the OIDC configuration says about logout, per release."""
    support: Record = {}
    if store.version.oidc_backchannel_logout:
        support |= {"backchannel_logout_supported": True}
        support |= {"backchannel_logout_session_supported": True}
    if store.version.oidc_frontchannel_logout:
        support |= {"frontchannel_logout_supported": True}
        support |= {"frontchannel_logout_session_supported": True}
    return support


def _oidc_configuration(store: Store, slug: str) -> Record:
    oauth = f"{store.base_url}/application/o"
    return {
        "issuer": f"{oauth}/{slug}/",
        "authorization_endpoint": f"{oauth}/authorize/",
        "token_endpoint": f"{oauth}/token/",
        "userinfo_endpoint": f"{oauth}/userinfo/",
        "end_session_endpoint": f"{oauth}/{slug}/end-session/",
        "introspection_endpoint": f"{oauth}/introspect/",
        "revocation_endpoint": f"{oauth}/revoke/",
        "device_authorization_endpoint": f"{oauth}/device/",
        **_logout_support(store),
        "response_types_supported": ["code", "id_token", "id_token token", "code token"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "jwks_uri": f"{oauth}/{slug}/jwks/",
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "id_token_signing_alg_values_supported": ["HS256"],
        "subject_types_supported": ["public"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "acr_values_supported": ["goauthentik.io/providers/oauth2/default"],
        "scopes_supported": list(seed.SCOPE_MAPPINGS),
        "request_parameter_supported": False,
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "email", "name", "groups"],
        "claims_parameter_supported": False,
        "code_challenge_methods_supported": ["plain", "S256"],
    }


_OUTPOST_CONFIG_HEAD = (
    "pk",
    "name",
    "internal_host",
    "external_host",
    "internal_host_ssl_validation",
    "client_id",
    "client_secret",
)
_OUTPOST_CONFIG_TAIL = (
    "cookie_secret",
    "certificate",
    "skip_path_regex",
    "basic_auth_enabled",
    "basic_auth_password_attribute",
    "basic_auth_user_attribute",
    "mode",
    "cookie_domain",
)


def proxy_outpost_config(store: Store, record: Record) -> Record:
    """A provider as an outpost fetches it (``/outposts/proxy/``)."""
    application = store.application_of(record["pk"])
    slug = application["slug"] if application else ""
    config = {key: record[key] for key in _OUTPOST_CONFIG_HEAD}
    config["oidc_configuration"] = _oidc_configuration(store, slug)
    config.update({key: record[key] for key in _OUTPOST_CONFIG_TAIL})
    return config | {
        "access_token_validity": timedelta_seconds(record["access_token_validity"]),
        "intercept_header_auth": record["intercept_header_auth"],
        "scopes_to_request": ["email", "profile", "openid", "entitlements", "ak_proxy"],
        "assigned_application_slug": application["slug"] if application else None,
        "assigned_application_name": application["name"] if application else None,
    }


def _icon(store: Store, record: Record) -> Record:
    """2025.10.3 answers ``null`` until an icon is set; 2026.2.2 ``""`` plus the icon's URLs."""
    icon = record.get("meta_icon") or ""
    if not store.version.icon_in_body:
        return {"meta_icon": icon or None}
    return {"meta_icon": icon, "meta_icon_url": icon or None, "meta_icon_themed_urls": None}


def application(store: Store, record: Record) -> Record:
    """An application as ``ApplicationSerializer`` shows it."""
    provider = store.providers.get(record["provider"]) if record["provider"] is not None else None
    launch_url = record["meta_launch_url"] or (provider["external_host"] if provider else None)
    backchannel = [store.providers[pk] for pk in record["backchannel_providers"]]
    return {
        "pk": record["pk"],
        "name": record["name"],
        "slug": record["slug"],
        "provider": record["provider"],
        "provider_obj": provider_summary(store, provider) if provider else None,
        "backchannel_providers": list(record["backchannel_providers"]),
        "backchannel_providers_obj": [provider_summary(store, p) for p in backchannel],
        "launch_url": launch_url,
        "open_in_new_tab": record["open_in_new_tab"],
        "meta_launch_url": record["meta_launch_url"],
        **_icon(store, record),
        "meta_description": record["meta_description"],
        "meta_publisher": record["meta_publisher"],
        "policy_engine_mode": record["policy_engine_mode"],
        "group": record["group"],
        **({"meta_hide": record["meta_hide"]} if store.version.application_meta_hide else {}),
    }


def outpost(store: Store, record: Record) -> Record:
    """An outpost; its providers in the order the release lists them."""
    providers = [store.providers[pk] for pk in record["providers"] if pk in store.providers]
    if not store.version.outpost_providers_in_link_order:
        providers.sort(key=lambda p: p["row"])
    return {
        "pk": record["pk"],
        "name": record["name"],
        "type": record["type"],
        "providers": [p["pk"] for p in providers],
        "providers_obj": [provider_summary(store, p, as_base=True) for p in providers],
        "service_connection": record["service_connection"],
        "service_connection_obj": None,
        "refresh_interval_s": 300,
        "token_identifier": f"ak-outpost-{record['pk']}-api",
        "config": dict(record["config"]),
        "managed": record["managed"],
    }


def _bound_group(store: Store, record: Record) -> Record:
    """A binding's group: a summary, or (2024.12.5) the group with its users and roles."""
    if store.version.binding_group_obj_full:
        return group(store, record)
    return group_summary(store, record)


def policy_binding(store: Store, record: Record) -> Record:
    bound_group = store.groups.get(record["group"]) if record["group"] else None
    bound_user = store.users.get(record["user"]) if record["user"] is not None else None
    return {
        "pk": record["pk"],
        "policy": record["policy"],
        "group": record["group"],
        "user": record["user"],
        "policy_obj": None,
        "group_obj": _bound_group(store, bound_group) if bound_group else None,
        "user_obj": partial_user(bound_user) if bound_user else None,
        "target": record["target"],
        "negate": record["negate"],
        "enabled": record["enabled"],
        "order": record["order"],
        "timeout": record["timeout"],
        "failure_result": record["failure_result"],
        # No recorded build has them; the released 2026.8 models do (a record may carry them).
        **{key: record[key] for key in ("expires", "expiring") if key in record},
    }


_BLUEPRINT_KEYS = (
    "pk",
    "name",
    "path",
    "context",
    "last_applied",
    "last_applied_hash",
    "status",
    "enabled",
    "managed_models",
    "metadata",
    "content",
)


def blueprint_instance(record: Record) -> Record:
    return {key: record[key] for key in _BLUEPRINT_KEYS}


def flow(store: Store, record: Record) -> Record:
    """A flow; 2026.2.2 answers the background as ``background_url`` (``background`` empty)."""
    answer = dict(record)
    if store.version.flow_background_url:
        background = {"background_url": record["background"], "background_themed_urls": None}
        answer |= {"background": ""} | background
    return answer


def as_json(value: Any) -> Any:
    """A deep copy safe to hand out of the lock."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value
