"""The Nix files: every one parses, and the module and package evaluate against a stub of lib.

Full nixpkgs is not available here, so ``tests/boot/lib-stub.nix`` stands in for ``lib``, the
few ``pkgs`` attributes used and the option-filling part of the module system (its header says
what it leaves out). Evaluation runs in a throw-away Nix store under the test's temp dir.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from provision.config import load_config

from .test_systemd_unit import SERVICE, parse_unit, single, values

REPO = Path(__file__).resolve().parents[2]
STUB = Path(__file__).with_name("lib-stub.nix")
MODULE = REPO / "nix" / "module.nix"
PACKAGE = REPO / "nix" / "package.nix"
FLAKE = REPO / "flake.nix"
EXAMPLE = REPO / "provision" / "examples" / "provision.yaml"
SKIPPED_DIRS = {"node_modules", "__pycache__", "build", "dist"}

# The shipped unit's keys that the module fills from its options instead of copying.
FROM_OPTIONS = {"ExecStart", "Environment", "LoadCredential"}


def nix_instantiate() -> str:
    found = shutil.which("nix-instantiate")
    if found is None:
        pytest.fail("nix-instantiate is not installed (Debian: apt-get install nix-bin)")
    return found


class Nix:
    """nix-instantiate with a private store, so tests never touch /nix or a daemon."""

    def __init__(self, root: Path) -> None:
        self.store = root / "store"
        (root / "conf").mkdir(parents=True)
        self.environ = {
            "PATH": os.environ.get("PATH", os.defpath),
            "HOME": str(root),
            "NIX_STORE_DIR": str(self.store),
            "NIX_STATE_DIR": str(root / "state"),
            "NIX_LOG_DIR": str(root / "log"),
            "NIX_CONF_DIR": str(root / "conf"),
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [nix_instantiate(), *args],
            capture_output=True,
            text=True,
            env=self.environ,
            timeout=120,
            check=False,
        )

    def eval(self, expression: str, **arguments: Any) -> Any:
        """Evaluate ``{ arguments }: expression`` strictly, building what it imports.

        Each argument reaches Nix as a JSON string (``--argstr``).
        """
        argv = ["--eval", "--strict", "--json", "--read-write-mode"]
        argv += ["--option", "sandbox", "false", "--option", "build-users-group", ""]
        argv += ["--option", "substituters", ""]
        for name, value in arguments.items():
            argv += ["--argstr", name, json.dumps(value)]
        header = "{ " + ", ".join(arguments) + " }: " if arguments else ""
        done = self.run(*argv, "-E", header + expression)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def eval_module(self, definitions: Any, options: Any | None = None) -> Any:
        expression = f"""
          let
            stub = import {STUB};
            result = stub.evalModule {{
              module = import {MODULE};
              definitions = builtins.fromJSON definitions;
              options = builtins.fromJSON options;
            }};
          in {{ inherit (result) values config; }}
        """
        return self.eval(expression, definitions=definitions, options=options or {})


@pytest.fixture
def nix(tmp_path: Path) -> Nix:
    return Nix(tmp_path / "nix")


def nix_files() -> list[Path]:
    found = []
    for directory, subdirs, files in os.walk(REPO):
        subdirs[:] = [d for d in subdirs if not d.startswith(".") and d not in SKIPPED_DIRS]
        found += [Path(directory) / name for name in files if name.endswith(".nix")]
    return sorted(found)


def test_every_nix_file_parses(nix: Nix) -> None:
    files = nix_files()
    assert {FLAKE, MODULE, PACKAGE, STUB} <= set(files)
    for path in files:
        done = nix.run("--parse", str(path))
        assert done.returncode == 0, f"{path.relative_to(REPO)}: {done.stderr}"


def test_module_option_defaults(nix: Nix) -> None:
    result = nix.eval_module({})
    options = result["values"]["services"]["authentik-provision"]
    assert options["enable"] is False
    assert options["extraArgs"] == []
    assert options["settings"] == {}
    assert options["sopsFile"] is None
    assert options["tokenFile"] is None
    assert options["ageKeyFile"] == "/etc/authentik-provision/age.key"
    assert options["traefik"] == {"enable": False}
    assert options["package"].endswith("-authentik-provision-0.1.0")
    # Disabled, the module defines nothing at all.
    assert result["config"] == {}


def normalised(value: Any) -> str:
    """A NixOS serviceConfig value as it reads in a unit file."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def test_enabled_module_produces_the_shipped_unit(nix: Nix) -> None:
    config = nix.eval_module({"services": {"authentik-provision": {"enable": True}}})["config"]
    service = config["systemd"]["services"]["authentik-provision"]
    shipped = parse_unit(SERVICE)
    service_config = service["serviceConfig"]
    expected = {k: v for k, v in shipped["Service"] if k not in FROM_OPTIONS}
    actual = {k: normalised(v) for k, v in service_config.items() if k not in FROM_OPTIONS}
    assert actual == expected
    assert service_config["ExecStart"].endswith("/bin/provision sync --wait 300")
    assert service_config["LoadCredential"] == values(shipped, "Service", "LoadCredential")
    environment = [f"{k}={v}" for k, v in service["environment"].items()]
    assert environment == values(shipped, "Service", "Environment")
    assert service["after"] == " ".join(values(shipped, "Unit", "After")).split()
    assert service["wants"] == " ".join(values(shipped, "Unit", "Wants")).split()
    assert service["wantedBy"] == [single(shipped, "Install", "WantedBy")]
    unit_config = {k: normalised(v) for k, v in service["unitConfig"].items()}
    assert unit_config == {k: v for k, v in shipped["Unit"] if k.startswith("StartLimit")}


