"""What a fresh Authentik 2025.10.3 holds before anyone touches it (as the transcripts saw it)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from .versions import AuthentikVersion

Record = dict[str, Any]

VERSION = "2025.10.3"
EMBEDDED_OUTPOST_MANAGED = "goauthentik.io/outposts/embedded"
EMBEDDED_OUTPOST_NAME = "authentik Embedded Outpost"
FLOW_BACKGROUND = "/static/dist/assets/images/flow_background.jpg"
AVATAR = "/static/dist/assets/images/user_default.png"
SEEDED_AT = "2026-11-29T06:47:02.182371Z"

# slug, name, title, designation, authentication, has stages
_FLOWS = (
    (
        "default-provider-authorization-explicit-consent",
        "Authorize Application",
        "Redirecting to %(app)s",
        "authorization",
        "require_authenticated",
        True,
    ),
    (
        "default-provider-authorization-implicit-consent",
        "Authorize Application",
        "Redirecting to %(app)s",
        "authorization",
        "require_authenticated",
        False,
    ),
    (
        "default-authentication-flow",
        "Welcome to authentik!",
        "Welcome to authentik!",
        "authentication",
        "require_unauthenticated",
        True,
    ),
    (
        "default-invalidation-flow",
        "Logout",
        "Default Invalidation Flow",
        "invalidation",
        "none",
        True,
    ),
    (
        "default-provider-invalidation-flow",
        "Logged out of application",
        "You've logged out of %(app)s.",
        "invalidation",
        "none",
        False,
    ),
)

# The scope mappings Authentik adds to every proxy provider it saves.
SCOPE_MAPPINGS = ("openid", "email", "profile", "entitlements", "ak_proxy")

OUTPOST_CONFIG_DEFAULTS: Record = {
    "log_level": "info",
    "docker_labels": None,
    "authentik_host": "",
    "docker_network": None,
    "container_image": None,
    "docker_map_ports": True,
    "refresh_interval": "minutes=5",
    "kubernetes_replicas": 1,
    "kubernetes_namespace": "default",
    "authentik_host_browser": "",
    "object_naming_template": "ak-outpost-%(name)s",
    "authentik_host_insecure": False,
    "kubernetes_json_patches": None,
    "kubernetes_service_type": "ClusterIP",
    "kubernetes_ingress_path_type": None,
    "kubernetes_image_pull_secrets": [],
    "kubernetes_ingress_class_name": None,
    "kubernetes_disabled_components": [],
    "kubernetes_ingress_annotations": {},
    "kubernetes_ingress_secret_name": "authentik-outpost-tls",
    "kubernetes_httproute_annotations": {},
    "kubernetes_httproute_parent_refs": [],
}


def outpost_config(version: AuthentikVersion, authentik_host: str) -> Record:
    """A new outpost's config in ``version``: the defaults less and plus the release's keys."""
    absent = version.outpost_config_absent
    config = {k: v for k, v in OUTPOST_CONFIG_DEFAULTS.items() if k not in absent}
    return config | dict(version.outpost_config_added) | {"authentik_host": authentik_host}


_LABEL = "blueprints.goauthentik.io/"
_EXAMPLE = {_LABEL + "instantiate": "false"}
_SYSTEM = {_LABEL + "system": "true"}
_BOOTSTRAP_DESCRIPTION = (
    "This blueprint configures the default admin user and group, and configures them for the "
    "[Automated install](https://docs.goauthentik.io/docs/install-config/automated-install"
    "?utm_source=bootstrap_blueprint).\n"
)

# The blueprint files a stock server ships, in the order /managed/blueprints/available/ lists them.
BLUEPRINT_FILES: tuple[tuple[str, str, dict[str, str]], ...] = (
    (
        "migrations/migrate-prompt-name.yaml",
        "Migration - Remove old prompt fields",
        {_LABEL + "description": "Migrate to 2023.2, remove unused prompt fields"},
    ),
    ("example/flows-authenticator-email-setup.yaml", "Example - Email MFA setup flow", _EXAMPLE),
    (
        "example/flows-enrollment-email-verification.yaml",
        "Example - Enrollment with email verification",
        _EXAMPLE,
    ),
    ("example/flows-login-2fa.yaml", "Example - Two-factor Login", _EXAMPLE),
    (
        "example/flows-login-conditional-captcha.yaml",
        "Example - Login with conditional Captcha",
        _EXAMPLE,
    ),
    ("example/flows-enrollment-2-stage.yaml", "Example - Enrollment (2 Stage)", _EXAMPLE),
    (
        "example/sources-google-ldap-mappings.yaml",
        "Example - Google Secure LDAP mappings",
        _EXAMPLE,
    ),
    ("example/flows-unenrollment.yaml", "Example - User deletion", _EXAMPLE),
    (
        "example/flows-recovery-email-verification.yaml",
        "Example - Recovery with email verification",
        _EXAMPLE,
    ),
    ("default/flow-password-change.yaml", "Default - Password change flow", {}),
    ("default/events-default.yaml", "Default - Events Transport & Rules", {}),
    (
        "default/flow-default-provider-authorization-implicit-consent.yaml",
        "Default - Provider authorization flow (implicit consent)",
        {},
    ),
    ("default/rbac-role-read-only.yaml", "Default - RBAC - Read-only", {}),
    (
        "default/flow-default-source-pre-authentication.yaml",
        "Default - Source pre-authentication flow",
        {},
    ),
    (
        "default/flow-default-provider-authorization-explicit-consent.yaml",
        "Default - Provider authorization flow (explicit consent)",
        {},
    ),
    ("default/flow-default-authentication-flow.yaml", "Default - Authentication flow", {}),
    (
        "default/flow-default-authenticator-webauthn-setup.yaml",
        "Default - WebAuthn MFA setup flow",
        {},
    ),
    ("default/flow-default-source-enrollment.yaml", "Default - Source enrollment flow", {}),
    (
        "default/flow-default-authenticator-static-setup.yaml",
        "Default - Static MFA setup flow",
        {},
    ),
    ("default/flow-default-user-settings-flow.yaml", "Default - User settings flow", {}),
    (
        "default/flow-default-source-authentication.yaml",
        "Default - Source authentication flow",
        {},
    ),
    (
        "default/flow-default-provider-invalidation.yaml",
        "Default - Provider invalidation flow",
        {},
    ),
    ("default/flow-oobe.yaml", "Default - Out-of-box-experience flow", {}),
    ("default/default-brand.yaml", "Default - Brand", {}),
    ("default/flow-default-authenticator-totp-setup.yaml", "Default - TOTP MFA setup flow", {}),
    ("default/flow-default-invalidation-flow.yaml", "Default - Invalidation flow", {}),
    ("testing/oidc-conformance.yaml", "OpenID Conformance testing", _EXAMPLE),
    ("system/providers-proxy.yaml", "System - Proxy Provider - Scopes", _SYSTEM),
    ("system/sources-kerberos.yaml", "System - Kerberos Source - Mappings", _SYSTEM),
    ("system/providers-oauth2.yaml", "System - OAuth2 Provider - Scopes", _SYSTEM),
    ("system/sources-ldap.yaml", "System - LDAP Source - Mappings", _SYSTEM),
    ("system/providers-saml.yaml", "System - SAML Provider - Mappings", _SYSTEM),
    (
        "system/bootstrap.yaml",
        "authentik Bootstrap",
        {
            _LABEL + "system-bootstrap": "true",
            _LABEL + "system": "true",
            _LABEL + "description": _BOOTSTRAP_DESCRIPTION,
        },
    ),
    (
        "system/providers-google-workspace.yaml",
        "System - Google Workspace Provider - Mappings",
        _SYSTEM,
    ),
    (
        "system/providers-microsoft-entra.yaml",
        "System - Microsoft Entra Provider - Mappings",
        _SYSTEM,
    ),
    ("system/providers-scim.yaml", "System - SCIM Provider - Mappings", _SYSTEM),
    ("system/providers-rac.yaml", "System - RAC Provider - Mappings", _SYSTEM),
)


def file_hash(text: str) -> str:
    """The sha512 hex digest Authentik records for a blueprint's content."""
    return hashlib.sha512(text.encode("utf-8")).hexdigest()


