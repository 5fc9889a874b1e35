"""``sync --verify``'s wait: a host still answered by the provider it replaced is asked again."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from provision.authentik.anonymous import Answer
from provision.declared_providers import DeclaredProviders, ProviderLogin
from provision.refresh import wait_until_served

HOST = "sonarr.home.example.com"
OURS = ProviderLogin("Provider for Sonarr", "ours", f"https://{HOST}")
OLD = ProviderLogin("Sonarr (old)", "old", f"https://{HOST}")
PROVIDERS = DeclaredProviders({HOST: OURS}, {"ours": OURS, "old": OLD}, read=True)


def _login_with(client_id: str) -> str:
    callback = f"https://{HOST}/outpost.goauthentik.io/callback?X-authentik-auth-callback=true"
    query = urlencode({"client_id": client_id, "redirect_uri": callback})
    return f"http://127.0.0.1:9000/application/o/authorize/?{query}"


class Outpost:
    """Answers with the old provider's login ``stale`` times, then with ours."""

    def __init__(self, stale: int) -> None:
        self.stale = stale
        self.asked = 0

    def ask_anonymously(self, url: str, headers: Mapping[str, str] | None = None) -> Answer:
        self.asked += 1
        client_id = "old" if self.asked <= self.stale else "ours"
        return Answer(url, 302, _login_with(client_id))


def test_the_old_providers_login_is_waited_out() -> None:
    outpost = Outpost(stale=2)
    left = wait_until_served(outpost, [HOST], "http://x", 5, 0.01, providers=PROVIDERS)
    assert left == set()
    assert outpost.asked == 3


def test_still_the_old_provider_after_the_wait_is_left_over() -> None:
    outpost = Outpost(stale=1000)
    left = wait_until_served(outpost, [HOST], "http://x", 0.05, 0.01, providers=PROVIDERS)
    assert left == {HOST}
    assert outpost.asked > 1