def test_module_options_reach_the_unit_and_the_config_file(nix: Nix, tmp_path: Path) -> None:
    settings = yaml.safe_load(EXAMPLE.read_text())
    options = {
        "enable": True,
        "settings": settings,
        "sopsFile": "/var/lib/secrets/authentik.yaml",
        "ageKeyFile": "/var/lib/sops-nix/key.txt",
        "tokenFile": "/run/secrets/authentik-token",
        "extraArgs": ["--prune", "--output", "json", 'say "%h"'],
    }
    config = nix.eval_module({"services": {"authentik-provision": options}})["config"]
    service = config["systemd"]["services"]["authentik-provision"]["serviceConfig"]
    assert service["ExecStart"].endswith(
        'bin/provision sync --wait 300 "--prune" "--output" "json" "say \\"%%h\\""'
    )
    assert service["LoadCredential"] == [
        "sops-age-key:/var/lib/sops-nix/key.txt",
        "authentik-token:/run/secrets/authentik-token",
    ]
    path_unit = config["systemd"]["paths"]["authentik-provision"]["pathConfig"]
    assert path_unit["PathChanged"] == ["/var/lib/secrets/authentik.yaml"]
    assert all(check["assertion"] for check in config["assertions"])
    # The rendered file is what the tool reads; it must load and carry the sops file.
    rendered = Path(config["environment"]["etc"]["authentik-provision/provision.yaml"]["source"])
    assert rendered.parent == nix.store
    loaded = load_config(rendered, environ={})
    assert loaded.settings.secrets.sops_file == Path("/var/lib/secrets/authentik.yaml")
    assert [app.host for app in loaded.settings.apps] == [app["host"] for app in settings["apps"]]


def test_module_refuses_secrets_in_the_store(nix: Nix) -> None:
    token = f"{nix.store}/00000000000000000000000000000000-token"
    options = {"enable": True, "tokenFile": token, "ageKeyFile": None}
    config = nix.eval_module({"services": {"authentik-provision": options}})["config"]
    failed = [check["message"] for check in config["assertions"] if not check["assertion"]]
    assert len(failed) == 1
    assert "tokenFile" in failed[0]
    assert config["systemd"]["services"]["authentik-provision"]["serviceConfig"][
        "LoadCredential"
    ] == [f"authentik-token:{token}"]


def test_module_watches_only_secrets_that_can_change_in_place(nix: Nix) -> None:
    enabled = nix.eval_module({"services": {"authentik-provision": {"enable": True}}})["config"]
    path_unit = enabled["systemd"]["paths"]["authentik-provision"]["pathConfig"]
    assert path_unit["PathChanged"] == ["/etc/authentik-provision/secrets.yaml"]
    # A sops file copied into the store only changes with a rebuild, which re-runs the unit.
    in_store = {"enable": True, "sopsFile": f"{nix.store}/00000000000000000000000000000000-s.yaml"}
    config = nix.eval_module({"services": {"authentik-provision": in_store}})["config"]
    assert config["systemd"].get("paths", {}) == {}


