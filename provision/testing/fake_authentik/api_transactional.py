"""``PUT /core/transactional/applications/`` (transcript 11): provider, app and bindings at once.

Authentik turns the body into a blueprint of entries that must all be created, validates it
as a whole and applies it in one database transaction: either everything exists afterwards
or nothing does. The ``app`` and ``policy_bindings`` parts are checked first, field by field
(so an existing slug is reported before anything else); the ``provider`` part only when
those passed. Errors come back nested under the part they concern.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .api_applications import application_problems, save_application
from .api_policies import binding_problems, save_policy_binding
from .api_providers import provider_problems, save_proxy_provider
from .fields import ErrorDetail, Errors, messages
from .routing import ApiRequest, ApiResponse, Route, body_object, ok, route
from .store import Store

PROXY_PROVIDER_MODEL = "authentik_providers_proxy.proxyprovider"
REQUIRED = "This field is required."
Problems = dict[str, Any]


def _part(body: Mapping[str, Any], name: str, problems: Problems) -> dict[str, Any]:
    """One object part of the body; a missing or mistyped part is noted in ``problems``."""
    value = body.get(name)
    if name not in body:
        problems[name] = [REQUIRED]
    elif not isinstance(value, dict):
        kind = type(value).__name__
        problems[name] = {
            "non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]
        }
    return value if isinstance(value, dict) else {}


def _bindings(store: Store, body: Mapping[str, Any], problems: Problems) -> list[dict[str, Any]]:
    bindings = body.get("policy_bindings", [])
    if not isinstance(bindings, list):
        kind = type(bindings).__name__
        problems["policy_bindings"] = {
            "non_field_errors": [f'Expected a list of items but got type "{kind}".']
        }
        return []
    found: list[Errors] = []
    for binding in bindings:
        if isinstance(binding, dict):
            found.append(binding_problems(store, binding))
        else:
            message = f"Invalid data. Expected a dictionary, but got {type(binding).__name__}."
            found.append({"non_field_errors": [ErrorDetail(message, "invalid")]})
    if any(found):
        problems["policy_bindings"] = [messages(f) if f else {} for f in found]
    return [b for b in bindings if isinstance(b, dict)]


def _field_problems(store: Store, body: Mapping[str, Any]) -> tuple[Problems, dict[str, Any]]:
    """The serializer's own fields: ``app``, ``provider_model``, ``policy_bindings``."""
    problems: Problems = {}
    app = _part(body, "app", problems)
    if app and "app" not in problems:
        errors = application_problems(store, {k: v for k, v in app.items() if k != "provider"})
        if errors:
            problems["app"] = messages(errors)
    model = body.get("provider_model")
    if "provider_model" not in body:
        problems["provider_model"] = [REQUIRED]
    elif model != PROXY_PROVIDER_MODEL:
        problems["provider_model"] = [f'"{model}" is not a valid choice.']
    _part(body, "provider", problems)
    _bindings(store, body, problems)
    return problems, app


def apply_transaction(store: Store, request: ApiRequest) -> ApiResponse:
    body, problem = body_object(request)
    if problem is not None:
        return problem
    problems, app = _field_problems(store, body)
    if problems:
        return ApiResponse(400, problems)
    provider_body = body["provider"]
    provider_errors = provider_problems(store, provider_body)
    if provider_errors:
        return ApiResponse(400, {"provider": messages(provider_errors)})
    # Everything was validated above: the saves below cannot be refused.
    provider, _ = save_proxy_provider(store, None, provider_body, partial=False)
    assert provider is not None  # noqa: S101 - validated above
    application, _ = save_application(
        store, None, {**app, "provider": provider["pk"]}, partial=False
    )
    assert application is not None  # noqa: S101 - validated above
    for binding in body.get("policy_bindings", []):
        save_policy_binding(store, None, {**binding, "target": application["pk"]}, partial=False)
    return ok({"applied": True, "logs": []})


ROUTES: list[Route] = [
    route("/core/transactional/applications/", {"PUT": apply_transaction}, ("PUT",)),
]
