"""The checks every rendered proxy (nginx, Caddy) must pass in front of the fake's outpost.

Each test module builds a ``Stack`` with its real proxy and calls these; the expected login
redirect is the only thing that differs (nginx builds its own to ``start``, Caddy passes the
outpost's 302 straight to Authentik's authorize endpoint, as recorded in file 13).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from provision.model import DesiredState
from provision.settings import Settings
from provision.testing.fake_authentik import FakeAuthentik
from tests.render.render_support import load_case, write_config
from tests.support import IDENTITY_HEADERS, serve_hosts
from tests.support.backends import Backend
from tests.support.stack import HOSTS, SPOOFED, SPOOFED_HEADERS, Stack, x_authentik


class RunningProxy(Protocol):
    url: str

    def errors(self) -> list[str]: ...


Render = Callable[[Settings, DesiredState], str]
Run = Callable[[Path, Path, int], AbstractContextManager[Any]]


@contextmanager
def rendered_stack(
    directory: Path, port: int, section: dict[str, Any], render: Render, file_name: str, run: Run
) -> Iterator[Stack]:
    """The fake's outpost, one echo backend per host, and the real proxy running the rendering
    (``section`` is the proxy's part of provision.yaml); its error log must stay empty."""
    with (
        FakeAuthentik(token="t") as fake,
        Backend(HOSTS[0]) as one,
        Backend(HOSTS[1]) as two,
    ):
        serve_hosts(fake, HOSTS)
        fake.add_user("alice", ["admins"])
        backends = {HOSTS[0]: one, HOSTS[1]: two}
        document = {
            "secrets": {"sops_file": None},
            "outpost": {"address": fake.url},
            **section,
            "apps": [{"host": h, "any_user": True, "backend": b.url} for h, b in backends.items()],
        }
        config = load_case(write_config(directory, document))
        rendered = directory / file_name
        rendered.write_text(render(config.settings, config.desired), encoding="utf-8")
        with run(directory, rendered, port) as proxy:
            yield Stack(fake, proxy.url, backends)
            assert proxy.errors() == []


START = "/outpost.goauthentik.io/start"
AUTHORIZE = "/application/o/authorize/?client_id="


def is_login_redirect(stack: Stack, host: str, location: str) -> bool:
    """The proxy's own redirect to the host's ``start`` (nginx), or the outpost's straight to
    Authentik's authorize endpoint (Traefik, Caddy)."""
    return location.startswith((f"http://{host}{START}?rd=", f"{stack.fake.url}{AUTHORIZE}"))


def anonymous_requests_are_sent_to_the_login(stack: Stack) -> None:
    for host in HOSTS:
        response = stack.get(host, "/some/page?x=1")
        assert response.status_code == 302, response.text
        assert is_login_redirect(stack, host, response.headers["Location"])
    assert stack.seen_by_backends() == 0


def anonymous_spoofed_user_never_reaches_the_backend(stack: Stack) -> None:
    for host in HOSTS:
        response = stack.get(host, headers=dict(SPOOFED_HEADERS))
        assert response.status_code == 302
        assert is_login_redirect(stack, host, response.headers["Location"])
    assert stack.seen_by_backends() == 0


def logged_in_requests_carry_only_the_outposts_identity(stack: Stack) -> None:
    expected = {h.lower() for h in IDENTITY_HEADERS} - {"x-authentik-entitlements"}
    for host in HOSTS:
        response = stack.get(host, "/dashboard", headers=stack.cookie(host))
        assert response.status_code == 200, response.text
        record = response.json()
        assert record["backend"] == host
        assert record["path"] == "/dashboard"
        headers = x_authentik(record)
        assert headers["x-authentik-username"] == ["alice"]
        assert headers["x-authentik-meta-provider"] == [f"Provider for {host}"]
        # The outpost answers entitlements empty: nginx then sends no such header, Caddy an
        # empty one.
        assert headers.pop("x-authentik-entitlements", [""]) == [""]
        assert set(headers) == expected
    assert stack.seen_by_backends() == len(HOSTS)


def spoofed_headers_are_replaced_or_removed(stack: Stack) -> None:
    for host in HOSTS:
        response = stack.get(host, headers={**stack.cookie(host), **SPOOFED_HEADERS})
        assert response.status_code == 200, response.text
        headers = x_authentik(response.json())
        assert headers["x-authentik-username"] == ["alice"]
        assert headers["x-authentik-groups"] == ["admins"]
        assert headers["x-authentik-meta-app"] == [host.split(".")[0]]
        leaked = {name: values for name, values in headers.items() if SPOOFED in values}
        assert leaked == {}
        assert not any("_" in name for name in headers)
        assert "x-authentik-foo" not in headers
        assert headers.get("x-authentik-entitlements", [""]) == [""]


def the_client_cannot_choose_the_host_the_outpost_checks(stack: Stack) -> None:
    """A session for beta, sent to alpha with X-Forwarded-Host: beta, is not alpha's: the
    outpost checks alpha and asks for a login."""
    alpha, beta = HOSTS
    sent = {**stack.cookie(beta), "X-Forwarded-Host": beta, "X-Original-URL": f"http://{beta}/"}
    response = stack.get(alpha, headers=sent)
    assert response.status_code == 302, response.text
    assert is_login_redirect(stack, alpha, response.headers["Location"])
    assert stack.seen_by_backends() == 0


def outpost_paths_reach_the_outpost_not_the_backend(stack: Stack) -> None:
    for host in HOSTS:
        ping = stack.get(host, "/outpost.goauthentik.io/ping", headers=stack.cookie(host))
        assert ping.status_code == 204
        start = stack.get(host, f"{START}?rd=http://{host}/")
        assert start.status_code == 302
        assert start.headers["Location"].startswith(stack.fake.url)
    assert stack.seen_by_backends() == 0


def large_identity_headers_pass(stack: Stack) -> None:
    """A user in many groups: the outpost's answer (groups twice, once in the JWT) is >8 KiB."""
    groups = [f"group-with-a-long-name-{i:03}" for i in range(200)]
    stack.fake.add_user("many", groups)
    name, value = stack.fake.login("many", HOSTS[0])
    response = stack.get(HOSTS[0], headers={"Cookie": f"{name}={value}"})
    assert response.status_code == 200, response.text
    assert x_authentik(response.json())["x-authentik-groups"] == ["|".join(groups)]


# What every proxy must do; each real-proxy module runs all of them against its stack.
EVERY_PROXY = (
    anonymous_requests_are_sent_to_the_login,
    anonymous_spoofed_user_never_reaches_the_backend,
    logged_in_requests_carry_only_the_outposts_identity,
    spoofed_headers_are_replaced_or_removed,
    the_client_cannot_choose_the_host_the_outpost_checks,
    outpost_paths_reach_the_outpost_not_the_backend,
    large_identity_headers_pass,
)
