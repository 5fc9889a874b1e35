"""The doctor's checks of what the newer release lines change for forward auth.

- From 2025.12 the page cap is an admin setting (``/admin/settings/``
  ``pagination_max_page_size``): every list is read in pages of it, so it is shown.
- ``flags.core_default_app_access`` (2026.5 models: "applications with no policies bound can be
  accessed by any user"): when it is off, an application without bindings refuses everyone, and
  an ``any_user`` application is exactly that, so every such app would be closed.
- From 2026.8 (release notes) ``X-Forwarded-*`` counts only from trusted proxy networks
  (``AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS``); a proxy outside them gets the 404 page a host not
  bound gets. The doctor cannot see the proxy's source address, so it judges the address the
  proxy reaches Authentik at (``outpost.address``), which is on the proxy's network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from ipaddress import ip_address, ip_network
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from provision.checklist import Check, fail, info, ok, warn
from provision.errors import ProvisionError, UnsupportedVersionError
from provision.versions import PROFILE_2025_12

if TYPE_CHECKING:
    from provision.authentik import AuthentikClient
    from provision.config import Config
    from provision.model import DesiredApp
    from provision.versions import VersionProfile

DEFAULT_APP_ACCESS = "core_default_app_access"
TRUSTED_PROXY_CIDRS = "AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS"
# Authentik's default trusted proxy networks (its reverse-proxy documentation).
DEFAULT_TRUSTED_NETWORKS = tuple(
    ip_network(cidr)
    for cidr in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128")
)
_DEFAULTS_TEXT = ", ".join(str(network) for network in DEFAULT_TRUSTED_NETWORKS)


def release_checks(config: Config, client: AuthentikClient) -> list[Check]:
    """The page cap, the access-default flag and the trusted proxy networks, where the
    server's release has them (nothing for a release without them)."""
    try:
        profile = client.version_profile()
        settings = client.admin_settings() if profile.page_size_setting else {}
    except UnsupportedVersionError:
        return []  # the version check has said so already
    except ProvisionError as exc:
        fix = "run again with -v to see the request that failed"
        return [fail("admin settings", str(exc), fix, exc.exit_code)]
    checks: list[Check] = []
    if profile.page_size_setting:
        checks.append(check_page_cap(settings, profile))
        checks.extend(check_default_app_access(settings, config.desired.targets))
    if profile.trusted_proxy_networks:
        checks.append(check_trusted_proxy(str(config.settings.outpost.address)))
    return checks


def check_page_cap(settings: Mapping[str, Any], profile: VersionProfile) -> Check:
    """The page size lists are read with: the admin setting the client follows."""
    cap = settings.get("pagination_max_page_size")
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
        reason = f"no usable pagination_max_page_size; lists are read {profile.page_size} a page"
        return warn("page cap", reason, "check System → Settings → Pagination in Authentik")
    default = PROFILE_2025_12.page_size
    lowered = f" (lowered from the default {default})" if cap < default else ""
    return ok("page cap", f"pagination_max_page_size {cap}{lowered}: lists are read {cap} a page")


def check_default_app_access(
    settings: Mapping[str, Any], apps: Sequence[DesiredApp]
) -> list[Check]:
    """A warning when the access-default flag closes applications without bindings."""
    flags = settings.get("flags")
    value = flags.get(DEFAULT_APP_ACCESS) if isinstance(flags, Mapping) else None
    if not isinstance(value, bool):
        return []  # this release has no such flag: applications without bindings are open
    if value:
        return [ok("default app access", f"{DEFAULT_APP_ACCESS} on: any_user apps are open")]
    open_apps = [app.slug for app in apps if app.access.any_user]
    reason = f"{DEFAULT_APP_ACCESS} is off: an application without bindings refuses everyone"
    if not open_apps:
        return [info("default app access", f"{reason} (no any_user app in this config)")]
    return [
        warn(
            "default app access",
            f"{reason}, so these any_user apps let nobody in: {', '.join(open_apps)}",
            "turn the default application access back on (Admin → System → Settings;"
            f" flags.{DEFAULT_APP_ACCESS}), or declare groups for these apps instead of any_user",
        )
    ]


def check_trusted_proxy(address: str) -> Check:
    """Whether the proxy's side of ``outpost.address`` is in the default trusted networks."""
    host = urlsplit(address).hostname or ""
    try:
        reached = ip_address(host)
    except ValueError:
        return info(
            "trusted proxy",
            f"Authentik takes X-Forwarded-* only from {TRUSTED_PROXY_CIDRS} (default"
            f" {_DEFAULTS_TEXT}); outpost.address names {host!r}: if the proxy reaches it from"
            " another network, add that network there",
        )
    if any(reached in network for network in DEFAULT_TRUSTED_NETWORKS):
        return ok("trusted proxy", f"outpost.address {host} is in the default trusted networks")
    return warn(
        "trusted proxy",
        f"outpost.address {host} is outside Authentik's default trusted proxy networks"
        f" ({_DEFAULTS_TEXT}): a proxy reaching it from that network has its X-Forwarded-*"
        " ignored, and every host answers the 404 page of a host not bound",
        f"set {TRUSTED_PROXY_CIDRS} on the Authentik server to the defaults plus the proxy's"
        " address range (e.g. 127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,::1/128,"
        "fd00::/8) and restart it",
    )
