"""The fake's request-body tables against Authentik's OpenAPI schema, and their messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from provision.testing.fake_authentik.fields import ErrorDetail, Field, messages, read_body
from provision.testing.fake_authentik.rules import (
    APPLICATION,
    OUTPOST,
    POLICY_BINDING,
    PROXY_PROVIDER,
    REQUEST_MODELS,
)

SCHEMA = Path(__file__).parents[2].parent / "shared" / "authentik-api" / "schema.yml"
FLOW = "780cccc8-be22-4ef7-9516-d0635cfc8160"


@pytest.fixture(scope="module")
def components() -> dict[str, Any]:
    assert SCHEMA.is_file(), f"{SCHEMA} is missing"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SCHEMA.open(encoding="utf-8") as stream:
        document = yaml.load(stream, Loader=loader)  # noqa: S506 - a safe loader
    schemas: dict[str, Any] = document["components"]["schemas"]
    return schemas


def _resolved(prop: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """A property with ``$ref`` / ``allOf: [$ref]`` (how enums are declared) inlined."""
    refs = [prop, *prop.get("allOf", [])]
    merged = {k: v for k, v in prop.items() if k not in ("allOf", "$ref")}
    for item in refs:
        if "$ref" in item:
            merged = {**components[item["$ref"].rsplit("/", 1)[1]], **merged}
    return merged


def _schema_view(prop: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    prop = _resolved(prop, components)
    view = {
        "type": prop["type"],
        "format": prop.get("format"),
        "nullable": prop.get("nullable", False),
        "enum": tuple(prop["enum"]) if "enum" in prop else None,
        "min_length": prop.get("minLength"),
        "max_length": prop.get("maxLength"),
        "pattern": prop.get("pattern"),
        "minimum": prop.get("minimum"),
        "maximum": prop.get("maximum"),
    }
    if "items" in prop:
        view["items"] = _schema_view(prop["items"], components)
    return view


def _table_view(field: Field) -> dict[str, Any]:
    view = {
        "type": field.type,
        "format": field.format,
        "nullable": field.nullable,
        "enum": field.enum,
        "min_length": field.min_length,
        "max_length": field.max_length,
        "pattern": field.pattern,
        "minimum": field.minimum,
        "maximum": field.maximum,
    }
    if field.items is not None:
        view["items"] = _table_view(field.items)
    return view


@pytest.mark.parametrize("model", sorted(REQUEST_MODELS))
def test_table_matches_the_schema(model: str, components: dict[str, Any]) -> None:
    schema = components[model]
    properties = {
        name: prop for name, prop in schema["properties"].items() if not prop.get("readOnly")
    }
    table = REQUEST_MODELS[model]
    assert set(table) == set(properties)
    assert sorted(n for n, f in table.items() if f.required) == sorted(schema.get("required", []))
    for name, field in table.items():
        assert _table_view(field) == _schema_view(properties[name], components), name


def test_patched_models_require_nothing() -> None:
    for model, table in REQUEST_MODELS.items():
        if model.startswith("Patched"):
            assert not any(field.required for field in table.values()), model


def _everything_exists(relation: str, pk: Any) -> bool:
    return pk not in {999999, "00000000-0000-0000-0000-000000000000"}


def _errors(table: dict[str, Field], body: dict[str, Any], partial: bool = True) -> Any:
    _, errors = read_body(table, body, partial=partial, exists=_everything_exists)
    return messages(errors)


UUID_MESSAGE = "\u201cdefault-provider-invalidation-flow\u201d is not a valid UUID."


@pytest.mark.parametrize(
    ("table", "body", "expected"),
    [
        (PROXY_PROVIDER, {"name": ""}, {"name": ["This field may not be blank."]}),
        (PROXY_PROVIDER, {"name": True}, {"name": ["Not a valid string."]}),
        (PROXY_PROVIDER, {"name": 12}, {}),
        (PROXY_PROVIDER, {"mode": "bogus"}, {"mode": ['"bogus" is not a valid choice.']}),
        (PROXY_PROVIDER, {"mode": ""}, {"mode": ['"" is not a valid choice.']}),
        (PROXY_PROVIDER, {"external_host": "not a url"}, {"external_host": ["Enter a valid URL."]}),
        (
            PROXY_PROVIDER,
            {"external_host": "ftp://x.test"},
            {"external_host": ["Enter a valid URL."]},
        ),
        (
            PROXY_PROVIDER,
            {"external_host": "https://app"},
            {"external_host": ["Enter a valid URL."]},
        ),
        (PROXY_PROVIDER, {"external_host": "https://a.home.example.com/"}, {}),
        (PROXY_PROVIDER, {"external_host": "https://localhost:9443"}, {}),
        (PROXY_PROVIDER, {"internal_host": "http://10.255.255.1:8080"}, {}),
        (PROXY_PROVIDER, {"internal_host": "http://[::1]:9000/x"}, {}),
        (PROXY_PROVIDER, {"internal_host": ""}, {}),
        (
            PROXY_PROVIDER,
            {"invalidation_flow": None},
            {"invalidation_flow": ["This field may not be null."]},
        ),
        (
            PROXY_PROVIDER,
            {"invalidation_flow": "default-provider-invalidation-flow"},
            {"invalidation_flow": [UUID_MESSAGE]},
        ),
        (
            PROXY_PROVIDER,
            {"authorization_flow": "00000000-0000-0000-0000-000000000000"},
            {
                "authorization_flow": [
                    'Invalid pk "00000000-0000-0000-0000-000000000000" - object does not exist.'
                ]
            },
        ),
        (PROXY_PROVIDER, {"authentication_flow": None, "certificate": None}, {}),
        (
            PROXY_PROVIDER,
            {"basic_auth_enabled": "maybe"},
            {"basic_auth_enabled": ["Must be a valid boolean."]},
        ),
        (PROXY_PROVIDER, {"basic_auth_enabled": "true", "intercept_header_auth": 0}, {}),
        (
            PROXY_PROVIDER,
            {"access_token_validity": "24h"},
            {"access_token_validity": ["24h is not in the correct format of 'hours=3;minutes=1'."]},
        ),
        (PROXY_PROVIDER, {"access_token_validity": "hours=3;minutes=1"}, {}),
        (
            PROXY_PROVIDER,
            {"property_mappings": "x"},
            {"property_mappings": ['Expected a list of items but got type "str".']},
        ),
        (PROXY_PROVIDER, {"outpost_set": ["x"], "client_id": "mine"}, {}),
        (
            APPLICATION,
            {"slug": "Bad Slug!"},
            {
                "slug": [
                    'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'
                ]
            },
        ),
        (
            APPLICATION,
            {"slug": "authorize"},
            {"slug": ["The slug 'authorize' is reserved and cannot be used for applications."]},
        ),
        (
            APPLICATION,
            {"slug": "x" * 51},
            {"slug": ["Ensure this field has no more than 50 characters."]},
        ),
        (APPLICATION, {"slug": "UPPER-slug"}, {}),
        (
            APPLICATION,
            {"provider": 999999},
            {"provider": ['Invalid pk "999999" - object does not exist.']},
        ),
        (
            APPLICATION,
            {"provider": "abc"},
            {"provider": ["Incorrect type. Expected pk value, received str."]},
        ),
        (APPLICATION, {"provider": None, "meta_launch_url": ""}, {}),
        (
            APPLICATION,
            {"policy_engine_mode": "some"},
            {"policy_engine_mode": ['"some" is not a valid choice.']},
        ),
        (APPLICATION, {"meta_launch_url": "ftp://files.example.test/"}, {}),
        (
            OUTPOST,
            {"providers": ["abc"]},
            {"providers": ["Incorrect type. Expected pk value, received str."]},
        ),
        (
            OUTPOST,
            {"providers": [5, 999999]},
            {"providers": ['Invalid pk "999999" - object does not exist.']},
        ),
        (
            OUTPOST,
            {"config": "x"},
            {"config": ['Expected a dictionary of items but got type "str".']},
        ),
        (POLICY_BINDING, {"order": "x"}, {"order": ["A valid integer is required."]}),
        (
            POLICY_BINDING,
            {"order": "5", "timeout": -1},
            {"timeout": ["Ensure this value is greater than or equal to 0."]},
        ),
    ],
)
def test_field_messages(table: dict[str, Field], body: dict[str, Any], expected: Any) -> None:
    assert _errors(table, body) == expected


def test_required_fields_only_when_not_partial() -> None:
    assert _errors(PROXY_PROVIDER, {}, partial=False) == {
        name: ["This field is required."]
        for name in ("name", "authorization_flow", "invalidation_flow", "external_host")
    }
    assert _errors(PROXY_PROVIDER, {}, partial=True) == {}


def test_values_are_converted_like_drf() -> None:
    data, errors = read_body(
        PROXY_PROVIDER | APPLICATION,
        {
            "name": "  padded  ",
            "basic_auth_enabled": "yes",
            "provider": "5",
            "authorization_flow": FLOW.upper(),
        },
        partial=True,
        exists=_everything_exists,
    )
    assert errors == {}
    assert data == {
        "name": "padded",
        "basic_auth_enabled": True,
        "provider": 5,
        "authorization_flow": FLOW,
    }


def test_error_detail_repr_is_drfs() -> None:
    detail = ErrorDetail('Enter a valid "slug".', "invalid")
    assert repr({"slug": [detail]}) == (
        "{'slug': [ErrorDetail(string='Enter a valid \"slug\".', code='invalid')]}"
    )