def test_module_rejects_an_unknown_option(nix: Nix) -> None:
    definitions = {"services": {"authentik-provision": {"enable": True, "extra_args": []}}}
    with pytest.raises(AssertionError, match="no such option"):
        nix.eval_module(definitions)


def provision_package(root: Path) -> Path:
    """A package directory whose bin/provision is this venv's installed console script."""
    script = Path(sys.executable).parent / "provision"
    assert script.is_file(), "the package's console script is not installed in this venv"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "provision").symlink_to(script)
    return root


@pytest.mark.parametrize(
    ("traefik_options", "path"),
    [
        ({"dynamicConfigOptions": {}}, ("dynamicConfigOptions",)),
        ({"dynamic": {"settings": {}}}, ("dynamic", "settings")),
    ],
    ids=["dynamicConfigOptions", "dynamic.settings"],
)
def test_traefik_option_imports_the_rendered_dynamic_config(
    nix: Nix, tmp_path: Path, traefik_options: dict[str, Any], path: tuple[str, ...]
) -> None:
    package = provision_package(tmp_path / "package")
    options = {
        "enable": True,
        "package": str(package),
        "settings": yaml.safe_load(EXAMPLE.read_text()),
        "traefik": {"enable": True},
    }
    result = nix.eval_module(
        {"services": {"authentik-provision": options}},
        {"services": {"traefik": traefik_options}},
    )
    traefik = result["config"]["services"]["traefik"]
    assert list(traefik) == [path[0]]
    for key in path:
        traefik = traefik[key]
    render = ["render", "traefik", "--format", "json"]
    direct = subprocess.run(
        [package / "bin" / "provision", "--config", EXAMPLE, *render],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert traefik == json.loads(direct.stdout)
    assert "Host(`sonarr.home.example.com`)" in json.dumps(traefik)


def test_package_builds_this_pyproject_with_sops_on_path(nix: Nix) -> None:
    package = nix.eval(f"""
      let stub = import {STUB}; drv = stub.pkgs.callPackage {PACKAGE} {{ }};
      in {{
        inherit (drv) pname version pyproject makeWrapperArgs pythonImportsCheck meta;
        dependencies = map (d: d.pname) drv.dependencies;
        build-system = map (d: d.pname) drv.build-system;
        src = drv.src.files;
      }}
    """)
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert package["pname"] == project["name"]
    assert package["version"] == project["version"]
    assert package["pyproject"] is True
    wanted = {dep.split(">")[0].split("=")[0].lower() for dep in project["dependencies"]}
    assert set(package["dependencies"]) == wanted
    assert "setuptools" in package["build-system"]
    assert package["makeWrapperArgs"][:3] == ["--prefix", "PATH", ":"]
    assert package["makeWrapperArgs"][3].endswith("-sops/bin")
    assert package["meta"]["mainProgram"] in project["scripts"]
    assert {Path(p).name for p in package["src"]} == {"pyproject.toml", "README.md", "provision"}


def test_flake_exposes_the_package_and_the_module(nix: Nix) -> None:
    flake = nix.eval(f"""
      let
        stub = import {STUB};
        nixpkgs = {{
          lib.genAttrs = names: f:
            builtins.listToAttrs (map (name: {{ inherit name; value = f name; }}) names);
          legacyPackages = nixpkgs.lib.genAttrs [ "x86_64-linux" "aarch64-linux" ]
            (system: stub.pkgs // {{ stdenv.hostPlatform.system = system; }});
        }};
        flake = import {FLAKE};
        self = flake.outputs {{ inherit self nixpkgs; }};
      in {{
        url = flake.inputs.nixpkgs.url;
        systems = builtins.attrNames self.packages;
        default = self.packages.x86_64-linux.default.pname;
        module = toString self.nixosModules.default;
      }}
    """)
    assert flake["url"].startswith("github:NixOS/nixpkgs/")
    assert flake["systems"] == ["aarch64-linux", "x86_64-linux"]
    assert flake["default"] == "authentik-provision"
    assert flake["module"] == str(MODULE)
