"""What every command that talks to Authentik starts with: the config, the secrets, a client.

Shared by the commands and the doctor; the environment is always passed in, never read here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests

    from provision.authentik import AuthentikClient
    from provision.config import Config
    from provision.secrets import Secrets


def load(config_path: str | None, environ: Mapping[str, str]) -> Config:
    """The config at ``config_path`` (``--config``), else where ``environ`` or the defaults say."""
    from provision.config import find_config, load_config

    return load_config(find_config(config_path, environ), environ)


def load_secrets(config: Config, environ: Mapping[str, str]) -> Secrets:
    from provision.secrets import load_secrets as read_secrets

    return read_secrets(config.settings.secrets, environ)


def connect(config: Config, secrets: Secrets) -> AuthentikClient:
    from provision.authentik import AuthentikClient, RetryPolicy

    auth = config.settings.authentik
    return AuthentikClient(
        auth.url,
        secrets.token,
        timeout=auth.timeout,
        ca_bundle=str(auth.ca_bundle) if auth.ca_bundle else None,
        retry=RetryPolicy.within(auth.retries, auth.retry_budget),
        proxy=auth.proxy,
    )


def anonymous_client(config: Config, session: requests.Session | None = None) -> AuthentikClient:
    """A client without a token, for the anonymous requests of doctor and verify: the same
    timeout, TLS verification and proxy rules as ``connect``; one attempt per request."""
    from provision.authentik import AuthentikClient, RetryPolicy

    auth = config.settings.authentik
    return AuthentikClient(
        auth.url,
        None,
        timeout=auth.timeout,
        ca_bundle=str(auth.ca_bundle) if auth.ca_bundle else None,
        session=session,
        retry=RetryPolicy(attempts=1),
        proxy=auth.proxy,
    )
