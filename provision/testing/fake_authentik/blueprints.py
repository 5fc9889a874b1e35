"""Blueprints: YAML with ``!Find``, ``!KeyOf`` and ``!Context``, applied as the API saves.

Entries of the models forward auth needs are supported (proxy provider, application, outpost,
policy binding, group). Identifiers select the object to update (all must match) or, when
none matches, the identifiers and attrs together create it. As transcript 08b shows, an
outpost's ``providers`` replaces its whole list.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from .api_applications import delete_application, save_application
from .api_groups import delete_group, save_group
from .api_outposts import save_outpost
from .api_policies import save_policy_binding
from .api_providers import delete_proxy_provider, save_proxy_provider
from .events import ImportEvents
from .fields import Errors
from .store import Record, Store

Save = Callable[[Store, Record | None, Mapping[str, Any], bool], tuple[Record | None, Errors]]


@dataclass(frozen=True)
class Find:
    """``!Find [model, [field, value], ...]``: the pk of the object matching every pair."""

    model: str
    pairs: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class KeyOf:
    """``!KeyOf id``: the pk of the object an earlier entry with that ``id`` saved."""

    id: str


@dataclass(frozen=True)
class Context:
    """``!Context key``: a value of the blueprint's ``context``, which an import may override."""

    key: str


class BlueprintLoader(yaml.SafeLoader):
    """A safe YAML loader that knows Authentik's blueprint tags."""


def _construct_find(loader: yaml.SafeLoader, node: yaml.Node) -> Find:
    assert isinstance(node, yaml.SequenceNode)  # noqa: S101 - the YAML tag is a list
    model, *pairs = loader.construct_sequence(node, deep=True)
    return Find(str(model), tuple((str(p[0]), p[1]) for p in pairs))


def _construct_key_of(loader: yaml.SafeLoader, node: yaml.Node) -> KeyOf:
    assert isinstance(node, yaml.ScalarNode)  # noqa: S101 - the YAML tag is a scalar
    return KeyOf(str(loader.construct_scalar(node)))


def _construct_context(loader: yaml.SafeLoader, node: yaml.Node) -> Context:
    assert isinstance(node, yaml.ScalarNode)  # noqa: S101 - the YAML tag is a scalar
    return Context(str(loader.construct_scalar(node)))


BlueprintLoader.add_constructor("!Find", _construct_find)
BlueprintLoader.add_constructor("!KeyOf", _construct_key_of)
BlueprintLoader.add_constructor("!Context", _construct_context)


