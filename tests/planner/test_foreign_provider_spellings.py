"""Against the fake over real sockets: a hand-made provider serving a declared host in another
scheme, case or IDNA spelling stops ``sync`` with 65 and its name, in every release the fake
speaks; the outpost keys providers by host and port alone, so it would shadow the declared one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from provision.cli import main
from provision.errors import EX_DATAERR
from provision.testing.fake_authentik import AUTHENTIK_VERSIONS, FakeAuthentik

TOKEN = "spellings-token-3c9a1e"
pytestmark = pytest.mark.parametrize("authentik_version", AUTHENTIK_VERSIONS, indirect=True)


@pytest.fixture(scope="session")
def authentik_token() -> str:
    return TOKEN


@pytest.fixture
def fake(fake_authentik: FakeAuthentik) -> FakeAuthentik:
    """The plugin's fake (``authentik_version`` picks its release), with this module's token."""
    return fake_authentik


def _sync(tmp_path: Path, fake: FakeAuthentik, host: str) -> int:
    config = tmp_path / "provision.yaml"
    document = {
        "authentik": {"url": fake.url, "timeout": 5},
        "secrets": {"sops_file": None},
        "outpost": {"address": fake.url},
        "apps": [{"host": host, "slug": "wiki", "any_user": True}],
    }
    config.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    environ = {"AUTHENTIK_TOKEN": TOKEN, "RUNTIME_DIRECTORY": str(tmp_path)}
    return main(["--config", str(config), "sync"], {**environ, "PATH": os.environ["PATH"]})


@pytest.mark.parametrize(
    ("declared", "by_hand"),
    [
        ("wiki.example.com", "http://wiki.example.com"),
        ("wiki.example.com", "https://WIKI.Example.com/"),
        ("bücher.example.com", "http://xn--bcher-kva.example.com"),
        ("xn--bcher-kva.example.com", "https://bücher.example.com"),
    ],
)
def test_a_hand_made_provider_for_a_declared_host_is_a_named_conflict(
    tmp_path: Path,
    fake: FakeAuthentik,
    capsys: pytest.CaptureFixture[str],
    declared: str,
    by_hand: str,
) -> None:
    assert _sync(tmp_path, fake, declared) == 0
    provider = fake.state.add_proxy_provider("wiki by hand", by_hand)
    fake.state.add_application("Wiki by hand", "wiki-by-hand", provider["pk"])
    served = fake.state.embedded_outpost()["providers"]
    fake.state.set_outpost_providers([*served, provider["pk"]])
    capsys.readouterr()
    assert _sync(tmp_path, fake, declared) == EX_DATAERR
    err = capsys.readouterr().err
    assert f"proxy provider 'wiki by hand' (pk {provider['pk']}) also serves" in err
    assert repr(by_hand) in err


def test_a_provider_on_another_port_is_another_host(
    tmp_path: Path, fake: FakeAuthentik, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _sync(tmp_path, fake, "wiki.example.com") == 0
    provider = fake.state.add_proxy_provider("wiki admin", "https://wiki.example.com:8443")
    fake.state.add_application("Wiki admin", "wiki-admin", provider["pk"])
    served = fake.state.embedded_outpost()["providers"]
    fake.state.set_outpost_providers([*served, provider["pk"]])
    capsys.readouterr()
    assert _sync(tmp_path, fake, "wiki.example.com") == 0
    assert "No changes" in capsys.readouterr().out
