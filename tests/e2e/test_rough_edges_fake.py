"""The fake run by hand, as the README's rehearsal starts it: it listens where it is told."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_fake_listens_on_the_port_given() -> None:
    port = _free_port()
    command = [sys.executable, "-m", "provision.testing.fake_authentik", "--port", str(port)]
    with subprocess.Popen(
        [*command, "--token", "dev"], stdout=subprocess.PIPE, text=True
    ) as server:
        try:
            assert server.stdout is not None
            assert server.stdout.readline().strip() == f"listening on http://127.0.0.1:{port}"
            # The README's next step: create a group the example names.
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v3/core/groups/",
                data=json.dumps({"name": "media"}).encode(),
                headers={"Authorization": "Bearer dev", "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=10) as answer:
                assert answer.status == 201
                assert json.load(answer)["name"] == "media"
        finally:
            server.terminate()
            server.wait(timeout=10)
    assert server.returncode == 0
