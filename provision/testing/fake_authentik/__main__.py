"""``python -m provision.testing.fake_authentik [--port PORT] --token TOKEN [--authentik-version V]
[--outpost-refresh-delay SECONDS]``.

Serves until SIGTERM or SIGINT; the first line on stdout is ``listening on URL``.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from .fake import FakeAuthentik
from .versions import KNOWN, NEWEST


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m provision.testing.fake_authentik",
        description="Serve a fake Authentik on 127.0.0.1 until SIGTERM/SIGINT.",
    )
    parser.add_argument(
        "--authentik-version",
        choices=tuple(KNOWN),
        default=NEWEST,
        help=f"the Authentik release to behave like (default: {NEWEST})",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free)")
    parser.add_argument("--token", required=True, help="the superuser API token to accept")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument(
        "--outpost-refresh-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="seconds before the outpost serves a newly bound provider or stops serving an"
        " unbound one (a real outpost: about 1-16 s; default: 0, at once)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    logging.basicConfig(
        level=logging.DEBUG if arguments.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    fake = FakeAuthentik(
        token=arguments.token,
        port=arguments.port,
        latency=arguments.latency,
        authentik_version=arguments.authentik_version,
        outpost_refresh_delay=arguments.outpost_refresh_delay,
    )
    with fake:
        sys.stdout.write(f"listening on {fake.url}\n")
        sys.stdout.flush()
        while not stopping.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
