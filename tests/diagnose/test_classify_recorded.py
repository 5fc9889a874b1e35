"""The answers real outposts gave (file 13, every recorded release), classified as verify must."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from provision.authentik.anonymous import Answer
from provision.declared_providers import (
    NOT_READ,
    DeclaredProviders,
    ProviderLogin,
    declared_providers,
)
from provision.login_redirect import RedirectKind, read_login_redirect
from provision.model import EVERY_USER, DesiredApp
from provision.verify import classify_outpost, classify_proxy
from tests.diagnose.recorded import (
    SINGLE_HOST,
    VERSIONS,
    answer_of,
    exchange,
    provider_named,
    recorded_providers,
)

pytestmark = pytest.mark.parametrize("version", VERSIONS)

DOMAIN_APP = "app1.rec-domain.test"
AUTH_HOST = "auth.rec-domain.test"
# The recording's applications, declared as this config would declare them.
TARGETS = [
    DesiredApp(SINGLE_HOST, "rec13-single", "rec13-single", EVERY_USER),
    DesiredApp("rec-open.test", "rec13-open", "rec13-open", EVERY_USER),
    DesiredApp(AUTH_HOST, "rec13-domain", "rec13-domain", EVERY_USER, mode="forward_domain"),
]


def _providers(version: str) -> DeclaredProviders:
    found = declared_providers(recorded_providers(version), TARGETS)
    # A host under the domain without an app of its own is served by the domain's provider.
    return DeclaredProviders(
        {**found.ours, DOMAIN_APP: found.ours[AUTH_HOST]}, found.by_client_id, read=True
    )


def _login(version: str, name: str) -> ProviderLogin:
    provider = provider_named(version, name)
    return ProviderLogin(name, provider["client_id"], provider["external_host"])


@pytest.mark.parametrize(
    ("step", "host", "provider"),
    [
        ("2 traefik:", SINGLE_HOST, "rec13-single"),
        ("2 caddy:", SINGLE_HOST, "rec13-single"),
        ("7 traefik: app1", DOMAIN_APP, "rec13-domain"),  # the callback goes to the auth host
        ("7 caddy: app1", DOMAIN_APP, "rec13-domain"),
        ("7 traefik: auth.", AUTH_HOST, "rec13-domain"),
    ],
)
def test_the_302_to_authorize_naming_our_provider_is_protected(
    version: str, step: str, host: str, provider: str
) -> None:
    recorded = exchange(version, step)
    assert recorded["response"]["status"] == 302
    result = classify_outpost(host, answer_of(recorded), _providers(version))
    assert result.classification == "protected", result.detail
    assert result.provider == provider
    assert result.client_id == provider_named(version, provider)["client_id"]
    assert f"with provider {provider!r}" in result.detail
    assert "/application/o/authorize/ " in result.detail + " "  # the state JWT is left out
    assert result.fix == ""


@pytest.mark.parametrize(
    ("step", "host"), [("2 nginx:", SINGLE_HOST), ("7 nginx: app1", DOMAIN_APP)]
)
def test_401_on_the_nginx_endpoint_is_protected(version: str, step: str, host: str) -> None:
    recorded = exchange(version, step)
    assert recorded["response"]["status"] == 401
    result = classify_outpost(host, answer_of(recorded), _providers(version))
    assert result.classification == "protected"
    assert "401" in result.detail


@pytest.mark.parametrize("step", ["3 traefik:", "3 caddy:"])
def test_200_without_identity_is_unprotected_and_names_the_skip_regex(
    version: str, step: str
) -> None:
    recorded = exchange(version, step)
    assert recorded["response"]["status"] == 200
    result = classify_outpost(SINGLE_HOST, answer_of(recorded), _providers(version))
    assert result.classification == "unprotected"
    assert "skip_path_regex '^/api/'" in result.detail
    assert "skip_path_regex so that no line matches '/'" in result.fix
    assert result.exit_code == 65


@pytest.mark.parametrize("step", ["1 traefik:", "1 caddy:"])
def test_authentiks_404_page_is_not_bound(version: str, step: str) -> None:
    result = classify_outpost("rec-nobody.test", answer_of(exchange(version, step)), NOT_READ)
    assert result.classification == "not_bound"
    assert result.status == 404


def test_500_configuration_error_is_missing_forwarded_headers(version: str) -> None:
    recorded = exchange(version, "9 traefik: no X-Forwarded-* (nor X-Original-URL), Host rec-s")
    assert recorded["response"]["body"].strip() == "configuration error"
    result = classify_outpost(SINGLE_HOST, answer_of(recorded), _providers(version))
    assert result.classification == "missing_forwarded_headers"


def test_another_providers_client_id_names_that_provider(version: str) -> None:
    """The host is ours to declare, but the outpost logs visitors in with rec13-single."""
    ours = _login(version, "rec13-open")
    providers = DeclaredProviders({SINGLE_HOST: ours}, _providers(version).by_client_id, read=True)
    result = classify_outpost(SINGLE_HOST, answer_of(exchange(version, "2 traefik:")), providers)
    assert result.classification == "served_by_other_provider"
    assert result.provider == "rec13-single"
    assert "with provider 'rec13-single', not with this config's 'rec13-open'" in result.detail
    assert "take it off the embedded outpost" in result.fix
    assert result.exit_code == 65


def test_a_client_id_the_api_does_not_list_is_served_by_other(version: str) -> None:
    ours = ProviderLogin("Provider for Single", "our-client-id", f"https://{SINGLE_HOST}")
    providers = DeclaredProviders({SINGLE_HOST: ours}, {"our-client-id": ours}, read=True)
    result = classify_outpost(SINGLE_HOST, answer_of(exchange(version, "2 traefik:")), providers)
    assert result.classification == "served_by_other_provider"
    assert result.provider == ""
    assert "a provider the API does not list (client_id " in result.detail


def test_a_host_never_synced_says_so(version: str) -> None:
    """No provider of this config on the server, yet the outpost serves the host."""
    listed = _providers(version).by_client_id
    result = classify_outpost(
        SINGLE_HOST,
        answer_of(exchange(version, "2 traefik:")),
        DeclaredProviders({}, listed, read=True),
    )
    assert result.classification == "served_by_other_provider"
    assert "no provider of this config for the host (never synced?)" in result.detail


def test_without_the_api_the_callback_alone_is_checked(version: str) -> None:
    """doctor without a token: the redirect comes back to the host; its client_id is shown."""
    result = classify_outpost(SINGLE_HOST, answer_of(exchange(version, "2 traefik:")), NOT_READ)
    assert result.classification == "protected"
    assert f"client_id {provider_named(version, 'rec13-single')['client_id']}" in result.detail
    other = classify_outpost("rec-open.test", answer_of(exchange(version, "2 traefik:")))
    assert other.classification == "redirect_elsewhere"


def test_traefik_and_caddy_pass_the_outposts_302_on(version: str) -> None:
    """Through the proxy the browser sees the outpost's own redirect."""
    recorded = answer_of(exchange(version, "2 caddy:"))
    through = Answer("http://127.0.0.1:8080", 302, recorded.location, server="Caddy")
    result = classify_proxy(SINGLE_HOST, through, "http://127.0.0.1:8080", _providers(version))
    assert result.classification == "protected"
    assert result.via == "proxy"
    assert result.provider == "rec13-single"


