"""Resource methods of AuthentikClient against the fake Authentik over real sockets."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from provision import __version__
from provision.authentik import AuthentikClient
from provision.errors import AuthError, NotFound, WrongServerError
from provision.testing.fake_authentik import FakeAuthentik

MakeClient = Callable[..., AuthentikClient]
ProviderBody = Callable[[str, str], dict[str, Any]]
EMBEDDED = "goauthentik.io/outposts/embedded"


def api_requests(fake: FakeAuthentik, path: str) -> list[Any]:
    return [r for r in fake.requests if r.path == path]


def test_version_and_me(client: AuthentikClient, fake: FakeAuthentik) -> None:
    assert client.version()["version_current"] == fake.version.name
    assert client.me()["user"]["is_superuser"] is True


def test_requests_carry_user_agent_and_json_accept(
    client: AuthentikClient, fake: FakeAuthentik
) -> None:
    client.version()
    headers = fake.requests[-1].headers
    assert headers["user-agent"] == f"authentik-provision/{__version__}"
    assert "application/json" in headers["accept"]


def test_health_needs_no_token_and_never_raises(
    make_client: MakeClient, fake: FakeAuthentik, closed_port: int
) -> None:
    anonymous = make_client(token=None)
    assert anonymous.health_live() is True
    assert anonymous.health_ready() is True
    health = [r for r in fake.requests if r.path.startswith("/-/health/")]
    assert len(health) == 2
    assert all("authorization" not in r.headers for r in health)

    fake.ready = False
    assert anonymous.health_ready() is False

    unreachable = make_client(url=f"http://127.0.0.1:{closed_port}")
    assert unreachable.health_live() is False
    assert unreachable.health_ready() is False


def test_no_token_is_an_auth_error(make_client: MakeClient) -> None:
    with pytest.raises(AuthError, match="no token provided"):
        make_client(token=None).me()


def test_flows_listed_and_fetched_by_slug(client: AuthentikClient) -> None:
    slugs = {f["slug"] for f in client.list_flows()}
    assert "default-provider-authorization-implicit-consent" in slugs
    assert "default-provider-invalidation-flow" in slugs
    flow = client.get_flow("default-provider-invalidation-flow")
    assert flow is not None
    assert flow["designation"] == "invalidation"
    assert client.get_flow("does-not-exist") is None


def test_wrong_base_url_is_not_mistaken_for_a_missing_object(
    make_client: MakeClient, fake: FakeAuthentik
) -> None:
    # The HTML 404 page means "wrong URL", unlike Authentik's JSON 404 for a missing object.
    misplaced = make_client(url=f"{fake.url}/authentik")
    with pytest.raises(WrongServerError, match="wrong URL or path") as caught:
        misplaced.get_flow("default-provider-invalidation-flow")
    assert caught.value.exit_code == 78  # authentik.url is wrong, as the README says


def test_groups_listed_without_members(client: AuthentikClient, fake: FakeAuthentik) -> None:
    fake.state.add_group("media")
    fake.clear_log()
    assert "media" in {g["name"] for g in client.list_groups()}
    (listing,) = api_requests(fake, "/api/v3/core/groups/")
    assert listing.query["include_users"] == "false"
    assert listing.query["page_size"] == "1000"


def test_proxy_provider_create_update_delete(
    client: AuthentikClient, fake: FakeAuthentik, provider_body: ProviderBody
) -> None:
    created = client.create_proxy_provider(provider_body("Provider for Sonarr", "sonarr.test"))
    assert created["mode"] == "forward_single"
    patch = {"mode": "forward_single", "skip_path_regex": "^/api/"}
    updated = client.update_proxy_provider(created["pk"], patch)
    assert updated["skip_path_regex"] == "^/api/"
    listed = client.list_proxy_providers()
    assert [p["name"] for p in listed] == ["Provider for Sonarr"]
    client.delete_proxy_provider(created["pk"])
    assert fake.state.proxy_providers() == []
    with pytest.raises(NotFound, match="No ProxyProvider matches"):
        client.delete_proxy_provider(created["pk"])


def test_applications_listed_with_superuser_full_list(
    client: AuthentikClient, fake: FakeAuthentik
) -> None:
    provider = fake.state.add_proxy_provider("Provider for Grafana", "https://grafana.test")
    fake.state.add_application("Grafana", "grafana", provider=provider["pk"])
    fake.clear_log()
    assert [a["slug"] for a in client.list_applications()] == ["grafana"]
    (listing,) = api_requests(fake, "/api/v3/core/applications/")
    assert listing.query["superuser_full_list"] == "true"


def test_application_create_get_update_delete(client: AuthentikClient, fake: FakeAuthentik) -> None:
    provider = fake.state.add_proxy_provider("Provider for Sonarr", "https://sonarr.test")
    body = {"name": "Sonarr", "slug": "sonarr", "provider": provider["pk"]}
    created = client.create_application(body | {"meta_publisher": "authentik-provision"})
    assert created["provider"] == provider["pk"]
    fetched = client.get_application("sonarr")
    assert fetched is not None
    assert fetched["meta_publisher"] == "authentik-provision"
    updated = client.update_application("sonarr", {"group": "Media"})
    assert updated["group"] == "Media"
    client.delete_application("sonarr")
    assert client.get_application("sonarr") is None


def test_policy_bindings_by_target(client: AuthentikClient, fake: FakeAuthentik) -> None:
    group = fake.state.add_group("media")
    app = fake.state.add_application("Sonarr", "sonarr")
    other = fake.state.add_application("Radarr", "radarr")
    binding = client.create_policy_binding({"target": app["pk"], "group": group["pk"], "order": 0})
    client.create_policy_binding({"target": other["pk"], "group": group["pk"], "order": 0})
    assert [b["pk"] for b in client.list_policy_bindings(target=app["pk"])] == [binding["pk"]]
    assert len(client.list_policy_bindings()) == 2
    client.delete_policy_binding(binding["pk"])
    assert client.list_policy_bindings(target=app["pk"]) == []


def test_embedded_outpost_found_patched_and_checked(
    client: AuthentikClient, fake: FakeAuthentik
) -> None:
    provider = fake.state.add_proxy_provider("Provider for Sonarr", "https://sonarr.test")
    outpost = client.find_outpost(EMBEDDED)
    assert outpost is not None
    assert outpost["pk"] == fake.state.embedded_outpost()["pk"]
    patched = client.set_outpost_providers(outpost["pk"], [provider["pk"]])
    assert patched["providers"] == [provider["pk"]]
    assert client.get_outpost(outpost["pk"])["providers"] == [provider["pk"]]
    assert client.outpost_health(outpost["pk"]) == []
    patches = [r for r in fake.writes() if r.method == "PATCH"]
    assert [r.body for r in patches] == [{"providers": [provider["pk"]]}]


class FilterIgnoringSession(requests.Session):
    """Drops the query filters, as Authentik does with parameters it does not know (05a)."""

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs["params"] = {
            k: v for k, v in (kwargs.get("params") or {}).items() if k in ("page", "page_size")
        }
        return super().request(method, url, *args, **kwargs)


def test_find_outpost_checks_each_result_itself(
    make_client: MakeClient, fake: FakeAuthentik
) -> None:
    provider = fake.state.add_proxy_provider("Provider for Sonarr", "https://sonarr.test")
    client = make_client()
    client.set_outpost_providers(fake.state.embedded_outpost()["pk"], [provider["pk"]])
    ignoring = make_client(session=FilterIgnoringSession())
    # With the filter ignored the server answers the embedded outpost for any question.
    assert ignoring.find_outpost("goauthentik.io/outposts/other") is None
    found = ignoring.find_outpost(EMBEDDED)
    assert found is not None
    assert found["managed"] == EMBEDDED


def test_client_is_safe_from_a_thread_pool(
    client: AuthentikClient, fake: FakeAuthentik, provider_body: ProviderBody
) -> None:
    before = client.request_count
    fake.clear_log()
    names = [f"Provider for app{i}" for i in range(24)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        created = list(
            pool.map(
                client.create_proxy_provider, [provider_body(n, f"{n[13:]}.test") for n in names]
            )
        )
    assert sorted(p["name"] for p in created) == sorted(names)
    assert sorted(p["name"] for p in fake.state.proxy_providers()) == sorted(names)
    assert client.request_count - before == len(fake.requests) == 24


class VerifyRecordingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.verify_seen: list[Any] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        self.verify_seen.append(kwargs.get("verify"))
        return super().request(method, url, *args, **kwargs)


def test_tls_verified_by_default_and_ca_bundle_used(make_client: MakeClient) -> None:
    default, private = VerifyRecordingSession(), VerifyRecordingSession()
    make_client(session=default).version()
    make_client(session=private, ca_bundle="/etc/ssl/private-ca.pem").health_live()
    assert default.verify_seen == [True]
    assert private.verify_seen == ["/etc/ssl/private-ca.pem"]


def test_repr_shows_the_server_only(client: AuthentikClient, fake: FakeAuthentik) -> None:
    assert repr(client) == f"AuthentikClient({fake.url!r})"


def test_users_listed_by_group_and_activity(client: AuthentikClient, fake: FakeAuthentik) -> None:
    media = fake.state.add_group("media")["pk"]
    fake.clear_log()
    client.list_users(group_pk=media)
    client.list_users()
    client.list_users(active=None)
    queries = [r.query for r in api_requests(fake, "/api/v3/core/users/")]
    assert queries == [
        {"groups_by_pk": media, "is_active": "true", "page_size": "1000"},
        {"is_active": "true", "page_size": "1000"},
        {"page_size": "1000"},
    ]


def test_check_access_asks_for_one_user(client: AuthentikClient, fake: FakeAuthentik) -> None:
    fake.state.add_application("Sonarr", "sonarr")
    akadmin = next(u for u in client.list_users() if u["username"] == "akadmin")
    fake.clear_log()
    assert client.check_access("sonarr", akadmin["pk"])["passing"] is True  # no bindings
    (asked,) = fake.requests
    assert (asked.method, asked.path) == ("GET", "/api/v3/core/applications/sonarr/check_access/")
    assert asked.query == {"for_user": str(akadmin["pk"])}
    with pytest.raises(NotFound):
        client.check_access("no-such-app", akadmin["pk"])