def flows() -> list[Record]:
    """The provider, login and invalidation flows every server has, with fresh UUIDs."""
    seeded = []
    for slug, name, title, designation, authentication, staged in _FLOWS:
        seeded.append(
            {
                "pk": str(uuid.uuid4()),
                "policybindingmodel_ptr_id": str(uuid.uuid4()),
                "name": name,
                "slug": slug,
                "title": title,
                "designation": designation,
                "background": FLOW_BACKGROUND,
                "stages": [str(uuid.uuid4())] if staged else [],
                "policies": [],
                "cache_count": 0,
                "policy_engine_mode": "any",
                "compatibility_mode": False,
                "export_url": f"/api/v3/flows/instances/{slug}/export/",
                "layout": "stacked",
                "denied_action": "message_continue",
                "authentication": authentication,
            }
        )
    return seeded


def blueprint_instances() -> list[Record]:
    """One instance per shipped blueprint that is instantiated (not marked as an example)."""
    instances = []
    for path, name, labels in BLUEPRINT_FILES:
        if labels.get(_LABEL + "instantiate") == "false":
            continue
        instances.append(
            {
                "pk": str(uuid.uuid4()),
                "name": name,
                "path": path,
                "context": {},
                "last_applied": SEEDED_AT,
                "last_applied_hash": file_hash(path),
                "status": "successful",
                "enabled": True,
                "managed_models": [],
                "metadata": {"name": name, "labels": dict(labels)},
                "content": "",
                "pending": False,
            }
        )
    return instances


def available_blueprints(version: AuthentikVersion) -> list[Record]:
    """The body of ``GET /managed/blueprints/available/`` (the files ``version`` ships)."""
    return [
        {
            "path": path,
            "version": 1,
            "hash": file_hash(path),
            "last_m": 1795934575,
            "meta": {"name": name, "labels": dict(labels)},
        }
        for path, name, labels in BLUEPRINT_FILES
        if path not in version.blueprint_files_absent
    ]
