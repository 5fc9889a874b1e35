"""Renderer fuzzing: whatever the config accepts renders a file the real proxies accept, with
exactly the directives, routes and routers of a plain config with as many apps.

Each example writes several apps (and sometimes a domain) whose hosts are spelled as a user may
write them (Unicode, A-labels, any case, padded, a trailing dot) and whose text fields, groups,
backends and skip regexes carry quotes, braces, semicolons, backticks, ``#``, ``$`` and any
printable or non-ASCII character. The real loader either refuses the file with 78, or its
desired state renders for nginx (``nginx -t``), Caddy (``caddy adapt``) and Traefik (started,
its routers read back from its API), each checked once per example and counted against the
plain config; the blueprint parses back to exactly the data it was rendered from.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import idna
import pytest
import yaml
from hypothesis import event, example, given
from hypothesis import strategies as st

from provision.config import Config, load_config
from provision.errors import EX_CONFIG, ConfigError
from provision.render import render_caddy, render_nginx, render_traefik
from provision.render.blueprint import (
    FIND_TAG,
    KEY_OF_TAG,
    Find,
    KeyOf,
    blueprint_document,
    render_blueprint,
)
from tests.properties.world import ConfigDumper, Tagged
from tests.render.test_render_quoting import (
    INJECTION,
    _adapted_routes,
    _nginx_directives,
    _shape,
)
from tests.render.test_traefik_real import _is_acme
from tests.support.nginx import check_config
from tests.support.traefik import running_traefik

# What ends or opens something in one of the syntaxes, and what YAML reads specially.
HOSTILE = ";{}\"'`#$\\()|&<>*!%@:,[]\n\t "
TEXT = st.text(
    st.sampled_from(HOSTILE) | st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
    max_size=20,
)
# Host labels: ASCII, letters IDNA maps (ß) and other scripts; an inner hyphen.
LABEL = st.text(st.sampled_from("abcz09-üßéжλ日"), min_size=1, max_size=10).filter(
    lambda label: not label.startswith("-") and not label.endswith("-")
)


def spellings(host: str) -> st.SearchStrategy[str | Tagged]:
    """``host`` as a user may write it; one in sixteen is refused (upper case, a trailing dot,
    a character no host has)."""
    accepted: list[str | Tagged] = [host, f" {host} ", Tagged("tag:yaml.org,2002:str", host)]
    with contextlib.suppress(idna.IDNAError):
        accepted.append(idna.encode(host, uts46=True).decode("ascii"))
    refused = st.sampled_from([host.upper(), f"{host}."]) | st.sampled_from(HOSTILE).map(
        lambda character: f"{host[:3]}{character}{host[3:]}"
    )
    return st.integers(0, 15).flatmap(
        lambda dice: refused if dice == 15 else st.sampled_from(accepted)
    )


@st.composite
def hosts(draw: st.DrawFn, zone: str) -> str | Tagged:
    return draw(spellings(f"{draw(LABEL)}.{zone}"))


@st.composite
def access(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        return {"any_user": True}
    return {"groups": draw(st.lists(TEXT.filter(str.strip), min_size=1, max_size=2))}


@st.composite
def backends(draw: st.DrawFn) -> str:
    # Now and then a path or the other scheme's port: the config keeps an origin only (a lone
    # "/" dropped) and refuses a path and http on 443 or https on 80, which Caddy refuses.
    # Rarely, so that most examples with several apps still render.
    scheme = draw(st.sampled_from(["http", "https"]))
    host = draw(st.sampled_from(["127.0.0.1", "localhost", "[::1]"]))
    if draw(st.integers(0, 7)) == 0:
        port = draw(st.sampled_from([80, 443, 8080]))
        path = draw(st.sampled_from(["/", "/app", "/?x=1"]))
        return f"{scheme}://{host}:{port}{path}"
    conflicting = {"http": 443, "https": 80}[scheme]
    port = draw(st.integers(1, 65535).filter(lambda port: port != conflicting))
    return f"{scheme}://{host}:{port}"


@st.composite
def skip_path_regexes(draw: st.DrawFn) -> str:
    lines = draw(st.lists(TEXT.filter(str.strip), min_size=1, max_size=3))
    escaped = draw(st.booleans())
    return "\n".join("^/" + (re.escape(line) if escaped else line) for line in lines)


@st.composite
def apps(draw: st.DrawFn, index: int) -> dict[str, Any]:
    entry: dict[str, Any] = {"host": draw(hosts(f"h{index}.example.test")), **draw(access())}
    entry["backend"] = draw(backends())
    entry["name"] = f"{draw(TEXT)} {index}"  # the index keeps two names from clashing
    for field in ("description", "group"):
        if draw(st.booleans()):
            entry[field] = draw(TEXT)
    if draw(st.booleans()):
        entry["skip_path_regex"] = draw(skip_path_regexes())
    return entry


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """Two to four apps on distinct hosts, sometimes a domain."""
    count = draw(st.integers(2, 4))
    document: dict[str, Any] = {"secrets": {"sops_file": None}}
    document["apps"] = [draw(apps(index)) for index in range(count)]
    if draw(st.booleans()):
        zone = f"{draw(LABEL)}.example.org"
        auth = draw(spellings(f"auth.{zone}"))
        domain = {"domain": draw(spellings(zone)), "auth_host": auth}
        document["domains"] = [domain | draw(access())]
    return document


def plain_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """As many apps (and domains) as ``document``, with harmless values."""
    plain: dict[str, Any] = {"secrets": {"sops_file": None}}
    plain["apps"] = [
        {"host": f"app{i}.example.test", "any_user": True, "backend": plain_backend(app)}
        for i, app in enumerate(document["apps"])
    ]
    if document.get("domains"):
        plain["domains"] = [{"domain": "example.net", "auth_host": "auth.example.net"}]
        plain["domains"][0]["any_user"] = True
    return plain


def plain_backend(app: Mapping[str, Any]) -> str:
    """A harmless backend of the same scheme: https adds a TLS transport to Caddy's proxy."""
    return f"{app['backend'].partition(':')[0]}://127.0.0.1:8080"