def with_context(value: Any, context: Mapping[str, Any]) -> Any:
    """``value`` with every ``!Context`` replaced by its value in ``context``."""
    if isinstance(value, Context):
        return context.get(value.key)
    if isinstance(value, dict):
        return {k: with_context(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [with_context(v, context) for v in value]
    return value


@dataclass(frozen=True)
class Model:
    """How blueprints reach one kind of object."""

    app: str
    model_name: str
    table: Callable[[Store], dict[Any, Record]]
    save: Save | None = None
    delete: Callable[[Store, Record], None] | None = None


def _saver(function: Any) -> Save:
    return lambda store, instance, data, partial: function(store, instance, data, partial=partial)


def _drop(table: Callable[[Store], dict[Any, Record]]) -> Callable[[Store, Record], None]:
    def delete(store: Store, record: Record) -> None:
        del table(store)[record["pk"]]
        store.forget_application_lists()

    return delete


MODELS: dict[str, Model] = {
    "authentik_providers_proxy.proxyprovider": Model(
        "authentik_providers_proxy",
        "proxyprovider",
        lambda s: s.providers,
        _saver(save_proxy_provider),
        delete_proxy_provider,
    ),
    "authentik_core.application": Model(
        "authentik_core",
        "application",
        lambda s: s.applications,
        _saver(save_application),
        delete_application,
    ),
    "authentik_outposts.outpost": Model(
        "authentik_outposts", "outpost", lambda s: s.outposts, _saver(save_outpost)
    ),
    "authentik_policies.policybinding": Model(
        "authentik_policies",
        "policybinding",
        lambda s: s.bindings,
        _saver(save_policy_binding),
        _drop(lambda s: s.bindings),
    ),
    "authentik_core.group": Model(
        "authentik_core", "group", lambda s: s.groups, _saver(save_group), delete_group
    ),
    "authentik_flows.flow": Model("authentik_flows", "flow", lambda s: s.flows),
    "authentik_core.user": Model("authentik_core", "user", lambda s: s.users),
}


def load(content: str) -> tuple[dict[str, Any] | None, str]:
    """The parsed blueprint, or None and why it could not be read."""
    try:
        document = yaml.load(content, Loader=BlueprintLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        return None, f"Failed to load blueprint: {exc}"
    if not isinstance(document, dict) or not isinstance(document.get("entries", []), list):
        return None, "Failed to load blueprint: not a blueprint document"
    return document, ""


def _matches(record: Record, pairs: Mapping[str, Any] | tuple[tuple[str, Any], ...]) -> bool:
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return all(str(record.get(field)) == str(value) for field, value in items)


def resolve(store: Store, value: Any, ids: Mapping[str, Any], problems: list[str]) -> Any:
    """``value`` with every tag replaced by the primary key it names."""
    if isinstance(value, Find):
        model = MODELS.get(value.model)
        records = model.table(store).values() if model else []
        found = next((r for r in records if _matches(r, value.pairs)), None)
        return found["pk"] if found else None
    if isinstance(value, KeyOf):
        if value.id not in ids:
            problems.append(
                f"KeyOf: failed to find entry with `id` of `{value.id}` and a model instance"
            )
        return ids.get(value.id)
    if isinstance(value, dict):
        return {k: resolve(store, v, ids, problems) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(store, v, ids, problems) for v in value]
    return value


@dataclass
class Run:
    """One application of a blueprint: the store it changes and what it logged."""

    store: Store
    events: ImportEvents
    logs: list[Record]
    ids: dict[str, Any]

    def apply_entry(self, entry: Mapping[str, Any]) -> str:
        """Apply one entry; an error message when it is invalid, else ''."""
        model = MODELS.get(str(entry.get("model")))
        if model is None or model.save is None:
            return f"Model {entry.get('model')} not allowed"
        problems: list[str] = []
        identifiers = resolve(self.store, entry.get("identifiers") or {}, self.ids, problems)
        attrs = resolve(self.store, entry.get("attrs") or {}, self.ids, problems)
        if problems:
            return problems[0]
        existing = next(
            (r for r in model.table(self.store).values() if _matches(r, identifiers)), None
        )
        state = entry.get("state", "present")
        if state == "absent":
            if existing is not None and model.delete is not None:
                model.delete(self.store, existing)
            return ""
        if state == "created" and existing is not None:
            record: Record | None = existing
        else:
            data = {**identifiers, **attrs}
            record, errors = model.save(self.store, existing, data, existing is not None)
            if record is None:
                return f"Serializer errors {errors!r}"
            action = "model_updated" if existing is not None else "model_created"
            self.logs.append(self.events.saved(action, f"{model.app}.{model.model_name}", record))
        if entry.get("id") is not None and record is not None:
            self.ids[str(entry["id"])] = record["pk"]
        return ""


def entry_summary(entry: Mapping[str, Any]) -> Record:
    """An entry as the importer logs it."""

    def plain(value: Any) -> Any:
        if isinstance(value, Find):
            return [value.model, *[list(p) for p in value.pairs]]
        if isinstance(value, KeyOf):
            return value.id
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return {
        "model": entry.get("model"),
        "state": entry.get("state", "present"),
        "conditions": plain(entry.get("conditions", [])),
        "identifiers": plain(entry.get("identifiers") or {}),
        "attrs": plain(entry.get("attrs") or {}),
        "permissions": plain(entry.get("permissions", [])),
        "id": entry.get("id"),
        "_state": {"instance": None},
    }


def apply(
    store: Store, document: Mapping[str, Any], events: ImportEvents
) -> tuple[bool, list[Record]]:
    """Apply every entry in order, stopping at the first invalid one; (success, logs).

    On failure ``store`` may hold the entries before the bad one, so callers validate on a
    copy first.
    """
    run = Run(store, events, [], {})
    for entry in document.get("entries") or []:
        if not isinstance(entry, dict):
            run.logs.append(events.invalid({"model": None}, "Entry is not a mapping"))
            return False, run.logs
        problem = run.apply_entry(entry)
        if problem:
            run.logs.append(events.invalid(entry_summary(entry), problem))
            return False, run.logs
    return True, run.logs


def validate(
    store: Store, content: str, events: ImportEvents, context: Mapping[str, Any] | None = None
) -> tuple[bool, list[Record], dict[str, Any] | None]:
    """Try ``content`` on a copy of ``store``: (valid, logs, parsed document or None).

    ``context`` overrides the blueprint's own ``context`` for its ``!Context`` tags.
    """
    document, problem = load(content)
    if document is None:
        return False, [events.failed(problem)], None
    document = with_context(document, {**(document.get("context") or {}), **(context or {})})
    valid, logs = apply(copy.deepcopy(store), document, events)
    if not valid:
        logs.append(events.failed("Blueprint validation failed"))
    return valid, logs, document


def import_content(
    store: Store, content: str, events: ImportEvents, context: Mapping[str, Any] | None = None
) -> tuple[bool, list[Record]]:
    """Validate, then apply for real; the logs are those of the validation, as Authentik's."""
    valid, logs, document = validate(store, content, events, context)
    if valid and document is not None:
        apply(store, document, events)
    return valid, logs
