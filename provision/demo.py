"""``provision demo``: the whole job against the bundled fake Authentik, start to finish.

The steps are those of ``STEPS``; the README and ``provision demo --help`` name them the same.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from provision.config import load_config
from provision.output import out
from provision.report import counted
from provision.testing.fake_authentik import FakeAuthentik

STEPS = (
    ("plan: what would change", ["plan"]),
    ("sync: apply it", ["sync"]),
    ("sync again: nothing left to do", ["sync"]),
    ("plan --detailed-exitcode: 0 means converged", ["plan", "--detailed-exitcode"]),
    ("verify: every host demands a login", ["verify"]),
)


def _demo_config(text: str, url: str) -> str:
    """The config, pointed at the fake: its API and outpost, no sops file, no CA or proxy."""
    data: dict[str, Any] = yaml.safe_load(text) or {}
    data["authentik"] = (data.get("authentik") or {}) | {"url": url, "ca_bundle": None}
    data["authentik"] |= {"proxy": None, "wait": 0}
    data["outpost"] = (data.get("outpost") or {}) | {"address": url}
    data["secrets"] = (data.get("secrets") or {}) | {"sops_file": None}
    return yaml.safe_dump(data, sort_keys=False)


def _seed(fake: FakeAuthentik, groups: Sequence[str]) -> None:
    """The groups the config names, and an unrelated provider the sync must leave alone."""
    for group in groups:
        fake.state.add_group(group)
    other = fake.state.add_proxy_provider("Hand-made provider", "https://legacy.home.example.com")
    fake.state.set_outpost_providers([int(other["pk"])])


def _declared_groups(config: Path) -> list[str]:
    """Every group the config's access rules name (its problems are reported as they are)."""
    targets = load_config(config, environ={}).desired.targets
    return sorted({group for app in targets for group in app.access.groups})


def run_demo(
    provision: Callable[[Sequence[str], Mapping[str, str]], int], config: str | None = None
) -> int:
    """plan -> sync -> sync (no change) -> plan --detailed-exitcode -> verify; 0 when every
    step did what it should.

    ``provision(argv, environ)`` runs one command line (the CLI's ``main``) and returns its
    exit code, so each step runs exactly as a person would type it. ``config`` is a config
    file whose apps and domains to use instead of the bundled example's.
    """
    if config is None:
        source = resources.files("provision").joinpath("examples/provision.yaml")
        example, groups = source.read_text("utf-8"), ["admins", "media"]
    else:
        groups = _declared_groups(Path(config))  # a missing or invalid file stops here (78)
        example = Path(config).read_text("utf-8")
    token = secrets.token_urlsafe(32)
    with FakeAuthentik(token=token) as fake, tempfile.TemporaryDirectory() as tmp:
        _seed(fake, groups)
        path = Path(tmp) / "provision.yaml"
        path.write_text(_demo_config(example, fake.url), encoding="utf-8")
        environ = {"AUTHENTIK_TOKEN": token, "RUNTIME_DIRECTORY": tmp}
        out(f"Fake Authentik listening on {fake.url} (in memory; nothing leaves this machine)")
        created = ", ".join(groups) or "none"
        out(f"Config: {config or 'the bundled example'}; groups created: {created}")
        for title, argv in STEPS:
            out(f"\n=== provision {' '.join(argv)} — {title}")
            code = provision(["--config", str(path), *argv], environ)
            if code != 0:
                out(f"\nDemo failed at `provision {' '.join(argv)}` (exit {code}).")
                return code
        bound = len(fake.state.embedded_outpost()["providers"])
        writes = counted(len(fake.writes()), "write")
    out(f"\nDemo complete: {writes} in all, as the sync said (fewer than the objects added: a")
    out("new application, its provider and bindings are one transaction); the embedded outpost")
    out(f"lists {counted(bound, 'provider')}, including the hand-made one the sync never touched.")
    return 0
