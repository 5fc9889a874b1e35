"""``fake.state``: seed and inspect the fake's objects directly, without HTTP.

Every method takes the same lock the HTTP handlers take and answers the JSON objects the
API would answer; seeding goes through the API's own validation and raises ``ValueError``
with Authentik's messages when the object would have been refused.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from . import serializers
from .api_applications import save_application, user_may_open
from .api_blueprints import run_worker
from .api_groups import save_group
from .api_providers import save_proxy_provider
from .fields import Errors, messages
from .outpost_sessions import cookie_name, log_in
from .outpost_view import OutpostView, bound_provider
from .store import Record, Store, new_store
from .versions import AuthentikVersion

AUTHORIZATION_FLOW = "default-provider-authorization-implicit-consent"
INVALIDATION_FLOW = "default-provider-invalidation-flow"


def _refused(kind: str, errors: Errors) -> ValueError:
    return ValueError(f"the fake Authentik refuses this {kind}: {messages(errors)}")


class FakeState:
    """The in-memory objects of one fake Authentik (thread-safe)."""

    def __init__(self, base_url: str, readonly_key: str, version: AuthentikVersion) -> None:
        self.lock = threading.RLock()
        self.store: Store = new_store(base_url, readonly_key, version)

    def set_base_url(self, url: str) -> None:
        """Where the fake listens; the embedded outpost's ``authentik_host`` follows it."""
        with self.lock:
            config = self.store.embedded_outpost()["config"]
            if config.get("authentik_host") == self.store.base_url:
                config["authentik_host"] = url
            self.store.base_url = url

    def _flow_pk(self, slug: str) -> str | None:
        return next((f["pk"] for f in self.store.flows.values() if f["slug"] == slug), None)

    def add_proxy_provider(
        self, name: str, external_host: str, mode: str = "forward_single", **fields: Any
    ) -> dict[str, Any]:
        """Create a proxy provider (default flows filled in) as ``POST /providers/proxy/``."""
        with self.lock:
            body = {
                "name": name,
                "external_host": external_host,
                "mode": mode,
                "authorization_flow": self._flow_pk(AUTHORIZATION_FLOW),
                "invalidation_flow": self._flow_pk(INVALIDATION_FLOW),
                **fields,
            }
            record, errors = save_proxy_provider(self.store, None, body, partial=False)
            if record is None:
                raise _refused("proxy provider", errors)
            return serializers.proxy_provider(self.store, record)

    def add_application(
        self, name: str, slug: str, provider: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Create an application as ``POST /core/applications/``."""
        with self.lock:
            body = {"name": name, "slug": slug, "provider": provider, **fields}
            record, errors = save_application(self.store, None, body, partial=False)
            if record is None:
                raise _refused("application", errors)
            return serializers.application(self.store, record)

    def add_group(self, name: str) -> dict[str, Any]:
        """Create a group as ``POST /core/groups/``."""
        with self.lock:
            record, errors = save_group(self.store, None, {"name": name}, partial=False)
            if record is None:
                raise _refused("group", errors)
            return serializers.group(self.store, record)

    def remove_flow(self, slug: str) -> None:
        """Delete a flow (to show what happens when a referenced flow is missing)."""
        with self.lock:
            pk = self._flow_pk(slug)
            if pk is None:
                raise KeyError(slug)
            del self.store.flows[pk]

    def _all(self, records: Iterable[Record], render: Any, key: str) -> list[dict[str, Any]]:
        with self.lock:
            ordered = sorted(records, key=lambda r: (r[key], str(r["pk"])))
            return [serializers.as_json(render(r)) for r in ordered]

    def proxy_providers(self) -> list[dict[str, Any]]:
        return self._all(
            self.store.providers.values(),
            lambda r: serializers.proxy_provider(self.store, r),
            "name",
        )

    def applications(self) -> list[dict[str, Any]]:
        return self._all(
            self.store.applications.values(),
            lambda r: serializers.application(self.store, r),
            "name",
        )

    def groups(self) -> list[dict[str, Any]]:
        return self._all(
            self.store.groups.values(), lambda r: serializers.group(self.store, r), "name"
        )

    def policy_bindings(self) -> list[dict[str, Any]]:
        return self._all(
            self.store.bindings.values(),
            lambda r: serializers.policy_binding(self.store, r),
            "order",
        )

    def flows(self) -> list[dict[str, Any]]:
        return self._all(
            self.store.flows.values(), lambda f: serializers.flow(self.store, f), "slug"
        )

    def embedded_outpost(self) -> dict[str, Any]:
        """The outpost managed as ``goauthentik.io/outposts/embedded``."""
        with self.lock:
            return serializers.outpost(self.store, self.store.embedded_outpost())

    def set_outpost_config(self, **config: Any) -> None:
        """Change keys of the embedded outpost's config (``authentik_host=""`` for doctor)."""
        with self.lock:
            self.store.embedded_outpost()["config"].update(config)

    def set_outpost_providers(self, providers: Iterable[int]) -> None:
        """Replace the embedded outpost's provider list (unknown pks are refused)."""
        with self.lock:
            wanted = list(dict.fromkeys(providers))
            unknown = [pk for pk in wanted if pk not in self.store.providers]
            if unknown:
                raise ValueError(f"no proxy provider with pk {unknown}")
            self.store.embedded_outpost()["providers"] = wanted

    def group_pk(self, name: str) -> str:
        """The pk of the group named ``name``, created when missing."""
        with self.lock:
            found = next((g["pk"] for g in self.store.groups.values() if g["name"] == name), None)
            return str(found) if found is not None else str(self.add_group(name)["pk"])

    def login(self, username: str, host: str, view: OutpostView) -> tuple[str, str]:
        """An outpost session of the stored ``username`` for the provider serving ``host``:
        (cookie name, cookie value). ``PermissionError`` when the policy engine refuses."""
        with self.lock:
            store = self.store
            user = next((u for u in store.users.values() if u["username"] == username), None)
            if user is None:
                raise LookupError(f"the fake Authentik has no user {username!r}")
            provider = bound_provider(store, host, view)
            application = store.application_of(provider["pk"]) if provider else None
            if provider is None or application is None:
                raise LookupError(f"the embedded outpost serves no provider for {host!r}")
            if not user["is_active"] or not user_may_open(store, application, user["pk"]):
                raise PermissionError(f"{username!r} may not open {application['slug']!r}")
            return cookie_name(provider), log_in(store, provider, user["pk"])

    def run_blueprint_worker(self) -> int:
        """Apply the blueprint instances waiting for Authentik's worker; how many ran."""
        with self.lock:
            return run_worker(self.store)
