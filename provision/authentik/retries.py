"""How one call is retried: the budget, the backoff, Retry-After and the log line per retry."""

from __future__ import annotations

import email.utils
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import requests
import tenacity

log = logging.getLogger("provision.authentik.transport")  # the retry lines are the transport's


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long one call is retried; all times in seconds."""

    attempts: int = 5
    initial: float = 0.5
    maximum: float = 8.0
    jitter: float = 0.5
    total: float = 60.0

    @classmethod
    def within(cls, attempts: int, budget: float) -> RetryPolicy:
        """A policy whose waits scale down with a small budget (and cap at the defaults)."""
        step = min(0.5, budget / 20)
        return cls(attempts, initial=step, maximum=min(8.0, budget / 2), jitter=step, total=budget)


class Retryable(Exception):
    """One attempt failed in a way worth another try (never leaves the transport)."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.status, self.retry_after = reason, status, retry_after


def stop_after(policy: RetryPolicy) -> Callable[[tenacity.RetryCallState], bool]:
    def stop(state: tenacity.RetryCallState) -> bool:
        # idle_for counts the requested sleeps, so the budget holds with an injected sleep too.
        spent = max(state.seconds_since_start or 0.0, state.idle_for)
        over_budget = spent + state.upcoming_sleep > policy.total
        return state.attempt_number >= policy.attempts or over_budget

    return stop


def wait_before(policy: RetryPolicy) -> Callable[[tenacity.RetryCallState], float]:
    def wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, Retryable) and error.retry_after is not None:
            return min(error.retry_after, policy.maximum)
        # Exponential backoff; jitter spreads clients that failed together.
        backoff = policy.initial * 2.0 ** (state.attempt_number - 1)
        jitter = random.uniform(0.0, policy.jitter)  # noqa: S311 - timing, not cryptography
        return min(policy.maximum, backoff + jitter)

    return wait


def log_retry(method: str, path: str, policy: RetryPolicy, state: tenacity.RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    reason = error.reason if isinstance(error, Retryable) else "failed"
    log.warning(
        "%s %s: %s; retry %d of %d in %.1fs",
        method,
        path,
        reason,
        state.attempt_number,
        policy.attempts - 1,
        state.upcoming_sleep,
    )


def retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
