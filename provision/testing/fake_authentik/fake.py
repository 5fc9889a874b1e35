"""``FakeAuthentik``: a real HTTP server on loopback behaving like a recorded Authentik release.

The same server answers the API, the health checks and the embedded outpost's forward-auth
endpoints. State lives in memory (``fake.state``); every request is logged with its
credentials redacted (``fake.requests``); failures can be injected (``fake.fail``).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from . import api, login, outpost, versions
from .faults import Fault, Faults
from .outpost_view import OutpostView
from .pages import proxy_error_body, unlocalized
from .recording import DROPPED, RecordedRequest, RequestLog, redacted_headers
from .routing import ApiResponse, Incoming
from .server import HOST, HTML, TEXT, Server, recorded_body
from .state import FakeState
from .versions import NEWEST, AuthentikVersion

LOGGER = logging.getLogger(__name__)
OnWrite = Callable[[RecordedRequest], None]


class FakeAuthentik:
    """A fake Authentik server; use as a context manager or ``start()``/``stop()``.

    ``authentik_version`` names the release it speaks (``versions.KNOWN``; default the newest).

    ``on_write`` is called from the server thread for every ``/api/`` write the state took
    (2xx), before the answer leaves: a client killed from it never sees that answer. The
    ``RecordedRequest`` it gets carries the status the client is about to receive.
    """

    def __init__(
        self,
        token: str,
        latency: float = 0.0,
        *,
        readonly_token: str | None = None,
        port: int = 0,
        authentik_version: str = NEWEST,
        outpost_refresh_delay: float = 0.0,
    ) -> None:
        self.version: AuthentikVersion = versions.authentik_version(authentik_version)
        self.token = token
        self.readonly_token = readonly_token or secrets.token_urlsafe(32)
        self.latency = latency
        self.ready = True
        self.on_write: OnWrite | None = None
        self.state = FakeState(f"http://{HOST}", self.readonly_token, self.version)
        # Seconds until a newly bound provider is served (the outpost's refresh,
        # docs/forward-auth.md).
        self.outpost = OutpostView(outpost_refresh_delay)
        self._port = port
        self._log = RequestLog()
        self._faults = Faults()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"FakeAuthentik(port={self._port}, authentik_version={self.version.name!r})"

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeAuthentik:
        """Listen (on the same port again after a ``stop``) and serve in a thread."""
        if self._server is not None:
            return self
        self._server = Server(self, self._port)
        self._port = self._server.server_address[1]
        self.state.set_base_url(self.url)
        # A short poll interval keeps ``stop`` quick; tests start and stop many fakes.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"fake-authentik-{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and close every open connection."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeAuthentik:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the API and the outpost both."""
        return f"http://{HOST}:{self._port}"

    # -- request log -------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in order (a copy)."""
        return self._log.snapshot()

    def writes(self) -> list[RecordedRequest]:
        """The POST/PUT/PATCH/DELETE requests under ``/api/``."""
        return [r for r in self._log.snapshot() if r.is_api_write]

    def clear_log(self) -> None:
        self._log.clear()

    # -- knobs --------------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        path_regex: str,
        *,
        status: int = 503,
        times: int = 1,
        retry_after: float | None = None,
        drop: bool = False,
        delay: float | None = None,
        after: bool = False,
    ) -> None:
        """Make the next ``times`` requests matching ``method`` (or ``*``) and ``path_regex`` fail.

        Answer ``status`` (with ``Retry-After`` when given) and a proxy's error body; or, with
        ``drop``, close the connection without answering; or, with ``delay``, answer normally
        after that many seconds. With ``after`` the request is first performed on the state,
        so a write "succeeds" although its client sees a failure.
        """
        pattern = re.compile(path_regex)
        fault = Fault(method.upper(), pattern, times, status, retry_after, drop, delay, after)
        self._faults.arm(fault)

    def clear_faults(self) -> None:
        """Disarm every fault not yet used up."""
        self._faults.clear()

    def login(self, username: str, host: str) -> tuple[str, str]:
        """The outpost cookie (name, value) a successful browser login of ``username`` leaves.

        A shortcut for the authorize step and the callback: the session is for the provider
        the outpost serves ``host`` with (refresh delay included), for the STORED user, and is
        made only when the fake's policy engine admits that user to the provider's
        application; ``PermissionError`` otherwise (no provider for ``host``: ``LookupError``).
        """
        with self.state.lock:
            return self.state.login(username, host, self.outpost)

    def add_user(
        self, username: str, groups: Iterable[str] = (), password: str | None = None
    ) -> int:
        """Store a user as ``POST /core/users/`` does (its groups by name, created when
        missing) and its password as ``set_password`` does; returns its pk."""
        with self.state.lock:
            body = {
                "username": username,
                "name": username,
                "email": f"{username}@localhost.invalid",
                "groups": [self.state.group_pk(name) for name in groups],
            }
            pk = int(self._seed("POST", "/api/v3/core/users/", body)["pk"])
            if password is not None:
                path = f"/api/v3/core/users/{pk}/set_password/"
                self._seed("POST", path, {"password": password})
            return pk

    def _seed(self, method: str, path: str, body: dict[str, Any]) -> Any:
        """One API call as the superuser, in process: validated as over HTTP, not logged."""
        headers = {"authorization": f"Bearer {self.token}", "content-type": "application/json"}
        call = Incoming(method, path, {}, headers, json.dumps(body).encode())
        answer = api.answer(self.state.store, call, (self.token, self.readonly_token))
        if not 200 <= answer.status < 300:
            raise ValueError(f"the fake Authentik refuses {method} {path}: {answer.body!r}")
        return answer.body

    def run_blueprint_worker(self) -> int:
        """Do what Authentik's worker does: apply the blueprint instances waiting for it."""
        return self.state.run_blueprint_worker()

    # -- serving ------------------------------------------------------------------------------

    def serve(self, incoming: Incoming) -> ApiResponse | None:
        """Answer one request (None: drop the connection); logs it and calls ``on_write``."""
        if self.latency > 0:
            time.sleep(self.latency)
        fault = self._faults.take(incoming.method, incoming.path)
        if fault is not None and fault.delay is not None:
            time.sleep(fault.delay)
        performed: ApiResponse | None = None
        if fault is None or not fault.replaces_answer or fault.after:
            performed = self._respond_safely(incoming)
        answer = performed
        if fault is not None and fault.replaces_answer:
            answer = None if fault.drop else self._fault_answer(fault)
        recorded = RecordedRequest(
            method=incoming.method,
            path=incoming.path,
            query=dict(incoming.query),
            body=recorded_body(incoming),
            status=answer.status if answer is not None else DROPPED,
            headers=redacted_headers(incoming.headers),
        )
        self._log.append(recorded)
        if performed is not None and 200 <= performed.status < 300 and recorded.is_api_write:
            self._notify_write(recorded)
        return answer

    def _notify_write(self, recorded: RecordedRequest) -> None:
        callback = self.on_write
        if callback is None:
            return
        try:
            callback(recorded)
        except Exception:  # a test's callback must not take the server down
            LOGGER.exception("on_write callback failed for %s %s", recorded.method, recorded.path)

    @staticmethod
    def _fault_answer(fault: Fault) -> ApiResponse:
        headers = {"content-type": TEXT}
        if fault.retry_after is not None:
            seconds = fault.retry_after
            headers["retry-after"] = str(int(seconds)) if seconds == int(seconds) else str(seconds)
        return ApiResponse(fault.status, proxy_error_body(fault.status), headers)

    def _respond_safely(self, incoming: Incoming) -> ApiResponse | None:
        try:
            return self._localized(self._respond(incoming))
        except Exception:  # a bug in the fake: answer like Django does, keep the traceback
            LOGGER.exception("fake Authentik failed on %s %s", incoming.method, incoming.path)
            return ApiResponse(500, "<h1>Server Error (500)</h1>", {"content-type": HTML})

    def _localized(self, answer: ApiResponse | None) -> ApiResponse | None:
        """Without ``Content-Language`` (nor ``Accept-Language`` in ``Vary``) where the release
        does not negotiate the language."""
        if answer is None or self.version.content_language:
            return answer
        return ApiResponse(answer.status, answer.body, unlocalized(answer.headers))

    def _typed(self, answer: ApiResponse) -> ApiResponse:
        """JSON answers carry the ``Content-Type`` this release sends."""
        if answer.body is None or isinstance(answer.body, str) or "content-type" in answer.headers:
            return answer
        headers = {**answer.headers, "content-type": self.version.json_content_type}
        return ApiResponse(answer.status, answer.body, headers)

    def _health(self, path: str) -> ApiResponse | None:
        """Liveness always; readiness and everything else only while ``ready``."""
        if path == "/-/health/live/" or (path == "/-/health/ready/" and self.ready):
            return ApiResponse(200, "", {"content-type": HTML})
        if not self.ready:
            return ApiResponse(503, proxy_error_body(503), {"content-type": TEXT})
        return None

    def _respond(self, incoming: Incoming) -> ApiResponse | None:
        path = incoming.path
        health = self._health(path)
        if health is not None:
            return health
        with self.state.lock:
            if path.startswith(outpost.PREFIX):
                store, query, headers = self.state.store, incoming.query, incoming.headers
                return outpost.answer(store, path, query, headers, self.outpost)
            if (login_answer := login.answer(self.state.store, incoming)) is not None:
                return login_answer
            if path.startswith("/api/"):
                answer = api.answer(self.state.store, incoming, (self.token, self.readonly_token))
                self.outpost.observe(self.state.store)
                return self._typed(answer)
        if incoming.method in ("GET", "HEAD"):
            return api.not_found_page(self.version)
        return ApiResponse(405, "", {"allow": "GET, HEAD, OPTIONS", "content-type": HTML})
