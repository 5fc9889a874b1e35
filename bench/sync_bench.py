"""Measure sync against the fake Authentik with injected latency; prints a table of figures.

    .venv/bin/python bench/sync_bench.py [--latency 0.01] [--sizes 10,100,1000]
        [--versions 2025.10.3,2026.2.2] [--serial-size 200]

For each Authentik version the fake speaks and each N: a first sync (everything created) and a
no-op sync (nothing to do) of N hosts restricted to a group, then the no-op sync of N hosts open
to every user (no bindings to list), each run as a real `provision` subprocess so wall time and
peak RSS are the command's own; the no-op's requests are broken down per endpoint. Then the first
sync of --serial-size hosts with writes one at a time (authentik.concurrency = 1) against the
default concurrency, and the ratio. Last, the cold start of `provision --version`.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
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
    per_path: Counter[str]


def _config(path: Path, url: str, n: int, concurrency: int | None, rule: str) -> None:
    access: dict[str, object] = {"groups": ["media"]} if rule == "groups" else {"any_user": True}
    apps = [{"host": f"app{i:04d}.bench.example.com", **access} for i in range(n)]
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
    per_path = Counter(r.path.removeprefix("/api/v3/") for r in api)
    return Run(len(api), len(fake.writes()), seconds, peak, done.returncode, per_path)


def _first_and_noop(
    n: int, latency: float, concurrency: int | None, version: str, rule: str = "groups"
) -> tuple[Run, Run]:
    with (
        FakeAuthentik(token=TOKEN, latency=latency, authentik_version=version) as fake,
        tempfile.TemporaryDirectory() as tmp,
    ):
        fake.state.add_group("media")
        config = Path(tmp) / "provision.yaml"
        _config(config, fake.url, n, concurrency, rule)
        first = _run(fake, config, Path(tmp), "sync")
        noop = _run(fake, config, Path(tmp), "sync")
    return first, noop


def _row(label: str, version: str, n: int, run: Run) -> str:
    return (
        f"| {label:<22} | {version:<9} | {n:>5} | {run.requests:>8} | {run.writes:>6} |"
        f" {run.seconds:>8.2f} | {run.peak_rss_mib:>9.1f} | {run.code:>4} |"
    )


def _header() -> str:
    names = ["run".ljust(22), "version".ljust(9), "N".rjust(5), "requests", "writes"]
    names += ["wall (s)", "RSS (MiB)", "exit"]
    return "| " + " | ".join(names) + " |\n|" + "|".join("-" * (len(n) + 2) for n in names) + "|"


def _breakdown(run: Run) -> str:
    return ", ".join(f"{path} {count}" for path, count in sorted(run.per_path.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.01)
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--versions", default="2025.10.3,2026.2.2")
    parser.add_argument("--serial-size", type=int, default=200)
    args = parser.parse_args()
    versions = args.versions.split(",")
    print(f"fake Authentik latency: {args.latency * 1000:.0f} ms per request\n")
    print(_header())
    breakdowns = []
    for version in versions:
        for n in (int(s) for s in args.sizes.split(",")):
            first, noop = _first_and_noop(n, args.latency, None, version)
            _, open_noop = _first_and_noop(n, args.latency, None, version, "any_user")
            print(_row("first sync (groups)", version, n, first))
            print(_row("no-op sync (groups)", version, n, noop))
            print(_row("no-op sync (any_user)", version, n, open_noop))
            breakdowns.append(f"{version} N={n} no-op (groups): {_breakdown(noop)}")
    newest = versions[-1]
    parallel, _ = _first_and_noop(args.serial_size, args.latency, None, newest)
    serial, _ = _first_and_noop(args.serial_size, args.latency, 1, newest)
    print(_row("first, parallel", newest, args.serial_size, parallel))
    print(_row("first, serial", newest, args.serial_size, serial))
    print("\nno-op requests per endpoint:\n" + "\n".join(breakdowns))
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
