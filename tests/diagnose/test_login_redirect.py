"""Reading a login redirect: only a well-formed outpost login counts, anything else is elsewhere."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from provision.login_redirect import RedirectKind, read_login_redirect

HOST = "sonarr.home.example.com"
CALLBACK = f"https://{HOST}/outpost.goauthentik.io/callback?X-authentik-auth-callback=true"


def _authorize(**params: str) -> str:
    query = {"client_id": "abc", "redirect_uri": CALLBACK, "response_type": "code"} | params
    return f"https://auth.example.com/application/o/authorize/?{urlencode(query)}"


def test_an_authorize_redirect_names_the_client_and_the_callback_host() -> None:
    redirect = read_login_redirect(_authorize())
    assert (redirect.kind, redirect.host, redirect.client_id) == (
        RedirectKind.AUTHORIZE,
        HOST,
        "abc",
    )


@pytest.mark.parametrize(
    "location",
    [
        _authorize(client_id=""),
        _authorize(redirect_uri=f"https://{HOST}/outpost.goauthentik.io/callback"),  # no mark
        _authorize(redirect_uri=f"https://{HOST}/oauth/callback?X-authentik-auth-callback=true"),
        _authorize(
            redirect_uri="ftp://x/outpost.goauthentik.io/callback?X-authentik-auth-callback=true"
        ),
        _authorize() + "&client_id=other",  # two client_ids: which one would Authentik take?
        _authorize().replace("/application/o/authorize/", "/application/o/token/"),
        "/application/o/authorize/?client_id=abc",  # relative: no server named
        "javascript:alert(1)",
        "",
    ],
)
def test_anything_else_is_elsewhere(location: str) -> None:
    assert read_login_redirect(location).kind == RedirectKind.ELSEWHERE


def test_the_start_url_names_its_host() -> None:
    redirect = read_login_redirect(f"http://{HOST.upper()}/outpost.goauthentik.io/start?rd=%2F")
    assert (redirect.kind, redirect.host) == (RedirectKind.START, HOST)
