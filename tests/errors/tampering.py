"""A loopback reverse proxy in front of the fake Authentik that swaps chosen answers.

Every request is passed to the fake (so writes land), then the answer of a request that a rule
names is replaced by the rule's: a broken or hostile server on any endpoint, in any command.
"""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import SplitResult, urlsplit

# (status, content type, body) as the client receives it.
Answer = tuple[int, str, bytes]
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


@dataclass
class Swap:
    """Replace the answers to ``method`` on paths matching ``path`` with ``answer``, after
    the first ``skip`` of them."""

    method: str
    path: str
    answer: Answer
    skip: int = 0  # matching requests answered as usual first
    used: int = 0
    seen: int = 0

    def takes(self, method: str, path: str) -> bool:
        """Whether this request's answer is swapped (counted as seen, and as used if so)."""
        if self.method not in ("*", method) or re.search(self.path, path) is None:
            return False
        self.seen += 1
        if self.seen <= self.skip:
            return False
        self.used += 1
        return True


@dataclass
class Tampering:
    url: str
    swaps: list[Swap] = field(default_factory=list)

    @property
    def swapped(self) -> int:
        """How many answers were replaced so far."""
        return sum(swap.used for swap in self.swaps)


class _Tamperer(BaseHTTPRequestHandler):
    """Relays each request to ``upstream`` and answers with the first matching swap, if any."""

    protocol_version = "HTTP/1.1"
    upstream: SplitResult
    state: Tampering

    def _relay(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        target = self.upstream
        connection = http.client.HTTPConnection(target.hostname or "", target.port, timeout=30)
        connection.request(self.command, self.path, body, headers)
        relayed = connection.getresponse()
        answer = (relayed.status, relayed.getheader("Content-Type") or "", relayed.read())
        extra = [(k, v) for k, v in relayed.getheaders() if _kept(k)]
        connection.close()
        path = urlsplit(self.path).path
        swap = next((s for s in self.state.swaps if s.takes(self.command, path)), None)
        if swap is not None:
            answer, extra = swap.answer, []
        self._answer(answer, extra)

    def _answer(self, answer: Answer, extra: list[tuple[str, str]]) -> None:
        status, content_type, payload = answer
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _relay

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def tampering(upstream: str, *swaps: Swap) -> Iterator[Tampering]:
    """Serve on 127.0.0.1 in front of ``upstream``; yields the proxy's URL and its swaps."""
    state = Tampering("", list(swaps))
    handler = type("Handler", (_Tamperer,), {"upstream": urlsplit(upstream), "state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _kept(name: str) -> bool:
    lowered = name.lower()
    return lowered not in HOP_BY_HOP and lowered not in ("content-type", "date", "server")
