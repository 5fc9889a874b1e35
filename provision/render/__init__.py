"""Renderers from the desired state to configuration people would otherwise write by hand.

Both are pure functions of ``Settings`` and ``DesiredState``: no network, no secrets, no files,
so ``provision render`` works on a machine that cannot reach Authentik.
"""

from provision.render.blueprint import render_blueprint
from provision.render.traefik import AUTH_RESPONSE_HEADERS, render_traefik

__all__ = ["AUTH_RESPONSE_HEADERS", "render_blueprint", "render_traefik"]
