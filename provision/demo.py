"""``provision demo``: the whole job against the bundled fake Authentik, start to finish."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path

import yaml

from provision.output import out
from provision.testing.fake_authentik import FakeAuthentik


def _demo_config(example: str, url: str) -> str:
    data = yaml.safe_load(example)
    data["authentik"]["url"] = url
    data["outpost"]["address"] = url
    data["secrets"]["sops_file"] = None
    return yaml.safe_dump(data, sort_keys=False)


def _seed(fake: FakeAuthentik) -> None:
    """Groups the example needs, and an unrelated provider the sync must leave alone."""
    for group in ("media", "admins"):
        fake.state.add_group(group)
    other = fake.state.add_proxy_provider("Hand-made provider", "https://legacy.home.example.com")
    fake.state.set_outpost_providers([int(other["pk"])])


def run_demo(provision: Callable[[Sequence[str], Mapping[str, str]], int]) -> int:
    """plan -> sync -> sync (no change) -> verify; 0 when every step did what it should.

    ``provision(argv, environ)`` runs one command line (the CLI's ``main``) and returns its
    exit code, so each step runs exactly as a person would type it.
    """
    example = resources.files("provision").joinpath("examples/provision.yaml").read_text("utf-8")
    token = secrets.token_urlsafe(32)
    with FakeAuthentik(token=token) as fake, tempfile.TemporaryDirectory() as tmp:
        _seed(fake)
        config = Path(tmp) / "provision.yaml"
        config.write_text(_demo_config(example, fake.url), encoding="utf-8")
        environ = {"AUTHENTIK_TOKEN": token, "RUNTIME_DIRECTORY": tmp}
        steps = [
            ("plan: what would change", ["plan"], (0,)),
            ("sync: apply it", ["sync"], (0,)),
            ("sync again: nothing left to do", ["sync"], (0,)),
            ("plan --detailed-exitcode: 0 means converged", ["plan", "--detailed-exitcode"], (0,)),
            ("verify: every host demands a login", ["verify"], (0,)),
        ]
        out(f"Fake Authentik listening on {fake.url} (in memory; nothing leaves this machine)")
        for title, argv, expected in steps:
            out(f"\n=== provision {' '.join(argv)} — {title}")
            code = provision(["--config", str(config), *argv], environ)
            if code not in expected:
                out(f"\nDemo failed at `provision {' '.join(argv)}` (exit {code}).")
                return code
        bound = len(fake.state.embedded_outpost()["providers"])
        writes = len(fake.writes())
    out(f"\nDemo complete: {writes} writes in all; the embedded outpost lists {bound} providers,")
    out("including the hand-made one the sync never touched.")
    return 0
