# authentik-provision as a Nix package: `pkgs.callPackage ./nix/package.nix { }`.
#
# Built from this repository's pyproject.toml (setuptools >= 77, so nixpkgs 25.05 or later).
# sops goes on the wrapper's PATH because the tool decrypts its secrets file by running it.
{
  lib,
  python3Packages,
  sops,
}:

let
  # One version, read from the file that setuptools builds from.
  pyproject = builtins.fromTOML (builtins.readFile ../pyproject.toml);
in
python3Packages.buildPythonApplication {
  pname = "authentik-provision";
  inherit (pyproject.project) version;
  pyproject = true;

  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../pyproject.toml
      ../README.md
      ../provision
    ];
  };

  build-system = with python3Packages; [
    setuptools
    wheel
  ];

  dependencies = with python3Packages; [
    requests
    pydantic-settings
    tenacity
    pyyaml
    idna
    google-re2
  ];

  makeWrapperArgs = [
    "--prefix"
    "PATH"
    ":"
    (lib.makeBinPath [ sops ])
  ];

  # The test suite needs sops, Traefik, systemd-analyze and nix-instantiate beside the
  # package; the build checks that the package imports, which needs none of them.
  doCheck = false;
  pythonImportsCheck = [
    "provision"
    "provision.cli"
  ];

  meta = {
    description = pyproject.project.description;
    license = lib.licenses.mit;
    mainProgram = "provision";
    platforms = lib.platforms.linux;
  };
}
