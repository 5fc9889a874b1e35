"""Measure sync against the fake Authentik with injected latency; prints a table of figures.

    .venv/bin/python bench/sync_bench.py [--latency 0.01] [--sizes 10,100,1000] [--serial-size 200]

For each N: a first sync (everything created) and a no-op sync (nothing to do), each run as a
real `provision` subprocess so wall time and peak RSS are the command's own. Then the first sync
of --serial-size hosts with writes one at a time (authentik.concurrency = 1) against the default
concurrency, and the ratio. Last, the cold start of `provision --version`.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from provision.testing.fake_authentik import FakeAuthentik

TOKEN = "bench-token-not-a-secret"
PROVISION = [sys.executable, "-m", "provision"]


@dataclass
class Run:
    requests: int
    writes: int
    seconds: float
    peak_rss_mib: float
    code: int


def _config(path: Path, url: str, n: int, concurrency: int | None) -> None:
    apps = [{"host": f"app{i:04d}.bench.example.com", "groups": ["media"]} for i in range(n)]
    authentik: dict[str, object] = {"url": url, "timeout": 30}
    if concurrency is not None:
        authentik["concurrency"] = concurrency
    data = {
        "authentik": authentik,
        "secrets": {"sops_file": None},
        "outpost": {"address": url},
        "apps": apps,
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


def _run(fake: FakeAuthentik, config: Path, workdir: Path, *argv: str) -> Run:
    env = dict(os.environ, AUTHENTIK_TOKEN=TOKEN, RUNTIME_DIRECTORY=str(workdir))
    fake.clear_log()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [*PROVISION, "-q", "--config", str(config), *argv],
        env=env,
        capture_output=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    api = [r for r in fake.requests if r.path.startswith("/api/")]
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode())
    return Run(len(api), len(fake.writes()), seconds, peak, done.returncode)


def _first_and_noop(n: int, latency: float, concurrency: int | None) -> tuple[Run, Run]:
    with FakeAuthentik(token=TOKEN, latency=latency) as fake, tempfile.TemporaryDirectory() as tmp:
        fake.state.add_group("media")
        config = Path(tmp) / "provision.yaml"
        _config(config, fake.url, n, concurrency)
        first = _run(fake, config, Path(tmp), "sync")
        noop = _run(fake, config, Path(tmp), "sync")
    return first, noop


def _row(label: str, n: int, run: Run) -> str:
    return (
        f"| {label:<16} | {n:>5} | {run.requests:>8} | {run.writes:>6} | {run.seconds:>8.2f} |"
        f" {run.peak_rss_mib:>8.1f} | {run.code:>4} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.01)
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--serial-size", type=int, default=200)
    args = parser.parse_args()
    print(f"fake Authentik latency: {args.latency * 1000:.0f} ms per request\n")
    print("| run              |     N | requests | writes | wall (s) | RSS (MiB)| exit |")
    print("|------------------|-------|----------|--------|----------|----------|------|")
    for n in (int(s) for s in args.sizes.split(",")):
        first, noop = _first_and_noop(n, args.latency, None)
        print(_row("first sync", n, first))
        print(_row("no-op sync", n, noop))
    parallel, _ = _first_and_noop(args.serial_size, args.latency, None)
    serial, _ = _first_and_noop(args.serial_size, args.latency, 1)
    print(_row("first, parallel", args.serial_size, parallel))
    print(_row("first, serial", args.serial_size, serial))
    print(
        f"\nparallel writes are {serial.seconds / parallel.seconds:.1f}x faster than one at a time"
    )
    starts = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([*PROVISION, "--version"], capture_output=True, check=True)
        starts.append(time.perf_counter() - start)
    print(f"`provision --version` cold start: best {min(starts):.3f} s of 5 (python -m provision)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
