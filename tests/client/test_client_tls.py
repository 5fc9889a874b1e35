"""TLS is verified by default; a private CA works through ca_bundle, nothing is skipped."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pydantic import SecretStr

from provision.authentik import AuthentikClient, RetryPolicy
from provision.errors import AuthentikError, TransientAPIError


def _openssl(*args: str, cwd: Path) -> None:
    binary = shutil.which("openssl")
    if binary is None:
        pytest.fail("openssl is needed to make a throw-away CA for this test")
    subprocess.run([binary, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def private_ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throw-away CA and a server certificate for 127.0.0.1 signed by it."""
    d = tmp_path_factory.mktemp("pki")
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "1",
        "-subj",
        "/CN=provision test CA",
        cwd=d,
    )
    _openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
        cwd=d,
    )
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "1",
        "-extfile",
        "san.ext",
        cwd=d,
    )
    return d


class _Version(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"version_current": "2025.10.3"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def https_url(private_ca: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Version)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(private_ca / "server.pem", private_ca / "server.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


FAST = RetryPolicy(attempts=3, initial=0.01, maximum=0.02, jitter=0.0, total=1.0)


def test_untrusted_certificate_is_refused_and_not_retried(https_url: str) -> None:
    client = AuthentikClient(https_url, SecretStr("tls-canary"), retry=FAST)
    with pytest.raises(AuthentikError) as caught:
        client.version()
    assert not isinstance(caught.value, TransientAPIError)
    assert "TLS failed" in str(caught.value)
    assert "ca_bundle" in str(caught.value)
    assert client.request_count == 1
    assert "tls-canary" not in str(caught.value)


def test_private_ca_through_ca_bundle(https_url: str, private_ca: Path) -> None:
    client = AuthentikClient(
        https_url, SecretStr("tls-canary"), ca_bundle=str(private_ca / "ca.pem"), retry=FAST
    )
    assert client.version()["version_current"] == "2025.10.3"
