"""One canonical value per name: hosts, domains and external hosts are parsed once, and every
comparison of the config is of that one form (issue 17)."""

from __future__ import annotations

from pathlib import Path

import pytest

from provision.config import load_config
from provision.errors import ConfigError
from provision.model import EVERY_USER, DesiredApp
from provision.names import Domain, ExternalHost, Host
from provision.skip_path_regex import SkipPathRegex


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "provision.yaml"
    path.write_text("secrets:\n  sops_file: null\n" + text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("domain", "auth_host"),
    [
        ("bücher.example", "auth.xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "auth.bücher.example"),
        ("bücher.example", "login.\uff42ücher.example"),  # UTS 46 maps the wide letter
    ],
)
def test_a_domain_and_its_auth_host_in_two_spellings_are_one_name(
    tmp_path: Path, domain: str, auth_host: str
) -> None:
    body = f"domains:\n  - domain: {domain}\n    auth_host: {auth_host}\n    any_user: true\n"
    (target,) = load_config(_write(tmp_path, body), environ={}).desired.domains
    assert target.cookie_domain == "xn--bcher-kva.example"
    assert target.host.endswith(".xn--bcher-kva.example")
    assert isinstance(target.cookie_domain, Domain)
    assert isinstance(target.host, Host)
    assert target.external_host == f"https://{target.host}"


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("PROVISION_APPS", '[{"host": 5, "any_user": true}]', "apps[0].host: must be text"),
        (
            "PROVISION_DOMAINS",
            '[{"domain": "example.com", "auth_host": true, "any_user": true}]',
            "domains[0].auth_host: must be text, not the boolean true",
        ),
        (
            "PROVISION_DOMAINS",
            '[{"domain": ["example.com"], "auth_host": "a.example.com", "any_user": true}]',
            "domains[0].domain: must be text, not a list",
        ),
        (
            "PROVISION_APPS",
            '[{"host": "a.example.com", "any_user": true, "skip_path_regex": 1}]',
            "apps[0].skip_path_regex: must be text, not the number 1",
        ),
    ],
)
def test_a_name_that_is_not_text_is_refused_where_it_was_set(
    tmp_path: Path, variable: str, value: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, "owner: me\n"), environ={variable: value})
    assert caught.value.exit_code == 78
    assert f"environment {variable}: {problem}" in str(caught.value)


def test_an_app_built_from_text_holds_parsed_names() -> None:
    app = DesiredApp("bücher.example.com", "B", "b", EVERY_USER, skip_path_regex=" ^/api/\n")
    assert isinstance(app.host, Host) and app.host == "xn--bcher-kva.example.com"
    assert isinstance(app.skip_path_regex, SkipPathRegex)
    assert app.skip_path_regex.lines == ("^/api/",)
    assert app.as_stored() == app
    with pytest.raises(ValueError, match="not a lowercase DNS name"):
        DesiredApp("a.example.com;\nreturn 200", "A", "a", EVERY_USER)
    with pytest.raises(ValueError, match="line 2 is blank"):
        DesiredApp("a.example.com", "A", "a", EVERY_USER, skip_path_regex="^/a/\n\n^/b/")


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("https://wiki.example.com", "http://wiki.example.com"),
        ("https://wiki.example.com", "HTTPS://Wiki.Example.COM/"),
        ("https://xn--bcher-kva.example", "http://bücher.example"),
        ("https://xn--bcher-kva.example", "https://BÜCHER.example."),
        ("https://a.example.com:8443", "http://A.example.com:8443/path"),
    ],
)
def test_external_hosts_served_at_one_host_share_the_outposts_key(left: str, right: str) -> None:
    assert ExternalHost.parse(left).key == ExternalHost.parse(right).key


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("https://a.example.com", "https://a.example.com:8443"),
        ("https://a.example.com", "https://b.example.com"),
        ("https://a.example.com:443", "https://a.example.com:8443"),
    ],
)
def test_the_port_is_part_of_the_outposts_key(left: str, right: str) -> None:
    assert ExternalHost.parse(left).key != ExternalHost.parse(right).key


def test_an_external_host_compares_in_one_spelling() -> None:
    assert str(ExternalHost.parse(" HTTPS://Bücher.Example/ ")) == "https://xn--bcher-kva.example"
    assert ExternalHost.parse("http://a.example.com") != ExternalHost.parse("https://a.example.com")
