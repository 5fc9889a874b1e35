"""The environment source leans on a private pydantic-settings method: hold it to what was checked.

``provision.config._EnvironSource`` overrides ``EnvSettingsSource._load_env_vars`` (there is no
public way to give a source its environment). The override was checked against the versions in
CHECKED; pyproject.toml allows exactly those, and these tests fail when the installed version
is outside them or the method changes shape.
"""

from __future__ import annotations

import inspect
import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from pydantic_settings import EnvSettingsSource

from provision.config import _EnvironSource, load_config

REPO = Path(__file__).resolve().parents[2]
CHECKED = SpecifierSet(">=2.2,<2.17")  # the sources of 2.2.0 and 2.16.3 were read


def _declared() -> SpecifierSet:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for line in project["dependencies"]:
        requirement = Requirement(line)
        if requirement.name == "pydantic-settings":
            return requirement.specifier
    raise AssertionError("pydantic-settings is not a dependency")


def test_pyproject_allows_only_the_checked_versions() -> None:
    assert _declared() == CHECKED


def test_the_installed_version_is_one_that_was_checked() -> None:
    installed = version("pydantic-settings")
    assert CHECKED.contains(installed), f"pydantic-settings {installed} is outside {CHECKED}"


def test_the_overridden_method_still_has_its_shape() -> None:
    original = EnvSettingsSource.__dict__.get("_load_env_vars")
    assert original is not None, "EnvSettingsSource._load_env_vars is gone"
    assert list(inspect.signature(original).parameters) == ["self"]
    assert "self._load_env_vars()" in inspect.getsource(EnvSettingsSource.__init__)


def test_the_override_reads_the_given_mapping_not_os_environ(tmp_path: Path) -> None:
    source = _EnvironSource({"PROVISION_OWNER": "from-the-mapping"})
    assert source.env_vars == {"provision_owner": "from-the-mapping"}
    path = tmp_path / "provision.yaml"
    path.write_text("authentik: {url: http://127.0.0.1:9000}\napps: []\n", encoding="utf-8")
    config = load_config(path, {"PROVISION_OWNER": "from-the-mapping"})
    assert config.settings.owner == "from-the-mapping"
