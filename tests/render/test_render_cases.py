"""Tests as data: each directory under cases/ holds one config and the exact expected renderings.

To add a case, write ``cases/<name>/provision.yaml``, render the files with
``provision --config cases/<name>/provision.yaml render traefik -o …`` (and ``--format json``,
``render blueprint``, ``render nginx``, ``render caddy``), and review them line by line before
committing them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from provision.cli import main
from provision.render import render_blueprint, render_caddy, render_nginx, render_traefik
from tests.render.render_support import (
    CASE_NAMES,
    CASES,
    EXAMPLE_BLUEPRINT,
    EXAMPLE_CONFIG,
    load_case,
)


def test_there_are_cases_to_compare() -> None:
    assert len(CASE_NAMES) >= 4


@pytest.mark.parametrize("case", CASE_NAMES)
@pytest.mark.parametrize(
    ("expected_file", "what"),
    [
        ("traefik.yaml", "traefik-yaml"),
        ("traefik.json", "traefik-json"),
        ("blueprint.yaml", "blueprint"),
        ("nginx.conf", "nginx"),
        ("Caddyfile", "caddy"),
    ],
)
def test_rendering_matches_the_expected_file(case: str, expected_file: str, what: str) -> None:
    config = load_case(CASES / case / "provision.yaml")
    if what == "blueprint":
        rendered = render_blueprint(config.settings, config.desired)
    elif what == "nginx":
        rendered = render_nginx(config.settings, config.desired)
    elif what == "caddy":
        rendered = render_caddy(config.settings, config.desired)
    else:
        rendered = render_traefik(config.settings, config.desired, what.removeprefix("traefik-"))
    expected = (CASES / case / expected_file).read_text(encoding="utf-8")
    assert rendered == expected


@pytest.mark.parametrize("case", CASE_NAMES)
def test_yaml_and_json_carry_the_same_structure(case: str) -> None:
    yaml_form = yaml.safe_load((CASES / case / "traefik.yaml").read_text(encoding="utf-8"))
    json_form = json.loads((CASES / case / "traefik.json").read_text(encoding="utf-8"))
    assert yaml_form == json_form
    assert list(yaml_form["http"]) == list(json_form["http"])


def test_shipped_example_blueprint_is_the_rendering_of_the_example_config() -> None:
    # Re-render with: provision --config examples/provision.yaml render blueprint \
    #   -o blueprints/forward-auth-example.yaml
    config = load_case(EXAMPLE_CONFIG)
    rendered = render_blueprint(config.settings, config.desired)
    assert EXAMPLE_BLUEPRINT.read_text(encoding="utf-8") == rendered


def test_cli_writes_each_rendering_to_the_output_path(tmp_path: Path) -> None:
    case = CASES / "letsencrypt-websecure"
    for args, expected in [
        (["render", "traefik"], "traefik.yaml"),
        (["render", "traefik", "--format", "json"], "traefik.json"),
        (["render", "blueprint"], "blueprint.yaml"),
    ]:
        target = tmp_path / expected
        code = main(["-q", "--config", str(case / "provision.yaml"), *args, "-o", str(target)], {})
        assert code == 0
        assert target.read_text(encoding="utf-8") == (case / expected).read_text(encoding="utf-8")


def test_cli_prints_the_rendering_without_an_output_path(
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = CASES / "plain-http-custom-names"
    code = main(["-q", "--config", str(case / "provision.yaml"), "render", "blueprint"], {})
    assert code == 0
    assert capsys.readouterr().out == (case / "blueprint.yaml").read_text(encoding="utf-8")


def test_cli_render_needs_no_secrets_and_no_authentik(tmp_path: Path) -> None:
    # The sops file and Authentik named here do not exist; rendering must not touch either.
    config = tmp_path / "provision.yaml"
    config.write_text(
        "authentik: {url: 'http://127.0.0.1:9'}\n"
        "secrets: {sops_file: /nonexistent/secrets.yaml}\n"
        "apps: [{host: a.example.test, any_user: true, backend: 'http://127.0.0.1:9'}]\n",
        encoding="utf-8",
    )
    for what in ("traefik", "blueprint"):
        target = tmp_path / f"{what}.out"
        assert main(["-q", "--config", str(config), "render", what, "-o", str(target)], {}) == 0
        assert "a.example.test" in target.read_text(encoding="utf-8")