def test_nginxs_own_start_redirect_is_accepted(version: str) -> None:
    rd = quote(f"http://{SINGLE_HOST}/", safe="")
    start = f"http://{SINGLE_HOST}/outpost.goauthentik.io/start?rd={rd}"
    through = Answer("http://127.0.0.1:8080", 302, start, server="nginx")
    result = classify_proxy(SINGLE_HOST, through, "http://127.0.0.1:8080", _providers(version))
    assert result.classification == "protected"
    assert result.location == start


def test_an_old_start_redirect_for_a_host_without_provider_is_not_bound(version: str) -> None:
    start = f"https://{SINGLE_HOST}/outpost.goauthentik.io/start?rd=x"
    answer = Answer("http://127.0.0.1:9000/outpost.goauthentik.io/auth/traefik", 307, start)
    listed = _providers(version).by_client_id
    result = classify_outpost(SINGLE_HOST, answer, DeclaredProviders({}, listed, read=True))
    assert result.classification == "not_bound"
    assert "never synced" in result.detail
    assert "provision sync" in result.fix


def test_the_recorded_redirect_is_read(version: str) -> None:
    location = answer_of(exchange(version, "7 traefik: app1")).location
    redirect = read_login_redirect(location)
    assert redirect.kind == RedirectKind.AUTHORIZE
    assert redirect.host == AUTH_HOST
    assert redirect.client_id == provider_named(version, "rec13-domain")["client_id"]
