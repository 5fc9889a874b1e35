"""HTTP plumbing for the Authentik API: sessions, error mapping, retries and paging.

``requests`` exceptions and error statuses become ``AuthentikError``s here, once. The token
travels only in each request's ``Authorization`` header: never on a session, in a log or message.
"""

from __future__ import annotations

import http
import itertools
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
import tenacity
import urllib3
from pydantic import SecretStr

from provision import __version__
from provision.authentik import answers
from provision.authentik.anonymous import Answer, answer_from, no_answer
from provision.authentik.answers import NO_SUCH_PATH, NOT_JSON, JSONObject, error_for, json_body
from provision.authentik.paging import read_all_pages
from provision.authentik.proxies import proxies_for
from provision.authentik.retries import (
    Retryable,
    RetryPolicy,
    log_retry,
    retry_after,
    stop_after,
    wait_before,
)
from provision.errors import (
    AuthentikError,
    MalformedAnswerError,
    TransientAPIError,
    WrongServerError,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

PAGE_SIZE = 1000  # the largest page size any release honours (2025.10.3, 03b); see versions.py
NOT_THE_API = (
    "answer is not JSON: authentik.url does not lead to Authentik's API (give the server's"
    " base address, e.g. http://127.0.0.1:9000, without /api/v3)"
)
BAD_HEADER = (
    "the API token cannot be sent in an HTTP header (a line break, space or non-ASCII"
    " character); store it as one line"
)
RETRY_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "PATCH", "DELETE"})


