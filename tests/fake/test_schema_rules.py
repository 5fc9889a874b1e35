"""The fake's request-body tables against the official ``authentik-client`` models, and messages.

``authentik-client`` is generated from Authentik's OpenAPI schema for each release; its pydantic
request models say which fields are required, their types, lengths, patterns and nullability.
The newest release's package is the test extra's; 2025.10.3's is installed by ``scripts/test``
into ``.venv/authentik-client-2025.10.3``. Each release's models are read in a subprocess with
that package first on ``sys.path`` (``client_models.py``).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from provision.testing.fake_authentik import AUTHENTIK_VERSIONS, NEWEST
from provision.testing.fake_authentik.fields import ErrorDetail, Field, messages, read_body
from provision.testing.fake_authentik.rules import (
    APPLICATION,
    OUTPOST,
    POLICY_BINDING,
    PROXY_PROVIDER,
    request_rules,
)
from provision.testing.fake_authentik.versions import authentik_version

READER = Path(__file__).with_name("client_models.py")
FLOW = "780cccc8-be22-4ef7-9516-d0635cfc8160"
# Formats the client's models carry as Python types; the others (uri, email) the fake checks
# from the recordings.
TYPED_FORMATS = ("uuid", "date-time")


# A development build has no client of its own: the first release of its line stands in.
CLIENT_RELEASE = {"2026.8.0-rc1": "2026.8.0"}


def client_directory(version: str) -> str:
    """Where a release's ``authentik_client`` package is (``-``: the venv's own)."""
    if version == NEWEST:
        return "-"
    release = CLIENT_RELEASE.get(version, version)
    directory = Path(sys.prefix) / f"authentik-client-{release}"
    assert directory.is_dir(), (
        f"{directory} is missing: ./scripts/test installs authentik-client=={release} there"
    )
    return str(directory)


@functools.cache
def client_models(version: str) -> dict[str, Any]:
    models = sorted(request_rules(authentik_version(version)).models())
    done = subprocess.run(
        [sys.executable, str(READER), client_directory(version), *models],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    release = CLIENT_RELEASE.get(version, version)
    expected_package = f"authentik-client-{release}" if version != NEWEST else "site-packages"
    assert expected_package in answer.pop("file")
    return answer


def _view(field: Field) -> dict[str, Any]:
    view = {
        "type": field.type,
        "format": field.format if field.format in TYPED_FORMATS else None,
        "enum": list(field.enum) if field.enum is not None else None,
        "min_length": field.min_length,
        "max_length": field.max_length,
        "pattern": field.pattern,
        "minimum": field.minimum,
        "maximum": field.maximum,
    }
    if field.items is not None:
        view["items"] = _view(field.items)
    return view


def _client_view(prop: dict[str, Any]) -> dict[str, Any]:
    view = {
        key: prop.get(key)
        for key in ("type", "format", "enum", "min_length", "max_length", "pattern")
    }
    view |= {"minimum": prop.get("minimum"), "maximum": prop.get("maximum")}
    if "items" in prop:
        view["items"] = _client_view(prop["items"])
    return view


def differences(table: dict[str, Field], model: dict[str, Any]) -> list[str]:
    """How a fake table differs from a client model: fields, required, nullable, each view."""
    problems = []
    if set(table) != set(model):
        fake_only, client_only = sorted(set(table) - set(model)), sorted(set(model) - set(table))
        problems.append(f"fields: only the fake {fake_only}, only the client {client_only}")
    for name in sorted(set(table) & set(model)):
        field, prop = table[name], model[name]
        if field.required != prop["required"]:
            problems.append(f"{name}: required {field.required} != {prop['required']}")
        if field.nullable != prop["nullable"]:
            problems.append(f"{name}: nullable {field.nullable} != {prop['nullable']}")
        if _view(field) != _client_view(prop):
            problems.append(f"{name}: {_view(field)} != {_client_view(prop)}")
    return problems


CASES = [
    (version, model)
    for version in AUTHENTIK_VERSIONS
    for model in sorted(request_rules(authentik_version(version)).models())
]


@pytest.mark.parametrize(("version", "model"), CASES, ids=[f"{v}-{m}" for v, m in CASES])
def test_table_matches_the_client_model(version: str, model: str) -> None:
    table = request_rules(authentik_version(version)).models()[model]
    assert differences(table, client_models(version)[model]) == []


@pytest.mark.parametrize("version", AUTHENTIK_VERSIONS)
def test_a_wrong_table_is_caught(version: str) -> None:
    """The comparison can fail: a length, a required flag and a missing field are each found."""
    rules = request_rules(authentik_version(version))
    model = client_models(version)["ApplicationRequest"]
    table = dict(rules.application)
    table["name"] = dataclasses.replace(table["name"], max_length=49)
    table["group"] = dataclasses.replace(table["group"], required=True)
    del table["meta_publisher"]
    found = differences(table, model)
    assert any(
        p.startswith("fields: only the fake [], only the client ['meta_publisher']") for p in found
    )
    assert any(p.startswith("group: required True != False") for p in found)
    assert any(p.startswith("name: ") and "'max_length': 49" in p for p in found)


def test_the_releases_differ_where_recorded() -> None:
    old, new = client_models("2025.10.3"), client_models("2026.2.2")
    assert old["ApplicationRequest"]["slug"].get("max_length") == 50
    assert new["ApplicationRequest"]["slug"].get("max_length") is None
    assert "meta_icon" in new["ApplicationRequest"] and "meta_icon" not in old["ApplicationRequest"]
    assert "parents" in new["GroupRequest"] and "parent" in old["GroupRequest"]


def test_patched_models_require_nothing() -> None:
    for version in AUTHENTIK_VERSIONS:
        for model, table in request_rules(authentik_version(version)).models().items():
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
