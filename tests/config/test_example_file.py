"""The shipped example: loads as it is, and says each thing once."""

from __future__ import annotations

from pathlib import Path

from provision.config import load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "provision.yaml"


def test_example_loads_and_has_one_domain_block() -> None:
    assert len(load_config(EXAMPLE, environ={}).desired.apps) == 3
    text = EXAMPLE.read_text(encoding="utf-8")
    assert text.count("# domains:") == 1
    assert text.count("# Domain mode") == 1
