"""Helpers shared by the fault, crash and concurrency suites."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from provision.testing.fake_authentik import FakeAuthentik

TOKEN = "reliability-canary-5d1f0c7e9a3b"
OWNER = "authentik-provision"
PROVISION = [sys.executable, "-m", "provision"]


@pytest.fixture(scope="session")
def authentik_token() -> str:
    return TOKEN


@pytest.fixture
def fake(fake_authentik: FakeAuthentik) -> FakeAuthentik:
    """The plugin's fake (``authentik_version`` picks its release)."""
    return fake_authentik


def write_config(
    path: Path, fake: FakeAuthentik, apps: list[dict[str, Any]], **authentik: Any
) -> Path:
    data = {
        "authentik": {"url": fake.url, "timeout": 5, **authentik},
        "secrets": {"sops_file": None},
        "outpost": {"address": fake.url},
        "apps": apps,
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def environ(workdir: Path) -> dict[str, str]:
    return {
        "AUTHENTIK_TOKEN": TOKEN,
        "RUNTIME_DIRECTORY": str(workdir),
        "PATH": os.environ.get("PATH", ""),
    }


def seed_unrelated(fake: FakeAuthentik) -> int:
    """A provider this tool does not own, already on the embedded outpost."""
    pk = int(fake.state.add_proxy_provider("hand-made", "https://hand-made.example.org")["pk"])
    fake.state.set_outpost_providers([pk])
    return pk


def assert_converged_state(fake: FakeAuthentik, apps: list[dict[str, Any]], unrelated: int) -> None:
    """No duplicate, no orphan, every declared host bound, the unrelated provider kept."""
    providers = fake.state.proxy_providers()
    applications = fake.state.applications()
    names = Counter(p["name"] for p in providers)
    slugs = Counter(a["slug"] for a in applications)
    assert max(names.values()) == 1, names
    assert max(slugs.values()) == 1, slugs
    ours = [a for a in applications if a["meta_publisher"] == OWNER]
    assert len(ours) == len(apps)
    with_app = {a["provider"] for a in applications}
    orphans = [
        p["name"]
        for p in providers
        if p["name"].startswith("Provider for ") and p["pk"] not in with_app
    ]
    assert orphans == []
    outpost = set(fake.state.embedded_outpost()["providers"])
    assert unrelated in outpost
    assert {a["provider"] for a in ours} <= outpost
