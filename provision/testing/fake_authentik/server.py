"""The HTTP side of the fake: a threading HTTP/1.1 server on loopback handing requests to it."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from .routing import ApiResponse, Incoming


class Answering(Protocol):
    """What the server asks of the fake: one answer per request (None drops the connection)."""

    def serve(self, incoming: Incoming) -> ApiResponse | None: ...


LOGGER = logging.getLogger(__name__)
_KNOWN = frozenset(status.value for status in HTTPStatus)
HOST = "127.0.0.1"
HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


class Server(ThreadingHTTPServer):
    """Tracks open connections so ``stop`` can close idle keep-alive ones too."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # socketserver's 5 drops connects from a busy thread pool

    def __init__(self, fake: Answering, port: int) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__((HOST, port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-request is routine in fault tests; keep it out of stderr.
        LOGGER.debug("connection from %s failed", client_address, exc_info=True)

    def close_connections(self) -> None:
        with self.connections_lock:
            for connection in list(self.connections):
                with contextlib.suppress(OSError):  # already closed by the client
                    connection.shutdown(socket.SHUT_RDWR)


def _encode(response: ApiResponse) -> tuple[dict[str, str], bytes]:
    headers = dict(response.headers)
    if response.body is None:
        return headers, b""
    if isinstance(response.body, str):
        headers.setdefault("content-type", HTML)
        return headers, response.body.encode("utf-8")
    headers.setdefault("content-type", JSON)
    return headers, json.dumps(response.body).encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; every answer carries a correct Content-Length."""

    protocol_version = "HTTP/1.1"
    server_version = "authentik"
    sys_version = ""
    timeout = 120
    server: Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        LOGGER.debug("%s " + format, self.address_string(), *args)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # the CRLF after each chunk
            while self.rfile.readline().strip():
                pass  # trailer fields, up to the empty line
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _incoming(self) -> Incoming:
        raw = self._body()
        split = urlsplit(self.path)
        return Incoming(
            method=self.command,
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers={name.lower(): value for name, value in self.headers.items()},
            raw_body=raw,
        )

    def _handle(self) -> None:
        response = self.server.fake.serve(self._incoming())
        if response is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        headers, data = _encode(response)
        if response.status != 204:
            headers["Content-Length"] = str(len(data))
        reason = HTTPStatus(response.status).phrase if response.status in _KNOWN else ""
        head = [f"{self.protocol_version} {response.status} {reason}"]
        head += [f"Server: {self.server_version}", f"Date: {self.date_time_string()}"]
        # A header sent several times (Set-Cookie, Vary) is one value with a line per field.
        head += [f"{name}: {line}" for name, value in headers.items() for line in value.split("\n")]
        payload = "\r\n".join([*head, "", ""]).encode("latin-1")
        # Head and body leave in one write: no waiting on delayed ACKs between the two.
        self.wfile.write(payload + (b"" if self.command == "HEAD" else data))
        self.log_request(response.status)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


def recorded_body(incoming: Incoming) -> Any:
    """The body for the request log: parsed JSON, else the raw text, else None."""
    if not incoming.raw_body:
        return None
    text = incoming.raw_body.decode("utf-8", errors="replace")
    if "json" in incoming.headers.get("content-type", ""):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text
