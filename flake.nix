{
  description = "Declarative Authentik forward-auth provisioning for Traefik hosts";

  # setuptools >= 77 (pyproject.toml's build requirement) needs nixpkgs 25.05 or later.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";

  outputs =
    { self, nixpkgs }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forEachSystem = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forEachSystem (pkgs: {
        default = self.packages.${pkgs.stdenv.hostPlatform.system}.authentik-provision;
        authentik-provision = pkgs.callPackage ./nix/package.nix { };
      });

      # The module builds its default package from the importing system's own nixpkgs.
      nixosModules.default = ./nix/module.nix;
      nixosModules.authentik-provision = self.nixosModules.default;
    };
}
