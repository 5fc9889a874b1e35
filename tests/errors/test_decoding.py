"""Decoding Authentik's objects: lenient about extra fields, a typed error for broken ones."""

from __future__ import annotations

from typing import Any

import pytest

from provision.errors import MalformedAnswerError
from provision.model import (
    parse_application,
    parse_outpost,
    parse_policy_binding,
    parse_proxy_provider,
)
from provision.observe import observe
from provision.versions import VersionProfile, newest_profile

PROVIDER = {
    "pk": 1,
    "name": "Provider for A",
    "mode": "forward_single",
    "external_host": "https://a.example.com",
}
APPLICATION = {"pk": "u-1", "slug": "a", "name": "A", "provider": 1}
OUTPOST = {"pk": "o-1", "name": "embedded", "providers": [1]}

BROKEN: dict[str, tuple[Any, Any, str]] = {
    "provider without name": (parse_proxy_provider, {"pk": 1}, "/api/v3/providers/proxy/"),
    "provider pk not a number": (
        parse_proxy_provider,
        {**PROVIDER, "pk": "x"},
        "/api/v3/providers/proxy/",
    ),
    "application without slug": (
        parse_application,
        {"pk": "u", "name": "A"},
        "/api/v3/core/applications/",
    ),
    "application provider a list": (
        parse_application,
        {**APPLICATION, "provider": [1]},
        "/api/v3/core/applications/",
    ),
    "binding without target": (
        parse_policy_binding,
        {"pk": "b", "group": "g"},
        "/api/v3/policies/bindings/",
    ),
    "outpost providers not numbers": (
        parse_outpost,
        {**OUTPOST, "providers": ["x"]},
        "/api/v3/outposts/instances/",
    ),
    "outpost a string": (parse_outpost, "embedded", "/api/v3/outposts/instances/"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_object_names_its_endpoint(case: str) -> None:
    parse, data, endpoint = BROKEN[case]
    with pytest.raises(MalformedAnswerError) as caught:
        parse(data)
    assert str(caught.value).startswith(f"GET {endpoint}: an object ")
    assert caught.value.exit_code == 65


def test_extra_fields_are_ignored() -> None:
    future = {"new_field": {"nested": [1]}, "another": None}
    assert parse_proxy_provider({**PROVIDER, **future}).name == "Provider for A"
    assert parse_application({**APPLICATION, **future}).provider == 1
    assert parse_outpost({**OUTPOST, **future}).providers == frozenset({1})


class _Reader:
    """Authentik answering an application without its slug."""

    def version_profile(self) -> VersionProfile:
        return newest_profile()

    def list_flows(self) -> list[dict[str, Any]]:
        return []

    def list_groups(self) -> list[dict[str, Any]]:
        return []

    def list_proxy_providers(self) -> list[dict[str, Any]]:
        return [PROVIDER]

    def list_applications(self) -> list[dict[str, Any]]:
        return [{"pk": "u-1", "name": "A"}]

    def list_policy_bindings(self, target: str | None = None) -> list[dict[str, Any]]:
        return []

    def find_outpost(self, managed: str) -> dict[str, Any] | None:
        return OUTPOST


def test_observe_turns_a_broken_answer_into_a_typed_error() -> None:
    with pytest.raises(MalformedAnswerError, match="lacks the field 'slug'"):
        observe(_Reader(), "goauthentik.io/outposts/embedded")
