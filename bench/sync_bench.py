"""Measure sync against the fake Authentik with injected latency; prints a table of figures.

    .venv/bin/python bench/sync_bench.py [--latency 0.01] [--sizes 10,100,1000]
        [--versions 2025.10.3,2026.2.2] [--serial-size 200]
        [--modes 2024.12.5,...,2026.8.0-rc1@50] [--mode-size 1000]

First, per version mode the fake speaks (``version@cap``: with ``pagination_max_page_size``
lowered to ``cap`` by an admin before the first sync, as recorded in file 14), the no-op sync of
--mode-size hosts restricted to a group: its requests, pages per list and wall time, and the
page size the client asked for, which must be the cap it read.
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

import requests
import yaml

from provision.testing.fake_authentik import AUTHENTIK_VERSIONS, FakeAuthentik

TOKEN = "bench-token-not-a-secret"
PROVISION = [sys.executable, "-m", "provision"]
LISTS = ("providers/proxy/", "core/applications/", "policies/bindings/")
# Every release the fake speaks, then the newest build with the page cap an admin lowered.
MODES = (*AUTHENTIK_VERSIONS, f"{AUTHENTIK_VERSIONS[-1]}@50")


@dataclass
class Run:
    requests: int
    writes: int
    seconds: float
    peak_rss_mib: float
    code: int
    per_path: Counter[str]
    page_sizes: frozenset[str] = frozenset()


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
    sizes = frozenset(r.query["page_size"] for r in api if "page_size" in r.query)
    return Run(len(api), len(fake.writes()), seconds, peak, done.returncode, per_path, sizes)


def _lower_page_cap(fake: FakeAuthentik, cap: int) -> None:
    """What an admin does in System → Settings (2025.12 on): every list is paged at ``cap``."""
    answer = requests.patch(
        f"{fake.url}/api/v3/admin/settings/",
        json={"pagination_max_page_size": cap},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
        proxies={"http": "", "https": ""},
    )
    answer.raise_for_status()


def _first_and_noop(
    n: int,
    latency: float,
    concurrency: int | None,
    version: str,
    *,
    rule: str = "groups",
    cap: int | None = None,
) -> tuple[Run, Run]:
    with (
        FakeAuthentik(token=TOKEN, latency=latency, authentik_version=version) as fake,
        tempfile.TemporaryDirectory() as tmp,
    ):
        if cap is not None:
            _lower_page_cap(fake, cap)
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


def _mode_rows(modes: list[str], n: int, latency: float) -> None:
    """The no-op sync of ``n`` bound hosts in each version mode, with the page size it used."""
    print(f"no-op sync of {n} hosts bound to a group, per version mode\n")
    print("| mode | page size asked | requests | pages per list | wall (s) | exit |")
    print("|---|---|---|---|---|---|")
    for mode in modes:
        version, _, cap = mode.partition("@")
        _, noop = _first_and_noop(n, latency, None, version, cap=int(cap) if cap else None)
        pages = "/".join(str(noop.per_path[path]) for path in LISTS)
        asked = ",".join(sorted(noop.page_sizes)) or "-"
        label = f"{version}, cap lowered to {cap}" if cap else version
        print(
            f"| {label} | {asked} | {noop.requests} | {pages} | {noop.seconds:.2f} | {noop.code} |"
        )
    print(f"\n(pages per list: {', '.join(LISTS)})\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.01)
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--versions", default="2025.10.3,2026.2.2")
    parser.add_argument("--serial-size", type=int, default=200)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--mode-size", type=int, default=1000)
    args = parser.parse_args()
    versions = args.versions.split(",")
    print(f"fake Authentik latency: {args.latency * 1000:.0f} ms per request\n")
    if args.modes:
        _mode_rows(args.modes.split(","), args.mode_size, args.latency)
    if not args.sizes:
        return 0
    print(_header())
    breakdowns = []
    for version in versions:
        for n in (int(s) for s in args.sizes.split(",")):
            first, noop = _first_and_noop(n, args.latency, None, version)
            _, open_noop = _first_and_noop(n, args.latency, None, version, rule="any_user")
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
