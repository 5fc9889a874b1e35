"""The README says what the test script really installs, and what the fake really does."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _readme() -> str:
    return " ".join((REPO / "README.md").read_text(encoding="utf-8").split())


def test_readme_names_every_package_the_test_script_installs() -> None:
    script = (REPO / "scripts" / "test").read_text(encoding="utf-8")
    packages = re.findall(r"missing\+=\(([\w.-]+)\)", script)
    assert len(packages) >= 5, packages
    quick_start = _readme().split("## Quick start")[1].split("## First real sync")[0]
    for package in packages:
        assert f"`{package}`" in quick_start, package
    assert (
        (REPO / ".ci" / "run")
        .read_text(encoding="utf-8")
        .rstrip()
        .endswith("exec ./scripts/test -q")
    )  # what "runs exactly this command" claims


def test_first_real_sync_makes_the_key_folder_and_names_the_recipient() -> None:
    readme = _readme()
    assert readme.index("mkdir -p ~/.config/sops/age") < readme.index("age-keygen -o ~/.config")
    assert "sops --encrypt --in-place --age" in readme
    example = (REPO / "secrets.example.yaml").read_text(encoding="utf-8")
    assert example.index("mkdir -p /etc/authentik-provision") < example.index("age-keygen -o")
    assert '--age "$(age-keygen -y' in example
    assert ".sops.yaml" in example and ".sops.yaml" in readme
