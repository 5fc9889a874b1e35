"""The Authentik API client: resource-named calls returning Authentik's own JSON."""

from provision.authentik.client import AuthentikClient
from provision.authentik.retries import RetryPolicy

__all__ = ["AuthentikClient", "RetryPolicy"]
