"""A loopback HTTP server that answers whatever a test scripts: a broken or hostile "Authentik"."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# (status, content type, body) for a path and its query.
Answer = tuple[int, str, bytes]
Script = Callable[[str, dict[str, str]], Answer]


def json_answer(body: Any, status: int = 200) -> Answer:
    return status, "application/json", json.dumps(body).encode()


def html_answer(status: int = 200) -> Answer:
    return status, "text/html", b"<html><body>Welcome to nginx!</body></html>"


@contextmanager
def scripted_server(script: Script) -> Iterator[tuple[str, list[str]]]:
    """Serve ``script`` on 127.0.0.1; yields the base URL and the list of requested paths."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            seen.append(self.path)
            status, content_type, body = script(parts.path, query)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
