"""Resource-named calls on the Authentik API; each returns the JSON Authentik answers.

Translation into the product's model happens elsewhere; this module knows only Authentik's
paths, filters and quirks (see docs/authentik.md: which filters work, the application list cache).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from urllib.parse import quote

import requests
from pydantic import SecretStr

from provision.authentik import answers
from provision.authentik.anonymous import Answer
from provision.authentik.answers import JSONObject
from provision.authentik.proxies import proxy_in_use
from provision.authentik.retries import RetryPolicy
from provision.authentik.transport import Transport
from provision.errors import APIRejected
from provision.terms import HEALTH_LIVE_PATH, HEALTH_READY_PATH
from provision.versions import (
    TRANSACTIONAL_APPLICATIONS,
    VersionProfile,
    profile_for,
    with_page_settings,
)

log = logging.getLogger(__name__)

API = "/api/v3"
PROXY_PROVIDERS = f"{API}/providers/proxy/"
APPLICATIONS = f"{API}/core/applications/"
POLICY_BINDINGS = f"{API}/policies/bindings/"
OUTPOSTS = f"{API}/outposts/instances/"
USERS = f"{API}/core/users/"
BINDING_SUBJECTS = ("group", "policy", "user")


def _item(collection: str, key: str | int) -> str:
    return f"{collection}{quote(str(key), safe='')}/"


class AuthentikClient:
    """A thin client for the parts of the Authentik API that forward auth needs.

    Args:
        base_url: the server, e.g. ``http://127.0.0.1:9000`` (without ``/api/v3``).
        token: an API token; ``None`` allows only the health endpoints and anonymous requests.
        timeout: seconds per request.
        ca_bundle: a CA file for a private CA; TLS is verified in any case.
        session: a ``requests.Session`` to use from every thread (default: one per thread).
        retry: the retry budget of one call.
        sleep: how to wait between retries (injectable for tests).
        proxy: an HTTP(S) proxy for every request; ``None``: the environment's, but never
            for a loopback address (see ``provision.authentik.proxies``).
    """

    def __init__(
        self,
        base_url: str,
        token: SecretStr | None,
        *,
        timeout: float = 10.0,
        ca_bundle: str | None = None,
        session: requests.Session | None = None,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen, so sharing it is safe
        sleep: Callable[[float], None] = time.sleep,
        proxy: str | None = None,
    ) -> None:
        self._proxy = proxy
        self._transport = Transport(
            base_url,
            token,
            timeout=timeout,
            verify=ca_bundle if ca_bundle is not None else True,
            session=session,
            retry=retry,
            sleep=sleep,
            proxy=proxy,
        )
        self._profile: VersionProfile | None = None

    def __repr__(self) -> str:
        return f"AuthentikClient({self.base_url!r})"

    def __enter__(self) -> AuthentikClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    @property
    def proxy(self) -> str | None:
        """The proxy requests go through (credentials hidden), or ``None`` for direct."""
        return proxy_in_use(self.base_url, self._proxy)

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far, every retry attempt included."""
        return self._transport.request_count

    def close(self) -> None:
        self._transport.close()

    # -- server -------------------------------------------------------------------------------

    def health_live(self) -> bool:
        """Whether ``/-/health/live/`` answers 200 (no token needed, never raises)."""
        return self._transport.health_answers(HEALTH_LIVE_PATH)

    def health_ready(self) -> bool:
        """Whether ``/-/health/ready/`` answers 200 (no token needed, never raises)."""
        return self._transport.health_answers(HEALTH_READY_PATH)

    def ask_anonymously(self, url: str, headers: Mapping[str, str] | None = None) -> Answer:
        """One token-less GET of any ``url`` (the outpost, a proxy), answered as data."""
        return self._transport.ask_anonymously(url, headers)

    def version(self) -> JSONObject:
        path = f"{API}/admin/version/"
        return self._transport.call_object("GET", path, answers.VERSION)

    def admin_settings(self) -> JSONObject:
        """``/admin/settings/`` (from 2025.12 it holds the page sizes); ``{}`` when absent."""
        return self._transport.object_or_none(f"{API}/admin/settings/") or {}

    def version_profile(self) -> VersionProfile:
        """How this server behaves (docs/versions.md): ``/admin/version/`` is read once per client
        (from 2025.12 with the page cap of ``/admin/settings/``), and list calls use the
        profile's page size from then on."""
        if self._profile is None:
            reported = str(self.version().get("version_current") or "")
            profile = profile_for(reported)
            if profile.newer_than_known:
                log.warning(
                    "Authentik %s is newer than the newest release this tool knows; using the"
                    " profile of %s",
                    profile.version,
                    profile.name,
                )
            if profile.page_size_setting:
                profile = with_page_settings(profile, self.admin_settings())
            self._transport.page_size = profile.page_size
            self._profile = profile
        return self._profile

    def me(self) -> JSONObject:
        """The token's user, as ``{"user": {...}}``."""
        path = f"{API}/core/users/me/"
        return self._transport.call_object("GET", path, answers.ME)

    # -- flows and groups -----------------------------------------------------------------------

    def list_flows(self) -> list[JSONObject]:
        return self._transport.list_all(f"{API}/flows/instances/", shape=answers.FLOW)

    def get_flow(self, slug: str) -> JSONObject | None:
        """The flow with this slug, or ``None`` when Authentik has none."""
        path = _item(f"{API}/flows/instances/", slug)
        return self._transport.object_or_none(path, answers.FLOW)

    def list_groups(self) -> list[JSONObject]:
        params = {"include_users": "false"}  # member lists can be huge and are not needed
        return self._transport.list_all(f"{API}/core/groups/", shape=answers.GROUP, params=params)

    def list_users(
        self, group_pk: str | None = None, active: bool | None = True
    ) -> list[JSONObject]:
        """Users, all or the direct members of one group (``groups_by_pk``), paged
        (docs/access.md)."""
        params: dict[str, str] = {}
        if group_pk is not None:
            params["groups_by_pk"] = group_pk
        if active is not None:
            params["is_active"] = "true" if active else "false"
        return self._transport.list_all(USERS, shape=answers.USER, params=params)

    # -- proxy providers ------------------------------------------------------------------------

    def list_proxy_providers(self) -> list[JSONObject]:
        return self._transport.list_all(PROXY_PROVIDERS, shape=answers.PROVIDER)

    def create_proxy_provider(self, body: JSONObject) -> JSONObject:
        name = body["name"]

        def existing() -> JSONObject | None:
            # name__iexact is a working filter (03b); the exact name is checked anyway.
            found = self._transport.list_all(PROXY_PROVIDERS, {"name__iexact": name})
            return next((p for p in found if p.get("name") == name), None)

        return self._transport.create(PROXY_PROVIDERS, body, existing, answers.PROVIDER)

    def update_proxy_provider(self, pk: int, body: JSONObject) -> JSONObject:
        """PATCH a provider. The body must carry ``mode``: without it Authentik validates the
        provider as ``proxy`` mode and rejects it (transcript 03d)."""
        return self._transport.call_object(
            "PATCH", _item(PROXY_PROVIDERS, pk), answers.PROVIDER, json=body
        )

    def delete_proxy_provider(self, pk: int) -> None:
        self._transport.call("DELETE", _item(PROXY_PROVIDERS, pk))

    # -- applications ---------------------------------------------------------------------------

    def list_applications(self) -> list[JSONObject]:
        """Every application. Without ``superuser_full_list`` Authentik answers from a
        per-user cache filtered by policy (transcript 04c)."""
        return self._transport.list_all(
            APPLICATIONS, shape=answers.APPLICATION, params={"superuser_full_list": "true"}
        )

    def get_application(self, slug: str) -> JSONObject | None:
        """The application, with its provider's pk and ``provider_obj``, or ``None``."""
        return self._transport.object_or_none(_item(APPLICATIONS, slug), answers.ATTACHED)

    def create_application(self, body: JSONObject) -> JSONObject:
        slug = body["slug"]
        existing: Callable[[], JSONObject | None] = lambda: self.get_application(slug)  # noqa: E731
        return self._transport.create(APPLICATIONS, body, existing, answers.APPLICATION)

    def update_application(self, slug: str, body: JSONObject) -> JSONObject:
        return self._transport.call_object(
            "PATCH", _item(APPLICATIONS, slug), answers.APPLICATION, json=body
        )

    def create_application_with_provider(
        self,
        provider: JSONObject,
        application: JSONObject,
        bindings: list[JSONObject],
    ) -> JSONObject:
        """Create a proxy provider, its application and the application's policy bindings in
        one transaction (``PUT /core/transactional/applications/``, recorded in 11).

        The endpoint is create-only, so a retry first re-reads the application. Authentik can
        answer 200 with ``applied: false``; that is an error here, with its log lines.
        """
        slug = application["slug"]
        body: JSONObject = {
            "app": application,
            "provider_model": "authentik_providers_proxy.proxyprovider",
            "provider": provider,
            "policy_bindings": bindings,
        }
        answer = self._transport.create(
            TRANSACTIONAL_APPLICATIONS,
            body,
            lambda: self.get_application(slug),  # found on a retry: it was applied
            answers.TRANSACTION,
            method="PUT",
        )
        refused = answers.not_applied(answer)
        if refused is not None:
            path = TRANSACTIONAL_APPLICATIONS
            raise APIRejected({"applied": refused}, method="PUT", path=path, status=200)
        return answer

    def set_application_icon_url(self, slug: str, url: str) -> None:
        """Set the application's icon to a URL, where ``meta_icon`` is read-only in the API
        (releases before 2025.12; later ones answer 405 and take ``meta_icon`` instead)."""
        path = f"{_item(APPLICATIONS, slug)}set_icon_url/"
        # Setting the same URL twice changes nothing, so this POST may be retried.
        self._transport.call("POST", path, json={"url": url}, idempotent=True)

    def delete_application(self, slug: str) -> None:
        self._transport.call("DELETE", _item(APPLICATIONS, slug))

    def check_access(self, slug: str, user_pk: int) -> JSONObject:
        """The policy engine's verdict on one user: ``{"passing": bool, ...}`` (read-only)."""
        path = f"{_item(APPLICATIONS, slug)}check_access/"
        return self._transport.call_object(
            "GET", path, answers.CHECK_ACCESS, params={"for_user": user_pk}
        )

    # -- policy bindings ------------------------------------------------------------------------

    def list_policy_bindings(self, target: str | None = None) -> list[JSONObject]:
        """Bindings, all or of one target (an application's pk)."""
        params = {"target": target} if target is not None else {}
        return self._transport.list_all(POLICY_BINDINGS, params)

    def create_policy_binding(self, body: JSONObject) -> JSONObject:
        """Create a binding. Authentik accepts duplicates (09), so a retry re-reads first."""

        def existing() -> JSONObject | None:
            # Only a working binding is the one an earlier attempt made: a disabled or negated
            # one of the same subject is drift that the sync is about to delete.
            found = self.list_policy_bindings(target=body["target"])
            same = (
                b
                for b in found
                if all(b.get(k) == body.get(k) for k in BINDING_SUBJECTS)
                and b.get("enabled", True) is True
                and b.get("negate") is not True
            )
            return next(same, None)

        return self._transport.create(POLICY_BINDINGS, body, existing, answers.BINDING)

    def delete_policy_binding(self, pk: str) -> None:
        self._transport.call("DELETE", _item(POLICY_BINDINGS, pk))

    # -- outposts -------------------------------------------------------------------------------

    def find_outpost(self, managed: str) -> JSONObject | None:
        """The outpost whose ``managed`` is exactly ``managed``, or ``None``.

        Authentik ignores unknown filters and answers everything (05a, 05d), so each result is
        checked here whatever the server filtered.
        """
        found = self._transport.list_all(OUTPOSTS, {"managed__iexact": managed})
        return next((o for o in found if o.get("managed") == managed), None)

    def get_outpost(self, pk: str) -> JSONObject:
        path = _item(OUTPOSTS, pk)
        return answers.an_outpost(self._transport.call("GET", path), "GET", path)

    def set_outpost_providers(self, pk: str, providers: list[int]) -> JSONObject:
        """Replace the outpost's provider list (Authentik's PATCH replaces, never merges)."""
        return self.update_outpost(pk, {"providers": list(providers)})

    def update_outpost(self, pk: str, body: JSONObject) -> JSONObject:
        """PATCH the outpost. ``providers`` and ``config`` are each replaced whole (05b, 11):
        send the merged list and the merged config."""
        path = _item(OUTPOSTS, pk)
        return answers.an_outpost(self._transport.call("PATCH", path, json=body), "PATCH", path)

    def outpost_health(self, pk: str) -> list[JSONObject]:
        """The outpost's connected instances (empty when none is connected)."""
        path = f"{_item(OUTPOSTS, pk)}health/"
        return answers.objects(self._transport.call("GET", path), "GET", path)
