# NixOS module: services.authentik-provision.
#
# Produces the same one-shot unit as systemd/authentik-provision.service (same ordering,
# restart policy and hardening), with the config rendered from `settings` into the Nix store
# and linked to /etc/authentik-provision/provision.yaml so that `provision plan` or
# `provision doctor` run by hand read the same file as the unit.
{
  config,
  lib,
  options,
  pkgs,
  utils,
  ...
}:

let
  cfg = config.services.authentik-provision;
  yaml = pkgs.formats.yaml { };
  configPath = "/etc/authentik-provision/provision.yaml";

  # A Nix path given as sopsFile is copied into the store by the interpolation; that is safe
  # because a sops file is encrypted, and it keeps the config and its secrets in one closure.
  settings = lib.recursiveUpdate cfg.settings (
    lib.optionalAttrs (cfg.sopsFile != null) { secrets.sops_file = "${cfg.sopsFile}"; }
  );
  configFile = yaml.generate "authentik-provision.yaml" settings;

  # Import from derivation: evaluating the system builds the package and runs the renderer,
  # so the Traefik routers always match the hosts declared in `settings`.
  traefikJSON = pkgs.runCommand "authentik-provision-traefik.json" { } ''
    ${cfg.package}/bin/provision --config ${configFile} render traefik --format json > "$out"
  '';
  traefikDynamicConfig = builtins.fromJSON (builtins.readFile traefikJSON);

  # The tool's own default applies when neither sopsFile nor settings name a secrets file.
  secretsPath = settings.secrets.sops_file or "/etc/authentik-provision/secrets.yaml";
  inStore = path: path != null && lib.hasPrefix builtins.storeDir (toString path);
  # Store paths never change in place; a rebuild re-runs the unit for those.
  watchedPaths = lib.optional (secretsPath != null && !inStore secretsPath) secretsPath;

  credentials =
    lib.optional (cfg.ageKeyFile != null) "sops-age-key:${cfg.ageKeyFile}"
    ++ lib.optional (cfg.tokenFile != null) "authentik-token:${cfg.tokenFile}";

  # extraArgs are quoted for systemd (which expands % and $ itself), not for a shell.
  execStart = lib.concatStringsSep " " (
    [ "${cfg.package}/bin/provision sync --wait 300" ]
    ++ lib.optional (cfg.extraArgs != [ ]) (utils.escapeSystemdExecArgs cfg.extraArgs)
  );

  # Newer nixpkgs renamed Traefik's dynamicConfigOptions to dynamic.settings (keeping the old
  # name as a warning alias); write to whichever this nixpkgs declares.
  traefikDefinition =
    if options ? services.traefik.dynamic.settings then
      { services.traefik.dynamic.settings = traefikDynamicConfig; }
    else
      { services.traefik.dynamicConfigOptions = traefikDynamicConfig; };

  hardening = {
    DynamicUser = true;
    ProtectSystem = "strict";
    ProtectHome = true;
    PrivateTmp = true;
    PrivateDevices = true;
    NoNewPrivileges = true;
    CapabilityBoundingSet = "";
    AmbientCapabilities = "";
    RestrictAddressFamilies = "AF_INET AF_INET6 AF_UNIX";
    SystemCallFilter = "@system-service";
    SystemCallErrorNumber = "EPERM";
    SystemCallArchitectures = "native";
    ProtectKernelTunables = true;
    ProtectKernelModules = true;
    ProtectKernelLogs = true;
    ProtectControlGroups = true;
    ProtectClock = true;
    ProtectHostname = true;
    RestrictNamespaces = true;
    RestrictRealtime = true;
    RestrictSUIDSGID = true;
    LockPersonality = true;
    UMask = "0077";
  };
