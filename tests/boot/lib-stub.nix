# A small stand-in for nixpkgs' `lib`, the few `pkgs` attributes nix/*.nix use, and the part
# of the NixOS module system that fills option values, so that nix/module.nix and
# nix/package.nix can be evaluated with nothing but `nix-instantiate`.
#
# What it does:   fill every option of the module from its default or from the definitions
#                 given, check each value against a simplified type, and resolve the
#                 mkIf/mkMerge in the module's `config`.
# What it does not do: merge definitions from several modules, priorities (mkDefault,
#                 mkForce), submodules, real type merging, or anything systemd unit rendering
#                 does; `pkgs.formats.yaml` writes JSON (a subset of YAML) and `runCommand` is
#                 a bare /bin/sh derivation without stdenv.
let
  inherit (builtins)
    attrNames
    concatStringsSep
    filter
    foldl'
    isAttrs
    mapAttrs
    ;

  typeOf = v: if isAttrs v then v._type or null else null;

  lib = rec {
    mkOption = attrs: attrs // { _type = "option"; };
    mkEnableOption =
      name:
      mkOption {
        type = types.bool;
        default = false;
        description = "Whether to enable ${name}.";
      };
    literalExpression = text: {
      _type = "literalExpression";
      inherit text;
    };
    mkIf = condition: content: {
      _type = "if";
      inherit condition content;
    };
    mkMerge = contents: {
      _type = "merge";
      inherit contents;
    };

    optional = condition: value: if condition then [ value ] else [ ];
    optionalAttrs = condition: attrs: if condition then attrs else { };
    hasPrefix = prefix: text: builtins.substring 0 (builtins.stringLength prefix) text == prefix;
    inherit concatStringsSep;
    recursiveUpdate =
      lhs: rhs:
      lhs
      // mapAttrs (
        name: value:
        if isAttrs value && isAttrs (lhs.${name} or null) then recursiveUpdate lhs.${name} value else value
      ) rhs;
    makeBinPath = packages: concatStringsSep ":" (map (p: "${p}/bin") packages);

    licenses.mit.spdxId = "MIT";
    platforms.linux = [
      "x86_64-linux"
      "aarch64-linux"
    ];
    fileset = {
      unions = files: files;
      # Like the real one, refuse files that do not exist.
      toSource =
        { root, fileset }:
        let
          missing = filter (f: !builtins.pathExists f) fileset;
        in
        if missing != [ ] then
          throw "lib.fileset.toSource: ${toString (builtins.head missing)} does not exist"
        else
          {
            inherit root;
            files = map toString fileset;
          };
    };

    types = rec {
      mkType = name: check: { inherit name check; };
      bool = mkType "bool" builtins.isBool;
      str = mkType "str" builtins.isString;
      path = mkType "path" (v: builtins.isPath v || (builtins.isString v && hasPrefix "/" v));
      # Test definitions may give a package as a directory path string.
      package = mkType "package" (v: (isAttrs v && v ? outPath) || builtins.isString v);
      anything = mkType "anything" (_: true);
      nullOr = t: mkType "null or ${t.name}" (v: v == null || t.check v);
      listOf = t: mkType "list of ${t.name}" (v: builtins.isList v && builtins.all t.check v);
    };
  };

  fakeDerivation = name: {
    type = "derivation";
    inherit name;
    pname = name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
  };

  pkgs = rec {
    formats.yaml = _: {
      type = lib.types.mkType "YAML value" isAttrs;
      generate = name: value: builtins.toFile name (builtins.toJSON value);
    };
    runCommand =
      name: env: script:
      derivation (
        env
        // {
          inherit name;
          system = builtins.currentSystem;
          builder = "/bin/sh";
          args = [
            "-c"
            script
          ];
          PATH = "/usr/bin:/bin";
        }
      );
    python3Packages = {
      buildPythonApplication = attrs: fakeDerivation "${attrs.pname}-${attrs.version}" // attrs;
      setuptools = fakeDerivation "setuptools";
      wheel = fakeDerivation "wheel";
      requests = fakeDerivation "requests";
      pydantic-settings = fakeDerivation "pydantic-settings";
      tenacity = fakeDerivation "tenacity";
      pyyaml = fakeDerivation "pyyaml";
      idna = fakeDerivation "idna";
      google-re2 = fakeDerivation "google-re2";
    };
    sops = fakeDerivation "sops";
    callPackage =
      file: overrides:
      let
        f = import file;
      in
      f (builtins.intersectAttrs (builtins.functionArgs f) (pkgs // { inherit lib; }) // overrides);
  };

  # NixOS's `utils` module argument: the same quoting for systemd's Exec lines.
  utils.escapeSystemdExecArgs =
    args:
    concatStringsSep " " (
      map (arg: builtins.replaceStrings [ "%" "$" ] [ "%%" "$$" ] (builtins.toJSON arg)) args
    );

  isOption = v: typeOf v == "option";

  dotted = path: concatStringsSep "." path;

  checked =
    path: declaration: value:
    if declaration.type.check value then
      value
    else
      throw "option ${dotted path}: value is not of type ${declaration.type.name}";

  # Option values: each declared option's definition if given, else its default.
  fill =
    path: declarations: definitions:
    let
      unknown = filter (name: !(declarations ? ${name})) (attrNames definitions);
    in
    if unknown != [ ] then
      throw "no such option: ${dotted (path ++ [ (builtins.head unknown) ])}"
    else
      mapAttrs (
        name: declaration:
        let
          here = path ++ [ name ];
        in
        if isOption declaration then
          checked here declaration (
            if definitions ? ${name} then
              definitions.${name}
            else if declaration ? default then
              declaration.default
            else
              throw "option ${dotted here} is used but not defined"
          )
        else
          fill here declaration (definitions.${name} or { })
      ) declarations;

  isDisabled = v: typeOf v == "if" && !v.condition;

  resolve =
    v:
    if typeOf v == "if" then
      (if v.condition then resolve v.content else { })
    else if typeOf v == "merge" then
      foldl' lib.recursiveUpdate { } (map resolve v.contents)
    else if isAttrs v && !(v ? outPath) then
      mapAttrs (_: resolve) (builtins.removeAttrs v (filter (n: isDisabled v.${n}) (attrNames v)))
    else
      v;

  # The module sees only the values of the options it declares itself; `options` stands in
  # for the declarations of the rest of NixOS (e.g. whether Traefik has dynamic.settings).
  evalModule =
    {
      module,
      definitions ? { },
      options ? { },
    }:
    let
      args = {
        config = values;
        inherit lib pkgs options utils;
      };
      declared = (module args).options;
      values = fill [ ] declared definitions;
    in
    {
      inherit values;
      config = resolve (module args).config;
    };
in
{
  inherit lib pkgs utils evalModule;
}
