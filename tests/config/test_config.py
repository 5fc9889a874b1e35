"""Defaults, derived names, IDNA and environment overrides of the config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from provision.config import find_config, load_config
from provision.errors import ConfigError
from provision.model import EVERY_USER, Access

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "provision.yaml"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "provision.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_and_derived_names(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "apps:\n  - host: home-assistant.lan.example.com\n    groups: [admins]\n"
    )
    app = load_config(path, environ={}).desired.apps[0]
    assert app.name == "Home Assistant"
    assert app.slug == "home-assistant"
    assert app.provider_name == "Provider for Home Assistant"
    assert app.external_host == "https://home-assistant.lan.example.com"
    assert app.launch_url == "https://home-assistant.lan.example.com"
    assert app.authorization_flow == "default-provider-authorization-implicit-consent"
    assert app.invalidation_flow == "default-provider-invalidation-flow"
    assert app.access_token_validity == "hours=24"
    assert app.access == Access(groups=("admins",))


def test_per_app_overrides_win_over_defaults(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "defaults:\n  access_token_validity: hours=2\n  any_user: true\n"
        "apps:\n  - host: a.example.com\n    access_token_validity: minutes=30\n"
        "    authorization_flow: my-flow\n  - host: b.example.com\n",
    )
    a, b = load_config(path, environ={}).desired.apps
    assert (a.access_token_validity, a.authorization_flow, a.access) == (
        "minutes=30",
        "my-flow",
        EVERY_USER,
    )
    assert (b.access_token_validity, b.access) == ("hours=2", EVERY_USER)


def test_idna_host_is_stored_as_punycode(tmp_path: Path) -> None:
    path = _write(tmp_path, "apps:\n  - host: bücher.example.com\n    any_user: true\n")
    app = load_config(path, environ={}).desired.apps[0]
    assert app.host == "xn--bcher-kva.example.com"
    assert app.name == "Bücher"


@pytest.mark.parametrize(
    ("given", "stored", "name"),
    [
        ("straße.example.com", "xn--strae-oqa.example.com", "Straße"),  # IDNA 2008, not strasse
        ("xn--bcher-kva.example.com", "xn--bcher-kva.example.com", "Bücher"),
        ("\uff42ücher.example.com", "xn--bcher-kva.example.com", "Bücher"),  # UTS 46 width mapping
        ("münchen.xn--bcher-kva.example", "xn--mnchen-3ya.xn--bcher-kva.example", "München"),
    ],
)
def test_hosts_have_one_canonical_a_label_form(
    given: str, stored: str, name: str, tmp_path: Path
) -> None:
    path = _write(tmp_path, f"apps:\n  - host: {given}\n    any_user: true\n")
    app = load_config(path, environ={}).desired.apps[0]
    assert (app.host, app.name, app.external_host) == (stored, name, f"https://{stored}")


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "authentik:\n  url: http://127.0.0.1:9000\n  timeout: 10\nowner: file\n"
    )
    environ = {
        "PROVISION_AUTHENTIK__URL": "https://auth.example.com",
        "PROVISION_OWNER": "env-owner",
        "UNRELATED": "x",
    }
    settings = load_config(path, environ=environ).settings
    assert settings.authentik.url == "https://auth.example.com"
    assert settings.authentik.timeout == 10
    assert settings.owner == "env-owner"


def test_config_path_resolution(tmp_path: Path) -> None:
    assert find_config("given.yaml", {"PROVISION_CONFIG": "env.yaml"}) == Path("given.yaml")
    assert find_config(None, {"PROVISION_CONFIG": "env.yaml"}) == Path("env.yaml")


def test_example_config_loads() -> None:
    config = load_config(EXAMPLE, environ={})
    assert [a.slug for a in config.desired.apps] == ["sonarr", "grafana", "jellyfin"]


def test_an_apps_own_groups_win_over_defaults_any_user(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "defaults:\n  any_user: true\napps:\n  - host: a.example.com\n    groups: [media]\n"
        "  - host: b.example.com\n  - host: c.example.com\n    any_user: true\n",
    )
    a, b, c = load_config(path, environ={}).desired.apps
    assert a.access == Access(groups=("media",))
    assert b.access == c.access == EVERY_USER


def test_environment_booleans_are_parsed_before_the_access_rule(tmp_path: Path) -> None:
    path = _write(tmp_path, "apps:\n  - host: a.example.com\n")
    for text in ("true", "True", " TRUE "):
        config = load_config(path, environ={"PROVISION_DEFAULTS__ANY_USER": text})
        assert config.desired.apps[0].access == EVERY_USER


@pytest.mark.parametrize("regex", ["^/api\\z", "^/api/", "^/(?P<v>v[0-9]+)/health$", "\\.css$"])
def test_re2_skip_path_regexes_are_accepted(regex: str, tmp_path: Path) -> None:
    body = f"apps:\n  - host: a.example.com\n    any_user: true\n    skip_path_regex: '{regex}'\n"
    app = load_config(_write(tmp_path, body), environ={}).desired.apps[0]
    assert app.skip_path_regex == regex


@pytest.mark.parametrize(
    ("regex", "reason"),
    [
        ("^/(?=api)", "invalid perl operator"),  # lookahead: Python has it, Go does not
        ("^/api\\Z", "invalid escape sequence"),  # Python's end anchor; RE2 spells it \\z
        (".*", "matches every path"),
    ],
)
def test_skip_path_regexes_follow_the_outposts_go_syntax(
    regex: str, reason: str, tmp_path: Path
) -> None:
    body = f"apps:\n  - host: a.example.com\n    any_user: true\n    skip_path_regex: '{regex}'\n"
    with pytest.raises(ConfigError, match=reason):
        load_config(_write(tmp_path, body), environ={})


def test_skip_path_regex_is_checked_as_stored_and_numbered_as_written(tmp_path: Path) -> None:
    # Leading blank lines and the final newline are trimmed by Authentik: not refused, but
    # the numbering stays that of the file's value.
    body = (
        "apps:\n  - host: a.example.com\n    any_user: true\n"
        '    skip_path_regex: "\\n\\n^/api/\\n^/$\\n\\n^/health$\\n"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, body), environ={})
    (problem,) = caught.value.problems
    assert "apps[0].skip_path_regex: line 5 is blank" in problem


def test_text_fields_are_declared_as_authentik_stores_them(tmp_path: Path) -> None:
    body = (
        "owner: ' me '\n"
        "apps:\n  - host: a.example.com\n    name: 'Sonarr '\n    groups: [' media', media]\n"
        "    description: |\n      Series\n    group: ' Media '\n"
        '    launch_url: "https://a.example.com/\\n"\n'
        "    skip_path_regex: |\n      ^/api/\n      ^/$\n"
    )
    desired = load_config(_write(tmp_path, body), environ={}).desired
    app = desired.apps[0]
    assert desired.owner == "me"
    assert (app.name, app.description, app.group) == ("Sonarr", "Series", "Media")
    assert app.launch_url == "https://a.example.com/"
    assert app.skip_path_regex == "^/api/\n^/$"
    assert app.provider_name == "Provider for Sonarr"
    assert app.access == Access(groups=("media",))
