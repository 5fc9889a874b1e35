"""Every file under tests/data/bad/ is refused with exit 78, naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from provision.config import load_config
from provision.errors import EX_CONFIG, ConfigError

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
# Files that cannot carry an "# expect:" header themselves.
SPECIAL = {"empty.yaml": "config file is empty", "binary.yaml": "not a text file"}


def _expected(path: Path) -> str:
    if path.name in SPECIAL:
        return SPECIAL[path.name]
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} lacks its '# expect:' header"
    return first.removeprefix("# expect: ")


CASES = sorted(p for p in BAD.glob("*.yaml"))


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_bad_config_is_refused_with_file_and_field(path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    message = str(caught.value)
    assert caught.value.exit_code == EX_CONFIG
    assert str(path) in message
    assert _expected(path) in message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    config = tmp_path / "provision.yaml"
    config.write_text(
        "authentik:\n  timeout: abc\napps:\n"
        "  - host: Upper.example.com\n    any_user: true\n"
        "  - host: b.example.com\n"
        "  - host: c.example.com\n    any_user: true\n    skip_path_regex: '.*'\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config, environ={})
    problems = caught.value.problems
    assert [p.split(": ", 2)[1] for p in problems] == [
        "authentik.timeout",
        "apps[0].host",
        "apps[2].skip_path_regex",
        "apps[1]",
    ]
    assert problems[0].startswith(f"{config}:2: ")
    assert problems[1].startswith(f"{config}:4: ")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path, environ={})


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: config file not found"):
        load_config(tmp_path / "nope.yaml", environ={})


def test_bad_environment_override_names_the_variable(tmp_path: Path) -> None:
    config = tmp_path / "provision.yaml"
    config.write_text("owner: me\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config, environ={"PROVISION_AUTHENTIK__TIMEOUT": "-5"})
    assert "environment PROVISION_AUTHENTIK__TIMEOUT: authentik.timeout" in str(caught.value)


ENV_CASES = {
    "defaults-false-leaves-app-without-rule": (
        {"PROVISION_DEFAULTS__ANY_USER": "false"},
        "apps[0]: no access rule",
        "defaults.any_user is false (environment PROVISION_DEFAULTS__ANY_USER)",
    ),
    "defaults-yes": (
        {"PROVISION_DEFAULTS__ANY_USER": "yes"},
        "environment PROVISION_DEFAULTS__ANY_USER: defaults.any_user",
        "must be true or false (got 'yes')",
    ),
    "defaults-one": (
        {"PROVISION_DEFAULTS__ANY_USER": "1"},
        "environment PROVISION_DEFAULTS__ANY_USER: defaults.any_user",
        "must be true or false (got '1')",
    ),
    "apps-any-user-string": (
        {"PROVISION_APPS": '[{"host": "a.example.com", "any_user": "yes"}]'},
        "environment PROVISION_APPS: apps[0].any_user",
        "must be true or false (got 'yes')",
    ),
    "apps-groups-string": (
        {"PROVISION_APPS": '[{"host": "a.example.com", "groups": "media"}]'},
        "environment PROVISION_APPS: apps[0].groups",
        "must be a list of group names",
    ),
    "apps-both-rules": (
        {"PROVISION_APPS": '[{"host": "a.example.com", "groups": ["m"], "any_user": true}]'},
        "environment PROVISION_APPS: apps[0]",
        "any_user: true cannot be combined with groups",
    ),
    "apps-no-rule": (
        {"PROVISION_APPS": '[{"host": "a.example.com"}]'},
        "environment PROVISION_APPS: apps[0]",
        "no access rule",
    ),
}


@pytest.mark.parametrize("case", ENV_CASES, ids=list(ENV_CASES))
def test_bad_access_rule_from_the_environment_names_the_variable(tmp_path: Path, case: str) -> None:
    environ, where, what = ENV_CASES[case]
    config = tmp_path / "provision.yaml"
    config.write_text("secrets:\n  sops_file: null\napps:\n  - host: a.example.com\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config, environ=environ)
    assert caught.value.exit_code == EX_CONFIG
    assert where in str(caught.value)
    assert what in str(caught.value)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("PROVISION_APPS", "[", "environment PROVISION_APPS: not valid JSON"),
        (
            "PROVISION_TRAEFIK__ENTRYPOINTS",
            "[web",
            "environment PROVISION_TRAEFIK__ENTRYPOINTS: not valid JSON",
        ),
        ("PROVISION_FOO", "1", "environment PROVISION_FOO: unknown section 'foo'"),
        (
            "PROVISION_AUTHENTIK_URL",
            "http://x",
            "PROVISION_AUTHENTIK_URL: unknown section 'authentik_url' (known: authentik,",
        ),
        ("PROVISION_OWNER__NAME", "x", "PROVISION_OWNER__NAME: owner is a single value"),
        ("PROVISION_AUTHENTIK__NOPE", "1", "PROVISION_AUTHENTIK__NOPE: authentik.nope: unknown"),
    ],
)
def test_environment_problems_name_the_variable(
    variable: str, value: str, message: str, tmp_path: Path
) -> None:
    config = tmp_path / "provision.yaml"
    config.write_text("owner: me\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config, environ={variable: value, "PROVISION_CONFIG": str(config)})
    assert message in str(caught.value)
    assert caught.value.exit_code == EX_CONFIG


def test_provision_config_and_other_variables_are_not_sections(tmp_path: Path) -> None:
    config = tmp_path / "provision.yaml"
    config.write_text("owner: me\n")
    environ = {"PROVISION_CONFIG": str(config), "PROVISIONER": "x", "PROVISION_OWNER": "env"}
    assert load_config(config, environ=environ).settings.owner == "env"


@pytest.mark.parametrize(
    ("text", "environ", "cause", "named"),
    [
        ("apps: [\n", {}, "YAMLError", "YAML syntax error"),
        ("authentik:\n  timeout: abc\n", {}, "ValidationError", "authentik.timeout"),
        ("owner: me\n", {"PROVISION_APPS": "[not json"}, "SettingsError", "PROVISION_APPS"),
    ],
    ids=["yaml", "field", "environment"],
)
def test_a_parse_failure_keeps_its_cause_and_prints_no_traceback(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    environ: dict[str, str],
    cause: str,
    named: str,
) -> None:
    from provision.cli import main

    config = tmp_path / "provision.yaml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config, environ=environ)
    assert cause in [c.__name__ for c in type(caught.value.__cause__).__mro__]
    assert main(["--config", str(config), "validate"], environ) == EX_CONFIG
    err = capsys.readouterr().err
    assert named in err
    assert "Traceback" not in err
