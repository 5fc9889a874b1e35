"""A stdlib HTTP backend on loopback that echoes and remembers every request it sees.

It also takes WebSocket upgrades (RFC 6455) and echoes each message, as Sonarr's, Jellyfin's or
Home Assistant's live updates need a proxy to pass them; ``websocket_echo`` is the client side.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, Self

WEBSOCKET_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE = 0x1, 0x8


class Reader(Protocol):
    def read(self, size: int, /) -> bytes: ...


class Writer(Protocol):
    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


def websocket_accept(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` answer to a client's ``Sec-WebSocket-Key``."""
    # RFC 6455 fixes SHA-1 here; it proves the handshake, it protects nothing.
    digest = hashlib.sha1(key.encode() + WEBSOCKET_GUID, usedforsecurity=False).digest()
    return base64.b64encode(digest).decode()


def write_frame(stream: Writer, opcode: int, payload: bytes, masked: bool) -> None:
    """One final frame; clients must mask theirs, servers must not."""
    head = bytes([0x80 | opcode])
    mask_bit = 0x80 if masked else 0
    if len(payload) < 126:
        head += bytes([mask_bit | len(payload)])
    else:
        head += bytes([mask_bit | 126]) + struct.pack("!H", len(payload))
    if masked:
        mask = os.urandom(4)
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        head += mask
    stream.write(head + payload)
    stream.flush()


def read_frame(stream: Reader) -> tuple[int, bytes]:
    """(opcode, payload) of one frame, unmasked."""
    first, second = stream.read(2)
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", stream.read(2))
    elif length == 127:
        (length,) = struct.unpack("!Q", stream.read(8))
    mask = stream.read(4) if second & 0x80 else b"\0\0\0\0"
    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(stream.read(length)))
    return first & 0x0F, payload


def websocket_echo(url: str, host: str, cookie: str, message: str) -> tuple[str, str]:
    """Open a WebSocket to ``url`` (http://address:port/path) as a browser on ``host`` would,
    send ``message`` and return (the handshake's status line, the echoed text)."""
    address, _, path = url.removeprefix("http://").partition("/")
    name, _, port = address.partition(":")
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /{path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Cookie: {cookie}\r\n\r\n"
    )
    with socket.create_connection((name, int(port)), timeout=10) as sock:
        stream = sock.makefile("rwb")
        stream.write(request.encode())
        stream.flush()
        status = stream.readline().decode().strip()
        answered = {}
        while (line := stream.readline().decode().strip()) != "":
            field, _, value = line.partition(":")
            answered[field.strip().lower()] = value.strip()
        if not status.endswith(" 101 Switching Protocols"):
            return status, ""
        assert answered.get("sec-websocket-accept") == websocket_accept(key)
        write_frame(stream, TEXT, message.encode(), masked=True)
        opcode, echoed = read_frame(stream)
        write_frame(stream, CLOSE, b"", masked=True)
        return status, echoed.decode() if opcode == TEXT else ""


class LoopbackServer:
    """A threaded stdlib HTTP server on a free loopback port, serving from ``__enter__`` until
    ``__exit__``; subclasses give the handler class."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError


class Backend(LoopbackServer):
    """Answers every GET with 200 and a JSON record of what it saw, and keeps the records.

    A record is ``{"backend": name, "host": ..., "path": ..., "headers": [[name, value], ...]}``
    with the headers as received, so a test sees exactly what a protected application would see.
    Use it as a context manager: it serves from ``__enter__`` until ``__exit__``.
    """

    def __init__(self, name: str = "backend") -> None:
        self.name = name
        self.seen: list[dict[str, Any]] = []
        super().__init__()

    @property
    def requests(self) -> list[str]:
        """Each request seen as ``"<Host> <path>"``."""
        return [f"{record['host']} {record['path']}" for record in self.seen]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                record = {
                    "backend": backend.name,
                    "host": self.headers.get("Host"),
                    "path": self.path,
                    "headers": [[k, v] for k, v in self.headers.items()],
                }
                backend.seen.append(record)
                if self.headers.get("Upgrade", "").lower() == "websocket":
                    self._echo_websocket()
                    return
                body = json.dumps(record).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _echo_websocket(self) -> None:
                self.send_response(101, "Switching Protocols")
                self.send_header("Upgrade", "websocket")
                self.send_header("Connection", "Upgrade")
                key = self.headers.get("Sec-WebSocket-Key", "")
                self.send_header("Sec-WebSocket-Accept", websocket_accept(key))
                self.end_headers()
                self.wfile.flush()
                while True:
                    opcode, payload = read_frame(self.rfile)
                    if opcode == CLOSE:
                        write_frame(self.wfile, CLOSE, b"", masked=False)
                        break
                    write_frame(self.wfile, opcode, payload, masked=False)
                self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep the test output to the test's own

        return Handler
