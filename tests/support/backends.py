"""A stdlib HTTP backend on loopback that echoes and remembers every request it sees."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Backend:
    """Answers every GET with 200 and a JSON record of what it saw, and keeps the records.

    A record is ``{"backend": name, "host": ..., "path": ..., "headers": [[name, value], ...]}``
    with the headers as received, so a test sees exactly what a protected application would see.
    Use it as a context manager: it serves from ``__enter__`` until ``__exit__``.
    """

    def __init__(self, name: str = "backend") -> None:
        self.name = name
        self.seen: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def requests(self) -> list[str]:
        """Each request seen as ``"<Host> <path>"``."""
        return [f"{record['host']} {record['path']}" for record in self.seen]

    def __enter__(self) -> Backend:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

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
                body = json.dumps(record).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep the test output to the test's own

        return Handler
