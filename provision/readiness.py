"""``--wait``: poll until Authentik can serve a sync, logging state changes, not polls."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from provision.errors import (
    AuthentikError,
    AuthError,
    MalformedAnswerError,
    NotReadyError,
    WrongServerError,
)

if TYPE_CHECKING:
    from provision.config import Config

log = logging.getLogger(__name__)


class ReadinessClient(Protocol):
    """What the wait asks of the API client."""

    def health_ready(self) -> bool: ...
    def version(self) -> dict[str, object]: ...
    def get_flow(self, slug: str) -> dict[str, object] | None: ...
    def find_outpost(self, managed: str) -> dict[str, object] | None: ...


def still_missing(client: ReadinessClient, config: Config) -> str | None:
    """None when ready, else what is still missing (one short phrase)."""
    if not client.health_ready():
        return "Authentik is not ready (/-/health/ready/)"
    try:
        client.version()
        flows = {a.authorization_flow for a in config.desired.targets}
        flows |= {a.invalidation_flow for a in config.desired.targets}
        for slug in sorted(flows):
            if client.get_flow(slug) is None:
                return f"flow {slug!r} does not exist yet"
        if client.find_outpost(config.desired.outpost_managed) is None:
            return "the embedded outpost does not exist yet"
    except (AuthError, WrongServerError, MalformedAnswerError):
        raise  # waiting heals none of these
    except AuthentikError as exc:
        return f"the API is not answering yet ({exc})"
    return None


def wait_until_ready(
    client: ReadinessClient,
    timeout: float,
    config: Config,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Poll with bounded backoff until ready; NotReadyError (exit 75) when time runs out."""
    deadline = clock() + timeout
    delay = 0.5
    last: str | None = ""
    while True:
        state = still_missing(client, config)
        if state != last:
            log.info("%s", state or "Authentik is ready")
            last = state
        if state is None:
            return
        remaining = deadline - clock()
        if remaining <= 0:
            raise NotReadyError(f"gave up after waiting {timeout:g} s: {state}")
        sleep(min(delay, remaining))
        delay = min(delay * 1.5, 5.0)
