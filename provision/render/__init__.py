"""Renderers from the desired state to configuration people would otherwise write by hand.

Each is a pure function of ``Settings`` and ``DesiredState``: no network, no secrets, no files,
so ``provision render`` works on a machine that cannot reach Authentik.
"""

from provision.render.blueprint import render_blueprint
from provision.render.caddy import render_caddy
from provision.render.forward_auth import AUTH_RESPONSE_HEADERS
from provision.render.nginx import render_nginx
from provision.render.traefik import render_traefik

__all__ = [
    "AUTH_RESPONSE_HEADERS",
    "render_blueprint",
    "render_caddy",
    "render_nginx",
    "render_traefik",
]
