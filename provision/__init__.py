"""authentik-provision: declarative forward-auth hosts for Authentik behind Traefik."""

__version__ = "0.1.0"
