"""Several config problems: each stderr line says ``error:``; the doctor's fix names the
environment variable or credential a problem came from, not "the file"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from provision.cli import main
from provision.problem_sources import fix_naming_sources

BAD = "authentik:\n  url: ftp://x\n  timeout: -1\napps:\n  - host: A..b\n    any_user: true\n"
GOOD = "secrets:\n  sops_file: null\napps:\n  - host: a.example.com\n    any_user: true\n"


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "provision.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_every_problem_line_says_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", _write(tmp_path, BAD), "validate"], {}) == 78
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3
    assert all(line.startswith("error: ") for line in lines), lines
    assert [line.split(": ")[2] for line in lines] == [
        "authentik.url",
        "authentik.timeout",
        "apps[0].host",
    ]


def _doctor(
    tmp_path: Path, text: str, environ: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    main(["--config", _write(tmp_path, text), "doctor", "--output", "json"], environ)
    return {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}


def test_doctor_names_the_variable_of_a_config_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = {"PROVISION_AUTHENTIK__TIMEOUT": "soon"}
    config = _doctor(tmp_path, GOOD, environ, capsys)["config"]
    assert config["fix"] == (
        "fix the environment variable PROVISION_AUTHENTIK__TIMEOUT (see `provision validate`)"
    )
    both = _doctor(tmp_path, BAD, environ, capsys)["config"]
    assert both["fix"].startswith("fix the file and the environment variable PROVISION_AUTHENTIK")


def test_doctor_names_the_variable_of_a_bad_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The URL points at a closed port so the checks after the secrets end at once.
    text = GOOD.replace("secrets:", "authentik:\n  url: http://127.0.0.1:9\nsecrets:")
    secrets = _doctor(tmp_path, text, {"AUTHENTIK_TOKEN": "two words"}, capsys)["secrets"]
    assert secrets["status"] == "FAIL"
    assert (
        secrets["fix"] == "fix the environment variable AUTHENTIK_TOKEN (see `provision validate`)"
    )


def test_fix_names_each_place_once_and_the_file_when_a_problem_is_in_it() -> None:
    problems = [
        "environment PROVISION_APPS: apps[0].host: 'B' is not a lowercase DNS name",
        "environment PROVISION_APPS: apps[1].host: 'C' is not a lowercase DNS name",
        "systemd credential authentik-token: the API token contains a space",
    ]
    assert fix_naming_sources(problems, "fix the file") == (
        "fix the environment variable PROVISION_APPS and the systemd credential"
        " authentik-token (see `provision validate`)"
    )
    assert fix_naming_sources(["provision.yaml:3: owner: blank"], "fix the file") == (
        "fix the file (see `provision validate`)"
    )
