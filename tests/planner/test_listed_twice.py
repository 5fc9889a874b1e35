"""An object listed twice (an administrator added objects while the pages were read) is one
object: the plan never deletes a binding, an application or a provider as its own copy."""

from __future__ import annotations

from typing import Any

from provision.config import desired_state
from provision.observe import observe
from provision.planner import plan
from provision.settings import Settings
from provision.versions import VersionProfile, newest_profile

MEDIA = "5b63a3fc-d53a-49d5-9be1-9da6c90cca41"
FLOWS = {
    "default-provider-authorization-implicit-consent": "780cccc8-be22-4ef7-9516-d0635cfc8160",
    "default-provider-invalidation-flow": "24e49978-2896-4a76-8a60-94ba0a8a69a8",
}
PROVIDER = {
    "pk": 10,
    "name": "Provider for Sonarr",
    "mode": "forward_single",
    "external_host": "https://sonarr.example.com",
    "authorization_flow": FLOWS["default-provider-authorization-implicit-consent"],
    "invalidation_flow": FLOWS["default-provider-invalidation-flow"],
    "access_token_validity": "hours=24",
    "skip_path_regex": "",
    "assigned_application_slug": "sonarr",
}
APPLICATION = {
    "pk": "app-10",
    "slug": "sonarr",
    "name": "Sonarr",
    "provider": 10,
    "meta_launch_url": "https://sonarr.example.com",
    "meta_publisher": "authentik-provision",
    "policy_engine_mode": "any",
}
BINDING = {"pk": "b1", "target": "app-10", "group": MEDIA, "enabled": True, "order": 0}


class _ListedTwice:
    """Authentik whose every list shows its one object twice, as shifted pages do."""

    def version_profile(self) -> VersionProfile:
        return newest_profile()

    def list_flows(self) -> list[dict[str, Any]]:
        return [{"pk": pk, "slug": slug} for slug, pk in FLOWS.items()]

    def list_groups(self) -> list[dict[str, Any]]:
        return [{"pk": MEDIA, "name": "media"}]

    def list_proxy_providers(self) -> list[dict[str, Any]]:
        return [PROVIDER, PROVIDER]

    def list_applications(self) -> list[dict[str, Any]]:
        return [APPLICATION, dict(APPLICATION)]

    def list_policy_bindings(self, target: str | None = None) -> list[dict[str, Any]]:
        return [BINDING, dict(BINDING)]

    def find_outpost(self, managed: str) -> dict[str, Any] | None:
        return {"pk": "o-1", "name": "embedded", "providers": [10], "config": {}}


def test_objects_listed_twice_are_one_and_nothing_is_deleted() -> None:
    actual = observe(_ListedTwice(), "goauthentik.io/outposts/embedded")
    assert [b.pk for b in actual.bindings] == ["b1"]
    assert len(actual.applications) == len(actual.providers) == 1
    settings = Settings(apps=[{"host": "sonarr.example.com", "groups": ["media"]}])
    assert plan(desired_state(settings), actual, prune=True).empty
