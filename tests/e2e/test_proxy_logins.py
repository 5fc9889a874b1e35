"""Real logins through Traefik, nginx and both Caddys, in every release the fake speaks.

Each (proxy, release) gets one fake Authentik with stored users (``alice`` in the declared
groups, ``bob`` in none), synced by ``provision sync`` and rendered by ``provision render``
for the real proxy. The test browser then logs in through the proxy as a person would: the
outpost's redirect, the flow executor, the authorize decision on the stored groups, the
callback. The self-tests at the end break the fake by hand and show that the checks above
would then fail: a suite that cannot fail proves nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from provision.testing.fake_authentik.versions import KNOWN
from tests.e2e.proxy_login_support import (
    APP_HOST,
    APP_PROVIDER,
    AUTH_HOST,
    DOMAIN,
    DOMAIN_HOSTS,
    DOMAIN_PROVIDER,
    FAMILY,
    GROUP,
    MEMBER,
    NGINX,
    NO_ROUTE,
    OUTSIDER,
    PASSWORD,
    PROXIES,
    SKIPPED_PATH,
    UNDECLARED_HOST,
    ProxyStack,
    binding_deleted,
    broken,
    provider_named,
    running_stack,
    skip_opens_root,
)
from tests.support.browser import Browser, LoginRefused
from tests.support.stack import SPOOFED, SPOOFED_HEADERS, x_authentik

START = "/outpost.goauthentik.io/start"
AUTHORIZE = "/application/o/authorize/"
CALLBACK = "/outpost.goauthentik.io/callback?X-authentik-auth-callback=true"
STACKS = list(itertools.product(PROXIES, KNOWN))


@pytest.fixture(scope="module", params=STACKS, ids=[f"{p}-{v}" for p, v in STACKS])
def running(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProxyStack]:
    proxy, version = request.param
    with running_stack(proxy, version, tmp_path_factory.mktemp(f"{proxy}-{version}")) as up:
        yield up


@pytest.fixture
def stack(running: ProxyStack) -> ProxyStack:
    running.clear()
    return running


@pytest.fixture(scope="module")
def member(running: ProxyStack) -> Iterator[Browser]:
    """A browser in which the member has logged in on the app's host (kept for the module)."""
    with running.browser() as browser:
        answer = browser.login(APP_HOST, MEMBER, PASSWORD, scheme="https")
        assert answer.status_code == 200, answer.text
        yield browser


def assert_sent_to_login(
    stack: ProxyStack, host: str, path: str, answer: requests.Response
) -> None:
    """nginx's own 302 to the host's ``start``; the outpost's 302 to authorize (Traefik, Caddy)
    naming the host's provider, its callback on the provider's external host."""
    assert answer.status_code == 302, (host, path, answer.status_code, answer.text[:200])
    location = answer.headers["Location"]
    if stack.proxy == NGINX:
        assert location == f"http://{host}{START}?rd=http://{host}{path}"
        return
    parts = urlsplit(location)
    assert location.startswith(f"{stack.fake.url}{AUTHORIZE}?"), location
    provider = provider_named(stack, APP_PROVIDER if host == APP_HOST else DOMAIN_PROVIDER)
    query = parse_qs(parts.query)
    assert query["client_id"] == [provider["client_id"]]
    assert query["redirect_uri"] == [f"{provider['external_host']}{CALLBACK}"]


def anonymous_is_sent_to_login(stack: ProxyStack, host: str = APP_HOST) -> None:
    for path in ("/", "/some/page?x=1"):
        assert_sent_to_login(stack, host, path, stack.get(host, path))
    assert stack.seen() == [], "an anonymous request reached the backend"


def non_member_is_refused(stack: ProxyStack, host: str = APP_HOST) -> None:
    with stack.browser() as browser:
        try:
            browser.login(host, OUTSIDER, PASSWORD, scheme="https")
        except LoginRefused:
            pass
        else:
            raise AssertionError(f"{OUTSIDER}, in no declared group, logged in on {host}")
        assert browser.get(host, scheme="https").status_code == 302
    assert stack.seen() == [], f"the backend saw {OUTSIDER}"


def _usernames(stack: ProxyStack) -> list[list[str]]:
    return [x_authentik(r).get("x-authentik-username", []) for r in stack.seen()]


# -- anonymous ---------------------------------------------------------------------------------


def test_an_anonymous_request_is_sent_to_the_login(stack: ProxyStack) -> None:
    anonymous_is_sent_to_login(stack)


def test_a_skipped_path_reaches_the_backend_without_identity(stack: ProxyStack) -> None:
    for sent in ({}, SPOOFED_HEADERS):
        stack.clear()
        answer = stack.get(APP_HOST, SKIPPED_PATH, headers=dict(sent))
        assert answer.status_code == 200, answer.text
        record = answer.json()
        assert (record["backend"], record["path"]) == (APP_HOST, SKIPPED_PATH)
        assert x_authentik(record) == {}
        assert [(n, v) for n, v in record["headers"] if "{" in v] == []


def test_spoofed_headers_from_an_anonymous_client_never_reach_the_backend(
    stack: ProxyStack,
) -> None:
    for host in (APP_HOST, DOMAIN_HOSTS[0]):
        assert_sent_to_login(stack, host, "/", stack.get(host, headers=dict(SPOOFED_HEADERS)))
    assert stack.seen() == []