def write(directory: Path, document: Mapping[str, Any], unicode: bool) -> Path:
    directory.mkdir(parents=True)
    path = directory / "provision.yaml"
    text = yaml.dump(dict(document), Dumper=ConfigDumper, sort_keys=False, allow_unicode=unicode)
    path.write_text(text, encoding="utf-8")
    return path


class BlueprintLoader(yaml.SafeLoader):
    """Reads ``!Find`` and ``!KeyOf`` back into the renderer's own values."""


def _find(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> Find:
    model, (field, value) = loader.construct_sequence(node, deep=True)
    return Find(model, field, value)


BlueprintLoader.add_constructor(FIND_TAG, _find)
BlueprintLoader.add_constructor(
    KEY_OF_TAG, lambda loader, node: KeyOf(str(loader.construct_scalar(node)))
)


def rule_shapes(routers: Mapping[str, Mapping[str, Any]]) -> Counter[str]:
    """Each loaded router's rule with the values between backticks left out: its matchers."""
    return Counter(re.sub(r"`[^`]*`", "``", router["rule"]) for router in routers.values())


def check_nginx(directory: Path, config: Config, plain: Config) -> None:
    rendered = directory / "authentik.conf"
    rendered.write_text(render_nginx(config.settings, config.desired), encoding="utf-8")
    checked = check_config(directory, rendered)
    assert checked.returncode == 0, checked.stderr
    expected = _nginx_directives(render_nginx(plain.settings, plain.desired))
    assert _nginx_directives(rendered.read_text(encoding="utf-8")) == expected


def check_caddy(directory: Path, config: Config, plain: Config) -> None:
    shapes = []
    for name, loaded in (("caddy", config), ("caddy-plain", plain)):
        (directory / name).mkdir()
        rendered = directory / name / "authentik.caddy"
        rendered.write_text(render_caddy(loaded.settings, loaded.desired), encoding="utf-8")
        routes = _adapted_routes(directory / name, rendered)
        # Caddy orders sites by their hosts' specificity, which the plain hosts do not mirror.
        shapes.append(sorted(json.dumps(_shape(route), sort_keys=True) for route in routes))
    assert shapes[0] == shapes[1]


def check_traefik(directory: Path, config: Config, plain: Config) -> None:
    expected = yaml.safe_load(render_traefik(plain.settings, plain.desired))["http"]
    dynamic = directory / "dynamic.yaml"
    dynamic.write_text(render_traefik(config.settings, config.desired), encoding="utf-8")
    http = yaml.safe_load(dynamic.read_text(encoding="utf-8"))["http"]
    assert {kind: len(http[kind]) for kind in http} == {k: len(v) for k, v in expected.items()}
    routers = http["routers"]
    entrypoints = sorted({e for r in routers.values() for e in r.get("entryPoints", [])})
    resolvers = sorted({r["tls"]["certResolver"] for r in routers.values() if "tls" in r})
    with running_traefik(directory, dynamic, entrypoints, set(routers), resolvers) as traefik:
        loaded = {kind: traefik.file_objects(kind) for kind in http}
        assert traefik.errors(ignore=_is_acme) == []
    for kind, objects in loaded.items():
        assert set(objects) == set(http[kind])
        broken = {n for n, o in objects.items() if o["status"] != "enabled" or "error" in o}
        assert broken == set()
    assert rule_shapes(loaded["routers"]) == rule_shapes(expected["routers"])
    # Each backend reaches Traefik as the one URL it was written as, beside the outpost's.
    backends = Counter(a.backend for a in config.desired.targets if a.backend is not None)
    plain_backends = Counter(a.backend for a in plain.desired.targets if a.backend is not None)
    outpost = server_urls(expected["services"]) - plain_backends
    assert server_urls(loaded["services"]) == backends + outpost


def server_urls(services: Mapping[str, Any]) -> Counter[str]:
    return Counter(s["url"] for o in services.values() for s in o["loadBalancer"]["servers"])


def check_blueprint(config: Config) -> None:
    text = render_blueprint(config.settings, config.desired)
    parsed = yaml.load(text, Loader=BlueprintLoader)  # noqa: S506 - a SafeLoader subclass
    assert parsed == blueprint_document(config.desired)


# Every field at once with the hand-picked injection of test_render_quoting, in Unicode.
HOSTILE_EXAMPLE = {
    "secrets": {"sops_file": None},
    "apps": [
        {
            "host": f" bücher{index}.example.test ",
            "groups": [INJECTION],
            "backend": "https://[::1]:8443",
            "name": f"{INJECTION} {index}",
            "description": INJECTION,
            "group": INJECTION,
            "skip_path_regex": "^/api/" + re.escape(INJECTION),
        }
        for index in range(2)
    ],
    "domains": [{"domain": "straße.example.org", "auth_host": "auth.straße.example.org"}],
}
HOSTILE_EXAMPLE["domains"][0]["groups"] = [INJECTION]


@given(document=documents(), unicode=st.booleans())
@example(document=HOSTILE_EXAMPLE, unicode=True)
def test_every_accepted_value_renders_what_the_real_proxies_accept_and_nothing_more(
    tmp_path_factory: pytest.TempPathFactory, document: dict[str, Any], unicode: bool
) -> None:
    directory = tmp_path_factory.mktemp("fuzz")
    plain = load_config(write(directory / "plain", plain_document(document), True), environ={})
    try:
        config = load_config(write(directory / "generated", document, unicode), environ={})
    except ConfigError as refused:
        assert refused.exit_code == EX_CONFIG
        event("refused (78)")
        return
    event("rendered")
    check_blueprint(config)
    check_nginx(directory, config, plain)
    check_caddy(directory, config, plain)
    check_traefik(directory, config, plain)