in
{
  options.services.authentik-provision = {
    enable = lib.mkEnableOption "authentik-provision, which creates and binds Authentik forward-auth providers and applications for the declared hosts at boot";

    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.callPackage ./package.nix { };
      defaultText = lib.literalExpression "pkgs.callPackage ./nix/package.nix { }";
      description = "The authentik-provision package; its wrapper has sops on PATH.";
    };

    settings = lib.mkOption {
      type = yaml.type;
      default = { };
      example = lib.literalExpression ''
        {
          authentik.url = "http://127.0.0.1:9000";
          traefik.cert_resolver = "letsencrypt";
          apps = [
            { host = "sonarr.home.example.com"; groups = [ "media" ]; backend = "http://127.0.0.1:8989"; }
          ];
        }
      '';
      description = ''
        The tool's config file (see the README, "Configuration"), rendered to YAML and linked
        to ${configPath}. Keys the tool does not know are rejected when it runs.
      '';
    };

    sopsFile = lib.mkOption {
      type = lib.types.nullOr lib.types.path;
      default = null;
      example = lib.literalExpression "./secrets/authentik.yaml";
      description = ''
        The sops-encrypted file holding AUTHENTIK_TOKEN and AUTHENTIK_SECRET_KEY; becomes
        `settings.secrets.sops_file`. A Nix path is copied into the store (it is encrypted);
        a string is used as the path on the machine. null leaves `settings` alone.
      '';
    };

    ageKeyFile = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = "/etc/authentik-provision/age.key";
      example = lib.literalExpression "config.sops.age.keyFile";
      description = ''
        The age private key that decrypts `sopsFile`, as a path on the machine. systemd reads
        it as root and hands it to the service as the credential `sops-age-key`. Set to null
        when there is no sops file (the unit fails to start if the file is missing).
      '';
    };

    tokenFile = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
      example = lib.literalExpression ''config.sops.secrets."authentik/token".path'';
      description = ''
        A file holding only the API token, as a path on the machine, handed to the service as
        the credential `authentik-token`; it takes precedence over the sops file's token.
      '';
    };

    extraArgs = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
      example = [
        "--prune"
        "--verify"
      ];
      description = "Arguments appended to `provision sync --wait 300` (sync's own options).";
    };

    traefik.enable = lib.mkEnableOption ''
      writing the Traefik dynamic config rendered from `settings` (forwardAuth middleware,
      outpost routers, app routers) into Traefik's dynamic config options. This is import from
      derivation: evaluating the system builds the package and runs
      `provision render traefik --format json`
    '';
  };

  config = lib.mkIf cfg.enable (
    lib.mkMerge [
      {
        assertions = [
          {
            assertion = !inStore cfg.ageKeyFile;
            message = "services.authentik-provision.ageKeyFile must not be in the world-readable Nix store; give its path on the machine as a string.";
          }
          {
            assertion = !inStore cfg.tokenFile;
            message = "services.authentik-provision.tokenFile must not be in the world-readable Nix store; give its path on the machine as a string.";
          }
        ];

        environment.etc."authentik-provision/provision.yaml".source = configFile;
        environment.systemPackages = [ cfg.package ];

        systemd.services.authentik-provision = {
          description = "Provision Authentik forward-auth providers and applications";
          wants = [ "network-online.target" ];
          after = [
            "network-online.target"
            "authentik.service"
            "authentik-worker.service"
          ];
          # Not RemainAfterExit: each switch starts multi-user.target again, which re-runs
          # this inactive one-shot, and a changed config changes the unit as well.
          wantedBy = [ "multi-user.target" ];
          restartTriggers = [ configFile ];
          environment.PROVISION_CONFIG = configPath;
          unitConfig = {
            StartLimitIntervalSec = "30min";
            StartLimitBurst = 10;
          };
          serviceConfig = hardening // {
            Type = "oneshot";
            RemainAfterExit = false;
            ExecStart = execStart;
            TimeoutStartSec = "15min";
            Restart = "on-failure";
            RestartSec = "30s";
            RestartPreventExitStatus = "64 65 77 78";
            SyslogIdentifier = "authentik-provision";
            RuntimeDirectory = "authentik-provision";
            LoadCredential = credentials;
          };
        };

        systemd.paths.authentik-provision = lib.mkIf (watchedPaths != [ ]) {
          description = "Re-run authentik-provision when its secrets file changes";
          wantedBy = [ "paths.target" ];
          pathConfig = {
            PathChanged = watchedPaths;
            Unit = "authentik-provision.service";
          };
        };
      }
      (lib.mkIf cfg.traefik.enable traefikDefinition)
    ]
  );
}