class Transport:
    """Sends requests to one Authentik server; safe to share between threads."""

    def __init__(
        self,
        base_url: str,
        token: SecretStr | None,
        *,
        timeout: float,
        verify: bool | str,
        session: requests.Session | None,
        retry: RetryPolicy,
        sleep: Callable[[float], None],
        proxy: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._proxy = proxy
        # No redirects: following one could carry the token to another place.
        self._options: dict[str, Any] = {
            "timeout": timeout,
            "verify": verify,
            "allow_redirects": False,
            "proxies": proxies_for(self.base_url, proxy),
        }
        self._shared_session = session
        self._retry = retry
        self._sleep = sleep
        self._local = threading.local()
        self._lock = threading.Lock()
        self._own_sessions: list[requests.Session] = []
        self._count = 0
        self.page_size = PAGE_SIZE  # set from the server's version profile

    def __repr__(self) -> str:
        return f"Transport({self.base_url!r})"

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far, every retry attempt included."""
        with self._lock:
            return self._count

    def close(self) -> None:
        """Close the sessions this transport opened (a passed-in session stays open)."""
        with self._lock:
            sessions, self._own_sessions = self._own_sessions, []
        for session in sessions:
            session.close()

    def _session(self) -> requests.Session:
        # requests.Session is not documented as thread-safe, so each thread gets its own.
        if self._shared_session is not None:
            return self._shared_session
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
            with self._lock:
                self._own_sessions.append(session)
        return session

    def _headers(self, *, authenticated: bool) -> dict[str, str]:
        headers = {"User-Agent": f"authentik-provision/{__version__}", "Accept": "application/json"}
        if authenticated and self._token is not None:
            headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        return headers

    def exchange(
        self, method: str, path: str, *, authenticated: bool = True, **request: Any
    ) -> requests.Response:
        """Send one request (``request``: params, json); connection failures and timeouts
        raise ``Retryable``, nothing of ``requests`` escapes."""
        with self._lock:
            self._count += 1
        headers = self._headers(authenticated=authenticated)
        try:
            response = self._session().request(
                method, self.base_url + path, headers=headers, **self._options, **request
            )
        except requests.Timeout as exc:
            raise Retryable(f"no answer within {self._timeout:g}s") from exc
        except requests.exceptions.SSLError as exc:
            message = "TLS failed (private CA: set authentik.ca_bundle; plain HTTP: use http://)"
            raise WrongServerError(message, method=method, path=path) from exc
        except requests.ConnectionError as exc:
            raise Retryable(_connection_failure(exc, self.base_url)) from exc
        except (requests.exceptions.InvalidHeader, UnicodeEncodeError) as exc:
            raise AuthentikError(BAD_HEADER, method=method, path=path) from exc
        except requests.RequestException as exc:
            message = f"cannot send the request ({type(exc).__name__})"
            raise AuthentikError(message, method=method, path=path) from exc
        log.debug("%s %s -> %s", method, path, response.status_code)
        return response

    def ask_anonymously(self, url: str, headers: Mapping[str, str] | None = None) -> Answer:
        """GET the absolute ``url`` once, never with the token: its status, redirect target and
        the start of its body, or why nothing answered. Nothing is raised or retried.

        TLS verification and the proxy rules are the API's (``proxies_for`` applied to ``url``).
        """
        with self._lock:
            self._count += 1
        sent = {"User-Agent": f"authentik-provision/{__version__}", **(headers or {})}
        options = {**self._options, "proxies": proxies_for(url, self._proxy)}
        try:
            response = self._session().get(url, headers=sent, **options)
        except requests.RequestException as exc:
            answer = no_answer(url, exc, self._timeout)
            log.debug("GET %s: %s (%s)", url, answer.failure, answer.reason)
            return answer
        log.debug("GET %s -> %s", url, response.status_code)
        return answer_from(url, response)

    def health_answers(self, path: str) -> bool:
        """Whether an anonymous GET of ``path`` answers 200. Raises only ``WrongServerError``
        (TLS verification failed, or a 404 under a base URL ending in ``/api/v3``), which no
        amount of waiting heals."""
        try:
            status = self.exchange("GET", path, authenticated=False).status_code
            # Elsewhere a 404 may heal (a proxy whose route appears once Authentik starts).
            if status == 404 and urlsplit(self.base_url).path.endswith("/api/v3"):
                raise WrongServerError(NO_SUCH_PATH, method="GET", path=path, status=status)
            return status == 200
        except WrongServerError:
            raise
        except (Retryable, AuthentikError) as exc:
            log.debug("GET %s failed: %s", path, exc)
            return False

    def send(self, method: str, path: str, *, missing_ok: bool = False, **request: Any) -> Any:
        """One attempt: the decoded answer, ``None`` for 204 (or a JSON 404 if ``missing_ok``)."""
        response = self.exchange(method, path, **request)
        status = response.status_code
        if status in RETRY_STATUSES:
            reason = http.HTTPStatus(status).phrase.lower()
            raise Retryable(reason, status, retry_after(response))
        if missing_ok and status == 404 and isinstance(json_body(response), dict):
            return None
        if not 200 <= status < 300:
            raise error_for(method, path, response)
        if status == 204:
            return None
        body = json_body(response)
        if body is NOT_JSON:  # an empty body too: Authentik's 2xx carry JSON, but for 204
            raise WrongServerError(NOT_THE_API, method=method, path=path)
        if body is None:  # so that None means "no content" or "not found" to every caller
            raise MalformedAnswerError("answer is null", method=method, path=path)
        return body

    def call(
        self,
        method: str,
        path: str,
        *,
        missing_ok: bool = False,
        idempotent: bool = False,
        **request: Any,
    ) -> Any:
        """An idempotent request (``request``: params, json), retried on transient failures.

        ``idempotent`` marks a POST that sets a value rather than creating an object.
        """
        if method not in IDEMPOTENT_METHODS and not idempotent:
            raise ValueError(f"{method} is not idempotent; use create()")

        def attempt(number: int) -> Any:
            # A DELETE whose answer was lost may have worked: 404 on a retry means done.
            gone_ok = missing_ok or (method == "DELETE" and number > 1)
            return self.send(method, path, missing_ok=gone_ok, **request)

        return self.with_retries(method, path, attempt)

    def create(
        self,
        path: str,
        body: JSONObject,
        existing: Callable[[], JSONObject | None],
        shape: answers.Shape,
        *,
        method: str = "POST",
    ) -> JSONObject:
        """Create with ``body`` (a POST, or the create-only transactional PUT): the answer,
        an object of ``shape``. Before each retry, ``existing()`` re-reads so nothing is
        created twice; what it finds is returned as it is."""

        def attempt(number: int) -> JSONObject:
            if number > 1:
                found = existing()
                if found is not None:
                    log.info("%s %s: an earlier attempt created the object; using it", method, path)
                    return found
            return answers.an_object(self.send(method, path, json=body), method, path, shape)

        return self.with_retries(method, path, attempt)

    def with_retries(self, method: str, path: str, attempt: Callable[[int], T]) -> T:
        """Run ``attempt(1)``, ``attempt(2)``, ... while it raises ``Retryable`` within budget."""
        numbers = itertools.count(1)
        policy = self._retry
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(Retryable),
            stop=stop_after(policy),
            wait=wait_before(policy),
            sleep=self._sleep,
            before_sleep=lambda state: log_retry(method, path, policy, state),
            reraise=True,
        )
        try:
            return retrying(lambda: attempt(next(numbers)))
        except Retryable as exc:
            tries = next(numbers) - 1
            message = f"{exc.reason}; gave up after {tries} attempt{'s' if tries > 1 else ''}"
            error = TransientAPIError(message, method=method, path=path, status=exc.status)
            raise error from (exc.__cause__ or exc)

    def call_object(
        self, method: str, path: str, shape: answers.Shape | None = None, **request: Any
    ) -> JSONObject:
        """``call`` for an answer that must be a JSON object (a detail, create or update
        answer), with the fields of ``shape`` when given."""
        return answers.an_object(self.call(method, path, **request), method, path, shape)

    def object_or_none(self, path: str, shape: answers.Shape | None = None) -> JSONObject | None:
        """The object at ``path``, or ``None`` when Authentik answers that it has none."""
        found = self.call("GET", path, missing_ok=True)
        return None if found is None else answers.an_object(found, "GET", path, shape)

    def list_all(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        shape: answers.Shape | None = None,
    ) -> list[JSONObject]:
        """Every object of a list endpoint, all pages (see ``provision.authentik.paging``),
        each with the fields of ``shape`` when given."""

        def get(query: Mapping[str, Any]) -> Any:
            return self.call("GET", path, params=dict(query))

        listed = read_all_pages(get, path, params or {}, self.page_size)
        return [answers.shaped(o, shape, "GET", path) for o in listed] if shape else listed


def _connection_failure(exc: requests.ConnectionError, base_url: str) -> str:
    cause = exc.args[0] if exc.args else None
    if isinstance(getattr(cause, "reason", None), urllib3.exceptions.NewConnectionError):
        return f"cannot connect to {base_url}"
    return f"connection to {base_url} lost before an answer"
