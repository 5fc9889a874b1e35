"""``PUT /core/transactional/applications/``: all or nothing, create-only, on every release."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from provision.testing.fake_authentik import AUTHENTIK_VERSIONS, FakeAuthentik
from provision.testing.fake_authentik.recording import DROPPED
from tests.fake.conftest import ProviderBody

TRANSACTIONAL = "/api/v3/core/transactional/applications/"
MISSING_GROUP = "00000000-0000-4000-8000-000000000000"
pytestmark = pytest.mark.parametrize("authentik_version", AUTHENTIK_VERSIONS, indirect=True)


def _body(provider_body: ProviderBody, group: str | None, **app: Any) -> dict[str, Any]:
    return {
        "app": {
            "name": "Grafana",
            "slug": "grafana",
            "meta_publisher": "authentik-provision",
            **app,
        },
        "provider_model": "authentik_providers_proxy.proxyprovider",
        "provider": provider_body("Provider for grafana", "grafana.example.test"),
        "policy_bindings": [{"group": group, "order": 0}] if group else [],
    }


def _nothing_created(fake: FakeAuthentik) -> None:
    assert fake.state.applications() == []
    assert fake.state.proxy_providers() == []
    assert fake.state.policy_bindings() == []


@pytest.fixture
def group(fake: FakeAuthentik) -> str:
    return str(fake.state.add_group("media")["pk"])


def test_creates_provider_application_and_bindings(
    fake: FakeAuthentik, api: requests.Session, provider_body: ProviderBody, group: str
) -> None:
    answer = api.put(fake.url + TRANSACTIONAL, json=_body(provider_body, group))
    assert (answer.status_code, answer.json()) == (200, {"applied": True, "logs": []})
    [provider] = fake.state.proxy_providers()
    [application] = fake.state.applications()
    [binding] = fake.state.policy_bindings()
    assert (provider["name"], provider["mode"]) == ("Provider for grafana", "forward_single")
    assert (application["slug"], application["provider"]) == ("grafana", provider["pk"])
    assert application["meta_publisher"] == "authentik-provision"
    assert (binding["target"], binding["group"], binding["order"]) == (application["pk"], group, 0)
    assert [(w.method, w.path, w.status) for w in fake.writes()] == [("PUT", TRANSACTIONAL, 200)]


def test_is_create_only(
    fake: FakeAuthentik, api: requests.Session, provider_body: ProviderBody, group: str
) -> None:
    assert api.put(fake.url + TRANSACTIONAL, json=_body(provider_body, group)).status_code == 200
    again = api.put(fake.url + TRANSACTIONAL, json=_body(provider_body, group))
    expected = {"app": {"slug": ["Application with this slug already exists."]}}
    assert (again.status_code, again.json()) == (400, expected)
    assert len(fake.state.proxy_providers()) == 1
    assert len(fake.state.policy_bindings()) == 1


def test_a_bad_binding_group_creates_nothing(
    fake: FakeAuthentik, api: requests.Session, provider_body: ProviderBody
) -> None:
    body = _body(provider_body, None)
    body["policy_bindings"] = [{"group": MISSING_GROUP, "order": 0}]
    answer = api.put(fake.url + TRANSACTIONAL, json=body)
    message = f'Invalid pk "{MISSING_GROUP}" - object does not exist.'
    assert (answer.status_code, answer.json()) == (400, {"policy_bindings": [{"group": [message]}]})
    _nothing_created(fake)


def test_a_bad_provider_creates_nothing(
    fake: FakeAuthentik, api: requests.Session, provider_body: ProviderBody, group: str
) -> None:
    body = _body(provider_body, group)
    del body["provider"]["external_host"]
    answer = api.put(fake.url + TRANSACTIONAL, json=body)
    expected = {"provider": {"external_host": ["This field is required."]}}
    assert (answer.status_code, answer.json()) == (400, expected)
    _nothing_created(fake)


def test_application_errors_come_first(
    fake: FakeAuthentik, api: requests.Session, provider_body: ProviderBody, group: str
) -> None:
    body = _body(provider_body, group, slug="Bad Slug")
    del body["provider"]["external_host"]
    answer = api.put(fake.url + TRANSACTIONAL, json=body)
    assert (answer.status_code, list(answer.json())) == (400, ["app"])
    assert list(answer.json()["app"]) == ["slug"]
    _nothing_created(fake)


def test_icon_follows_the_release(
    fake: FakeAuthentik,
    api: requests.Session,
    provider_body: ProviderBody,
    group: str,
    authentik_version: str,
) -> None:
    url = "https://icons.example.test/grafana.png"
    body = _body(provider_body, group, meta_icon=url)
    assert api.put(fake.url + TRANSACTIONAL, json=body).status_code == 200
    [application] = fake.state.applications()
    assert application["meta_icon"] == (url if fake.version.icon_in_body else None)


def test_a_failure_before_applying_leaves_nothing(
    fake: FakeAuthentik, api: requests.Session, provider_body: ProviderBody, group: str
) -> None:
    fake.fail("PUT", f"^{TRANSACTIONAL}$", status=500)
    assert api.put(fake.url + TRANSACTIONAL, json=_body(provider_body, group)).status_code == 500
    _nothing_created(fake)


def test_a_drop_after_applying_leaves_everything(
    fake: FakeAuthentik, api: requests.Session, provider_body: ProviderBody, group: str
) -> None:
    fake.fail("PUT", f"^{TRANSACTIONAL}$", drop=True, after=True)
    with pytest.raises(requests.ConnectionError):
        api.put(fake.url + TRANSACTIONAL, json=_body(provider_body, group))
    assert [a["slug"] for a in fake.state.applications()] == ["grafana"]
    assert len(fake.state.policy_bindings()) == 1
    assert [w.status for w in fake.writes()] == [DROPPED]
