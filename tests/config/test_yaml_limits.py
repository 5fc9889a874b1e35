"""YAML that expands without bound is refused (78) in bounded memory, naming file and line."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from provision.config import load_config
from provision.errors import ConfigError
from provision.yamlfile import MAX_BYTES, MAX_NODES

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"


def test_an_alias_bomb_is_refused_in_bounded_memory() -> None:
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError) as caught:
            load_config(BAD / "yaml-alias-bomb.yaml", environ={})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "yaml-alias-bomb.yaml:2: e[7]" in str(caught.value)
    assert f"more than {MAX_NODES} YAML nodes" in str(caught.value)
    assert peak < 64 * 1024 * 1024  # the bomb stands for 10^9 strings


def test_aliases_within_the_limit_still_work(tmp_path: Path) -> None:
    config = tmp_path / "provision.yaml"
    config.write_text(
        "secrets: {sops_file: null}\n"
        "x-access: &media {groups: [media]}\n"
        "apps:\n"
        "  - {host: a.example.com, <<: *media}\n"
        "  - {host: b.example.com, <<: *media}\n"
    )
    with pytest.raises(ConfigError, match=r"provision.yaml:2: x-access: unknown key"):
        load_config(config, environ={})
    config.write_text(config.read_text().replace("x-access: &media", "defaults: &media"))
    with pytest.raises(ConfigError, match=r"defaults.groups: unknown key"):
        load_config(config, environ={})


def test_merge_keys_share_an_anchor(tmp_path: Path) -> None:
    config = tmp_path / "provision.yaml"
    config.write_text(
        "secrets: {sops_file: null}\n"
        "apps:\n"
        "  - &first {host: a.example.com, groups: [media]}\n"
        "  - {<<: *first, host: b.example.com, name: B}\n"
    )
    desired = load_config(config, environ={}).desired
    assert [(a.host, a.access.groups) for a in desired.apps] == [
        ("a.example.com", ("media",)),
        ("b.example.com", ("media",)),
    ]


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    config = tmp_path / "provision.yaml"
    config.write_bytes(b"# padding\n" * (MAX_BYTES // 10 + 1))
    with pytest.raises(ConfigError, match=r"provision.yaml: the config file is larger than 1024"):
        load_config(config, environ={})


def test_a_file_at_the_size_limit_is_read(tmp_path: Path) -> None:
    config = tmp_path / "provision.yaml"
    body = b"secrets: {sops_file: null}\n"
    config.write_bytes(body + b"#" * (MAX_BYTES - len(body) - 1) + b"\n")
    assert load_config(config, environ={}).desired.apps == ()
