"""The rendered blueprints validate against Authentik's own blueprint schema (2025.10.3).

Authentik's ``blueprint-schema.json`` is Authentik's file, not this project's: the check runs
where ``PROVISION_BLUEPRINT_SCHEMA`` names a copy of it, and is skipped, saying so, elsewhere.
Everywhere, the blueprint engine test (test_render_blueprint_apply.py) proves the blueprints by
applying them in the fake and comparing the result with a sync.

The schema types each reference as the primary key it resolves to on import: an integer for a
proxy provider, a UUID for a flow, group or application. The loader here resolves ``!Find`` and
``!KeyOf`` to a key of that type, so the schema checks that each tag sits where a key of the
referenced model belongs.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from provision.render import render_blueprint
from tests.render.render_support import (
    CASE_NAMES,
    CASES,
    EXAMPLE_CONFIG,
    load_case,
)

SCHEMA_VARIABLE = "PROVISION_BLUEPRINT_SCHEMA"
# The primary key type of each model a blueprint entry may point at.
PK_BY_MODEL: dict[str, Any] = {
    "authentik_providers_proxy.proxyprovider": 7,
    "authentik_core.application": str(uuid.UUID(int=1)),
    "authentik_flows.flow": str(uuid.UUID(int=2)),
    "authentik_core.group": str(uuid.UUID(int=3)),
}


@dataclass(frozen=True)
class Find:
    model: str
    query: list[Any]


@dataclass(frozen=True)
class KeyOf:
    entry_id: str


class TagLoader(yaml.SafeLoader):
    """Reads Authentik's tags into markers, resolved once every entry id is known."""


def _construct_find(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> Find:
    model, *query = loader.construct_sequence(node, deep=True)
    return Find(str(model), query)


def _construct_key_of(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> KeyOf:
    return KeyOf(str(loader.construct_scalar(node)))


TagLoader.add_constructor("!Find", _construct_find)
TagLoader.add_constructor("!KeyOf", _construct_key_of)


def _resolve(value: Any, models: dict[str, str]) -> Any:
    if isinstance(value, Find):
        return PK_BY_MODEL[value.model]
    if isinstance(value, KeyOf):
        if value.entry_id not in models:
            raise AssertionError(f"!KeyOf {value.entry_id} names no earlier entry")
        return PK_BY_MODEL[models[value.entry_id]]
    if isinstance(value, dict):
        return {k: _resolve(v, models) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, models) for v in value]
    return value


def load_blueprint(text: str) -> dict[str, Any]:
    """Parse with the tags resolved; a !KeyOf may only name an entry above it (as on import)."""
    document = yaml.load(text, Loader=TagLoader)  # noqa: S506 - a SafeLoader subclass
    models: dict[str, str] = {}
    entries = []
    for entry in document.get("entries") or []:
        entries.append(_resolve(entry, models))
        if "id" in entry:
            models[entry["id"]] = entry["model"]
    return {**document, "entries": entries}


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    named = os.environ.get(SCHEMA_VARIABLE)
    if not named:
        pytest.skip(f"{SCHEMA_VARIABLE} does not name Authentik's blueprint-schema.json")
    schema_path = Path(named)
    if not schema_path.is_file():
        pytest.fail(f"{SCHEMA_VARIABLE}={named} is not a file")
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def _errors(validator: jsonschema.Draft7Validator, document: dict[str, Any]) -> list[str]:
    """Every message, including those inside anyOf/oneOf, which say what actually failed."""
    messages: list[str] = []
    pending = list(validator.iter_errors(document))
    while pending:
        error = pending.pop()
        messages.append(error.message)
        pending.extend(error.context or ())
    return messages


def _rendered(config_path: Path) -> str:
    config = load_case(config_path)
    return render_blueprint(config.settings, config.desired)


@pytest.mark.parametrize("case", CASE_NAMES)
def test_rendered_blueprint_validates(validator: jsonschema.Draft7Validator, case: str) -> None:
    document = load_blueprint(_rendered(CASES / case / "provision.yaml"))
    assert document["version"] == 1
    assert _errors(validator, document) == []


def test_example_blueprint_validates_and_binds_every_provider(
    validator: jsonschema.Draft7Validator,
) -> None:
    text = _rendered(EXAMPLE_CONFIG)
    assert _errors(validator, load_blueprint(text)) == []
    raw = yaml.load(text, Loader=TagLoader)  # noqa: S506 - a SafeLoader subclass
    by_model: dict[str, list[dict[str, Any]]] = {}
    for entry in raw["entries"]:
        by_model.setdefault(entry["model"], []).append(entry)
    providers = by_model["authentik_providers_proxy.proxyprovider"]
    (outpost,) = by_model["authentik_outposts.outpost"]
    assert outpost["identifiers"] == {"managed": "goauthentik.io/outposts/embedded"}
    assert outpost["attrs"]["providers"] == [KeyOf(p["id"]) for p in providers]
    assert raw["entries"][-1] is outpost
    assert {p["attrs"]["mode"] for p in providers} == {"forward_single"}
    assert raw["metadata"]["name"] and raw["metadata"]["labels"]


def test_blueprint_says_the_outpost_entry_replaces_the_whole_list() -> None:
    head = _rendered(EXAMPLE_CONFIG).split("version: 1", 1)[0]
    assert head.startswith("#")
    assert "REPLACES the embedded outpost's\n# whole provider list" in head


def test_validation_catches_a_reference_of_the_wrong_model(
    validator: jsonschema.Draft7Validator,
) -> None:
    # A binding's target pointing at the provider (an int) instead of the application (a UUID).
    text = _rendered(EXAMPLE_CONFIG).replace(
        "target: !KeyOf application-sonarr", "target: !KeyOf provider-sonarr"
    )
    assert "is not of type 'string'" in " ".join(_errors(validator, load_blueprint(text)))


def test_validation_catches_a_bad_field_value(validator: jsonschema.Draft7Validator) -> None:
    text = _rendered(EXAMPLE_CONFIG).replace("mode: forward_single", "mode: forward", 1)
    assert _errors(validator, load_blueprint(text))


def test_a_key_of_must_name_an_entry_above_it() -> None:
    # load_blueprint enforces the order Authentik imports in; prove that check can fail.
    forward_reference = (
        "version: 1\n"
        "entries:\n"
        "- model: authentik_outposts.outpost\n"
        "  identifiers: {managed: goauthentik.io/outposts/embedded}\n"
        "  attrs: {providers: [!KeyOf provider-a]}\n"
        "- model: authentik_providers_proxy.proxyprovider\n"
        "  id: provider-a\n"
        "  identifiers: {name: Provider for A}\n"
    )
    with pytest.raises(AssertionError, match="names no earlier entry"):
        load_blueprint(forward_reference)
