"""An Authentik blueprint with the same end state as ``provision sync`` (docs/objects.md).

Flows and groups are referenced with ``!Find`` and objects of the blueprint itself with
``!KeyOf``, so the file holds no primary keys and applies to any Authentik instance.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import yaml

from provision import versions
from provision.fields import ApplicationFields, ProviderFields
from provision.model import DesiredApp, DesiredState
from provision.settings import Settings

log = logging.getLogger(__name__)

PROXY_PROVIDER = "authentik_providers_proxy.proxyprovider"
APPLICATION = "authentik_core.application"
POLICY_BINDING = "authentik_policies.policybinding"
OUTPOST = "authentik_outposts.outpost"
FLOW = "authentik_flows.flow"
GROUP = "authentik_core.group"

_HEADER = """\
# Authentik blueprint rendered by `provision render blueprint`; edit provision.yaml instead.
#
"""


def _import_hint() -> str:
    """Where each release line imports a blueprint file in one shot (``blueprint_import``)."""
    lines: list[str] = []
    profiles = versions.PROFILES  # read when rendering, as profile_for reads it
    for index, (first, profile) in enumerate(profiles):
        if index and profile.blueprint_import == profiles[index - 1][1].blueprint_import:
            continue
        lines.append(f"#   from {first[0]}.{first[1]}: POST {profile.blueprint_import}\n")
    return "# Import it in one shot (multipart field `file`):\n" + "".join(lines) + "#\n"


_OUTPOST_CAUTION = """\
# CAUTION: the authentik_outposts.outpost entry at the end REPLACES the embedded outpost's
# whole provider list with the providers below. Any other provider bound to that outpost
# (added by hand or by another blueprint) is unbound when this blueprint is applied. The API
# sync (`provision sync`) merges into the list instead, which is why it is the default path.
"""
_NO_OUTPOST_ENTRY = """\
# No host is declared, so there is no outpost entry: its provider list would be empty and
# would unbind every provider from the embedded outpost.
"""


@dataclass(frozen=True)
class Find:
    """``!Find [model, [field, value]]``: the pk of an existing object, looked up on import."""

    model: str
    field: str
    value: str


@dataclass(frozen=True)
class KeyOf:
    """``!KeyOf id``: the pk of the object created by the entry with that ``id``."""

    entry_id: str


FIND_TAG = "!Find"
KEY_OF_TAG = "!KeyOf"
# Long values stay on one line instead of being folded, so each field can be found with grep.
YAML_WIDTH = 4096


class BlueprintDumper(yaml.SafeDumper):
    """A SafeDumper that writes Authentik's ``!Find`` and ``!KeyOf`` tags."""

    def choose_scalar_style(self) -> str:
        # PyYAML quotes every scalar with an explicit tag; Authentik's own blueprints write
        # `!KeyOf some-id` plain, and an entry id made from a slug is always safe plain.
        event = self.event
        if isinstance(event, yaml.ScalarEvent) and event.tag == KEY_OF_TAG and not event.style:
            analysis = self.analyze_scalar(event.value)
            if analysis.allow_block_plain and analysis.allow_flow_plain and not analysis.empty:
                return ""
        return str(super().choose_scalar_style())


def _represent_find(dumper: yaml.SafeDumper, find: Find) -> yaml.Node:
    return dumper.represent_sequence(
        FIND_TAG, [find.model, [find.field, find.value]], flow_style=True
    )


def _represent_key_of(dumper: yaml.SafeDumper, key_of: KeyOf) -> yaml.Node:
    return dumper.represent_scalar(KEY_OF_TAG, key_of.entry_id)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # Several skip_path_regex lines read best as a literal block, one regex per line.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


BlueprintDumper.add_representer(Find, _represent_find)
BlueprintDumper.add_representer(KeyOf, _represent_key_of)
BlueprintDumper.add_multi_representer(str, _represent_str)  # parsed names are str too


def render_blueprint(settings: Settings, desired: DesiredState) -> str:
    """Render the blueprint as YAML text.

    Everything it needs is in ``desired``; ``settings`` keeps the signature of
    ``render_traefik`` so the CLI calls both alike.
    """
    document = blueprint_document(desired)
    log.debug("rendered a blueprint with %d entries", len(document["entries"]))
    body = yaml.dump(
        document,
        Dumper=BlueprintDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=YAML_WIDTH,
    )
    caution = _OUTPOST_CAUTION if desired.targets else _NO_OUTPOST_ENTRY
    return _HEADER + _import_hint() + caution + body


def blueprint_document(desired: DesiredState) -> dict[str, Any]:
    """The blueprint as data, with ``Find``/``KeyOf`` where Authentik resolves references."""
    entries: list[dict[str, Any]] = []
    for app in desired.targets:
        entries.append(_provider_entry(app))
        entries.append(_application_entry(app, desired.owner))
        entries.extend(_binding_entries(app))
    if desired.targets:
        # With no apps, an outpost entry would empty the outpost's list: leave it out instead.
        entries.append(_outpost_entry(desired))
    hosts = len(desired.apps)
    domains = len(desired.domains)
    described = f"{hosts} host{'' if hosts == 1 else 's'}"
    if domains:
        described += f" and {domains} domain{'' if domains == 1 else 's'}"
    return {
        "version": 1,
        "metadata": {
            "name": f"{desired.owner} forward auth",
            "labels": {
                "blueprints.goauthentik.io/description": (
                    f"Forward auth for {described}, rendered by provision"
                ),
            },
        },
        "entries": entries,
    }


def provider_entry_id(app: DesiredApp) -> str:
    return f"provider-{app.slug}"


def application_entry_id(app: DesiredApp) -> str:
    return f"application-{app.slug}"


def _flow(slug: str) -> Find:
    return Find(FLOW, "slug", slug)


def _provider_entry(app: DesiredApp) -> dict[str, Any]:
    fields = ProviderFields.for_target(app, _flow)
    return {
        "model": PROXY_PROVIDER,
        "id": provider_entry_id(app),
        "identifiers": {"name": fields.name},
        "attrs": fields.attrs(),
    }


def _application_entry(app: DesiredApp, owner: str) -> dict[str, Any]:
    fields = ApplicationFields.for_target(app, owner)
    attrs: dict[str, Any] = fields.attrs_with(KeyOf(provider_entry_id(app)))
    if fields.icon:
        # The blueprint serializer takes the icon URL as `icon` (the API sets it separately).
        attrs["icon"] = fields.icon
    return {
        "model": APPLICATION,
        "id": application_entry_id(app),
        "identifiers": {"slug": fields.slug},
        "attrs": attrs,
    }


def _binding_entries(app: DesiredApp) -> list[dict[str, Any]]:
    # any_user: no binding at all; with policy_engine_mode any, every user passes (docs/access.md).
    return [
        {
            "model": POLICY_BINDING,
            "identifiers": {
                "target": KeyOf(application_entry_id(app)),
                "group": Find(GROUP, "name", group),
            },
            "attrs": {"order": order},
        }
        for order, group in enumerate(app.access.groups)
    ]


def _outpost_entry(desired: DesiredState) -> dict[str, Any]:
    return {
        "model": OUTPOST,
        "identifiers": {"managed": desired.outpost_managed},
        "attrs": {"providers": [KeyOf(provider_entry_id(app)) for app in desired.targets]},
    }