def test_an_undeclared_host_never_reaches_a_backend(stack: ProxyStack, member: Browser) -> None:
    cookies = member.cookies.for_host(APP_HOST)
    cookie = {"Cookie": "; ".join(f"{n}={v}" for n, v in cookies.items())}
    for sent in ({}, cookie, {**cookie, "X-Forwarded-Host": APP_HOST}):
        assert stack.get(UNDECLARED_HOST, headers=sent).status_code == NO_ROUTE[stack.proxy]
    assert stack.seen() == []


# -- logged in ---------------------------------------------------------------------------------


def test_a_member_reaches_the_backend_with_the_outposts_identity(
    stack: ProxyStack, member: Browser
) -> None:
    answer = member.get(APP_HOST, "/library", scheme="https")
    assert answer.status_code == 200, answer.text
    record = answer.json()
    assert (record["backend"], record["path"]) == (APP_HOST, "/library")
    headers = x_authentik(record)
    assert headers["x-authentik-username"] == [MEMBER]
    (groups,) = headers["x-authentik-groups"]
    assert sorted(groups.split("|")) == sorted([FAMILY, GROUP])
    assert headers["x-authentik-meta-provider"] == [APP_PROVIDER]
    assert headers["x-authentik-meta-app"] == ["media"]


def test_a_non_member_is_refused_and_never_reaches_the_backend(stack: ProxyStack) -> None:
    non_member_is_refused(stack)


def test_spoofed_headers_from_a_member_never_reach_the_backend(
    stack: ProxyStack, member: Browser
) -> None:
    answer = member.get(APP_HOST, headers=dict(SPOOFED_HEADERS), scheme="https")
    assert answer.status_code == 200, answer.text
    headers = x_authentik(answer.json())
    assert headers["x-authentik-username"] == [MEMBER]
    assert {name: values for name, values in headers.items() if SPOOFED in values} == {}
    assert not any("_" in name for name in headers)


def test_a_member_logged_in_under_the_domain_is_in_on_another_host(stack: ProxyStack) -> None:
    first, second = DOMAIN_HOSTS
    stack.fake.clear_log()
    with stack.browser() as browser:
        assert_sent_to_login(stack, first, "/", browser.get(first, scheme="https"))
        answer = browser.login(first, MEMBER, PASSWORD, scheme="https")
        assert answer.status_code == 200, answer.text
        again = browser.get(second, "/shows", scheme="https")
        assert again.status_code == 200, again.text
        cookies = browser.cookies.all()
    # One outpost cookie, for the domain: no host-only one for the first host.
    outpost = [(c.domain, c.host_only) for c in cookies if c.name.startswith("authentik_proxy_")]
    assert outpost == [(DOMAIN, False)]
    seen = [(r["backend"], r["host"], r["path"]) for r in stack.seen()]
    assert seen == [(DOMAIN, first, "/"), (DOMAIN, second, "/shows")]
    assert _usernames(stack) == [[MEMBER], [MEMBER]]
    # The login came back through the auth host: the callback the domain provider names.
    callbacks = [r for r in stack.fake.requests if r.path.endswith("/callback")]
    assert [r.headers.get("x-forwarded-host") for r in callbacks] == [AUTH_HOST]


def test_a_non_member_is_refused_under_the_domain(stack: ProxyStack) -> None:
    non_member_is_refused(stack, DOMAIN_HOSTS[1])


# -- verify ------------------------------------------------------------------------------------


def test_verify_and_verify_through_the_proxy_pass(stack: ProxyStack) -> None:
    for argv in (("verify",), ("verify", "--through", stack.url)):
        result = stack.cli(*argv)
        assert result.code == 0, result.out + result.err
        assert "all 2 hosts demand a login" in result.out
    assert stack.seen() == []


@pytest.mark.parametrize(
    ("breakage", "finding"),
    [
        ("unbound", "not_bound"),
        ("skip_opens_root", "unprotected"),
        ("other_provider", "served_by_other_provider"),
    ],
)
def test_verify_names_the_broken_host(stack: ProxyStack, breakage: str, finding: str) -> None:
    """Through the proxy too: the outpost's finding explains the proxy's answer."""
    with broken(stack, breakage):
        results = [stack.cli("verify"), stack.cli("verify", "--through", stack.url)]
    for result in results:
        assert result.code == 65, result.out + result.err
        assert f"FAIL  {APP_HOST}  {finding}:" in result.out
        assert f"ok    {AUTH_HOST}  protected" in result.out
    assert stack.cli("verify", "--through", stack.url).code == 0  # healed once undone


# -- self-tests: the checks above fail when protection is broken -------------------------------


def test_self_test_without_the_binding_the_non_member_check_fails(stack: ProxyStack) -> None:
    refused = pytest.raises(AssertionError, match="in no declared group, logged in")
    with binding_deleted(stack), refused:
        non_member_is_refused(stack)
    assert [OUTSIDER] in _usernames(stack)
    stack.clear()
    non_member_is_refused(stack)  # the sync put the binding back


def test_self_test_a_skip_regex_opening_the_root_fails_the_anonymous_check(
    stack: ProxyStack,
) -> None:
    with skip_opens_root(stack), pytest.raises(AssertionError):
        anonymous_is_sent_to_login(stack)
    assert [r["path"] for r in stack.seen()] == ["/"]
    stack.clear()
    anonymous_is_sent_to_login(stack)


def test_self_test_an_unbound_provider_fails_verify_and_never_opens(stack: ProxyStack) -> None:
    with broken(stack, "unbound"):
        assert stack.cli("verify").code == 65
        refused = stack.get(APP_HOST)
    # The outpost's 404 page (Traefik, Caddy pass it on; nginx's auth_request makes it a 500).
    assert refused.status_code == (500 if stack.proxy == NGINX else 404), refused.text
    assert stack.seen() == []
