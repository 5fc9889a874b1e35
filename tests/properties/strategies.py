"""Generated configs: the hosts, rules and text a user may write, right and wrong.

Hosts and domains are drawn canonical (A-labels) and then spelled as a user may write them:
as is, in Unicode, padded with spaces, tagged ``!!str`` (accepted), or upper-cased, with a
trailing dot, tagged ``!!binary`` or ``!custom`` (refused). Text fields carry surrounding
whitespace; ``skip_path_regex`` is a list of lines some of which are blank or match every
path. Each ``Generated`` knows the ``Target`` its hosts become when the config is accepted.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import idna
from hypothesis import strategies as st

from tests.properties.checks import Target
from tests.properties.world import GROUPS, Population, Tagged

LABELS = ("sonarr", "wiki", "xn--bcher-kva", "xn--strae-oqa")
ZONES = ("home.example.com", "example.org", "xn--bcher-kva.example")
DOMAINS = (*ZONES, "example.com")
PADDING = ("", "", " ", "  ", "\n", "\t ", " \n")
# A display name per host label, so two apps clash on a name only when they share a host.
NAMES = {"sonarr": "Media server", "wiki": "Family wiki", "xn--bcher-kva": "Bücher"}
# Mostly lines the outpost may compile; a blank line or one matching every path is refused.
REGEX_LINES = ("^/api/", "^/health$", r"^/static/.*\.css$", "(?i)^/public/", "", "   ", ".*", "^/")
USERNAMES = ("ann", "ben", "cat", "dan")


@dataclass(frozen=True)
class Generated:
    """A config's ``apps``/``domains`` and the targets it declares once accepted."""

    declared: dict[str, Any]
    targets: tuple[Target, ...]
    outcome: str | None = None  # an explicit example's: "synced" or "refused (78)"


def padded(text: str) -> st.SearchStrategy[str]:
    """``text`` with whitespace around it, which Authentik trims when it stores it."""
    return st.tuples(st.sampled_from(PADDING), st.sampled_from(PADDING)).map(
        lambda ends: f"{ends[0]}{text}{ends[1]}"
    )


def spelled(canonical: str) -> st.SearchStrategy[str | Tagged]:
    """Ways to write a host: accepted (six times as likely) and refused ones. A YAML tag
    other than ``!!str`` is refused: only text reaches a text field."""
    unicode = idna.decode(canonical)
    accepted: list[str | Tagged] = [canonical, unicode, f" {canonical} "]
    accepted.append(Tagged("tag:yaml.org,2002:str", unicode))
    refused: list[str | Tagged] = [canonical.upper(), unicode.title(), f"{canonical}."]
    refused.append(f"{unicode}.")
    refused.append(
        Tagged("tag:yaml.org,2002:binary", base64.b64encode(canonical.encode()).decode())
    )
    refused.append(Tagged("!custom", canonical))
    return st.sampled_from(accepted * 6 + refused)


def skip_path_regex() -> st.SearchStrategy[str]:
    lines = st.lists(st.sampled_from(REGEX_LINES[:4] * 6 + REGEX_LINES[4:]), min_size=1, max_size=3)
    return lines.map("\n".join).flatmap(padded)


@st.composite
def access(draw: st.DrawFn) -> tuple[dict[str, Any], frozenset[str] | None]:
    """The access rule as written, and the group names it means (None: every user)."""
    # Hypothesis favours small numbers: the common case is 0, the mistake the largest.
    kind = draw(st.integers(0, 19))
    if kind == 19:
        return {}, None  # no rule at all: refused, access is never left open by omission
    if kind >= 14:
        return {"any_user": True}, None
    names = draw(st.lists(st.sampled_from(GROUPS), min_size=1, max_size=2, unique=True))
    return {"groups": [draw(padded(name)) for name in names]}, frozenset(names)


@st.composite
def app(draw: st.DrawFn, label: str) -> tuple[dict[str, Any], Target]:
    host = f"{label}.{draw(st.sampled_from(ZONES))}"
    rule, groups = draw(access())
    entry: dict[str, Any] = {"host": draw(spelled(host)), **rule}
    if draw(st.booleans()):
        entry["name"] = draw(padded(NAMES.get(label, "Straße")))
    if draw(st.booleans()):
        entry["description"] = draw(padded("Films and series\nfor the family"))
    if draw(st.booleans()):
        entry["group"] = draw(padded("Media"))
    if draw(st.booleans()):
        entry["skip_path_regex"] = draw(skip_path_regex())
    return entry, Target(host, groups)


@st.composite
def domain(draw: st.DrawFn) -> tuple[dict[str, Any], Target]:
    name = draw(st.sampled_from(DOMAINS))
    rule, groups = draw(access())
    auth_host = f"auth.{name}"
    entry = {"domain": draw(spelled(name)), "auth_host": draw(spelled(auth_host)), **rule}
    return entry, Target(auth_host, groups, domain=name)


@st.composite
def configs(draw: st.DrawFn) -> Generated:
    """One to three apps on distinct names, sometimes a domain, sometimes a host twice."""
    labels = draw(st.lists(st.sampled_from(LABELS), min_size=1, max_size=3, unique=True))
    apps = [draw(app(label)) for label in labels]
    if draw(st.integers(0, 7)) == 7:
        # The same host again in another spelling, under another name: one host, refused.
        _, target = apps[0]
        copy = {"host": draw(spelled(target.host)), "name": "Copy", "any_user": True}
        apps.append((copy, Target(target.host, None)))
    declared: dict[str, Any] = {"apps": [entry for entry, _ in apps]}
    targets = [target for _, target in apps]
    if draw(st.booleans()):
        entry, target = draw(domain())
        declared["domains"] = [entry]
        targets.append(target)
    return Generated(declared, tuple(targets))


def populations() -> st.SearchStrategy[Population]:
    """Up to four people, each in some of the groups (or none)."""
    return st.dictionaries(
        st.sampled_from(USERNAMES), st.frozensets(st.sampled_from(GROUPS)), max_size=4
    )
