"""Shared by the render tests: case directories and configs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from provision.config import Config, load_config

REPO = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "cases"
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "provision.yaml").is_file())
EXAMPLE_CONFIG = REPO / "examples" / "provision.yaml"
EXAMPLE_BLUEPRINT = REPO / "blueprints" / "forward-auth-example.yaml"


def load_case(path: Path) -> Config:
    """Load a config with an empty environment, so nothing outside the file changes it."""
    return load_config(path, environ={})


def write_config(directory: Path, document: Mapping[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "provision.yaml"
    path.write_text(yaml.safe_dump(dict(document), sort_keys=False), encoding="utf-8")
    return path
