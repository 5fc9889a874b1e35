"""Checks across ``apps:`` and ``domains:`` that a single entry cannot see.

Every check compares parsed values (``provision.names``), never the YAML as written: a host or
domain in Unicode and in punycode is one name, and a value that does not parse is reported by
its field's own check and left out here. Access rules are checked on the parsed values
(docs/access.md); hosts, names and slugs are unique across apps and domains (a domain's host is its
auth host). The outpost matches a ``forward_domain`` provider by a plain suffix of the host,
with no dot boundary: ``example.com`` also takes ``notexample.com``. A config where that would
happen to a name it declares, or where one domain ends with another without a dot, is refused
(docs/proxies.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from provision import naming
from provision.names import Domain, Host, stored_text
from provision.settings import DefaultsSettings, DomainSettings, access_problem, parsed_defaults

Loc = tuple[str | int, ...]
Name = TypeVar("Name", bound=Host)


class Where(Protocol):
    """Places problems in the config file (or the environment variable they came from)."""

    def __call__(self, loc: Loc, line_of: Loc | None = None) -> str:
        """``<file>:<line>: <field>`` for ``loc``, at the line of ``line_of`` when given."""
        ...

    def place(self, loc: Loc) -> str:
        """``<file>:<line>`` (or the environment variable) of ``loc``."""
        ...


@dataclass(frozen=True)
class Identity:
    """The host, name and slug an entry declares, defaults applied; the host parsed."""

    host: Host | None
    name: str
    slug: str


@dataclass(frozen=True)
class DeclaredDomain:
    """A ``domains:`` entry whose domain parses; its auth host when that parses too."""

    index: int
    entry: Mapping[str, Any]
    domain: Domain
    auth_host: Host | None


_FIELD = {("domains", "host"): "auth_host"}  # a domain's host is its auth host


def parsed(kind: type[Name], value: Any) -> Name | None:
    """``value`` as a ``kind``; None when it does not parse (its field check says why)."""
    try:
        return kind(value)
    except ValueError:
        return None


def cross_checks(raw: Mapping[str, Any], where: Where) -> list[str]:
    """Every problem across entries, each located by ``where``."""
    defaults = parsed_defaults(raw.get("defaults"))
    problems: list[str] = []
    entries: list[tuple[Loc, Identity]] = []
    for index, app in _entries(raw, "apps"):
        loc: Loc = ("apps", index)
        problem = access_problem(app, defaults)
        if problem is not None:
            hint = _defaults_hint(raw, where) if "omission" in problem else ""
            problems.append(f"{where(loc)}: {problem}{hint}")
        identity = app_identity(app)
        if identity is None:
            continue
        if not app.get("slug") and identity.slug in naming.RESERVED_SLUGS:
            name_loc: Loc = ("apps", index, "name") if app.get("name") else loc
            problems.append(
                f"{where(loc, line_of=name_loc)}: the derived slug {identity.slug!r} is"
                " reserved by Authentik for its OAuth endpoints; set slug: explicitly"
            )
        entries.append((loc, identity))
    domains = declared_domains(raw)
    entries += [(("domains", d.index), domain_identity(d)) for d in domains]
    return problems + _duplicates(entries, where) + domain_problems(raw, domains, defaults, where)


def _entries(raw: Mapping[str, Any], section: str) -> list[tuple[int, Mapping[str, Any]]]:
    items = raw.get(section)
    return [(i, e) for i, e in enumerate(items if isinstance(items, list) else []) if _map(e)]


def _map(entry: Any) -> bool:
    return isinstance(entry, Mapping)


def _defaults_hint(raw: Mapping[str, Any], where: Where) -> str:
    """Where ``defaults.any_user`` was set to false, when it was set at all."""
    defaults = raw.get("defaults")
    if not isinstance(defaults, dict) or "any_user" not in defaults:
        return ""
    at = where.place(("defaults", "any_user"))
    return f"; defaults.any_user is false ({at})"


def _duplicates(entries: Sequence[tuple[Loc, Identity]], where: Where) -> list[str]:
    problems = []
    seen: dict[str, dict[str, Loc]] = {"host": {}, "name": {}, "slug": {}}
    for loc, identity in entries:
        for key, firsts in seen.items():
            value = getattr(identity, key)
            if not value:
                continue
            first = firsts.setdefault(value.casefold(), loc)
            if first != loc:
                field = _FIELD.get((str(loc[0]), key), key)
                also = f"{first[0]}[{first[1]}]"
                problems.append(f"{where((*loc, field))}: duplicate {key} {value!r} (also {also})")
    return problems


def _text(entry: Mapping[str, Any], key: str) -> str:
    """A text field as Authentik stores it (trimmed); empty when absent or not text."""
    value = entry.get(key)
    return stored_text(value) if isinstance(value, str) else ""


def app_identity(app: Mapping[str, Any]) -> Identity | None:
    """The host, name and slug an app entry declares; None when its host does not parse."""
    host = parsed(Host, app.get("host"))
    if host is None:
        return None
    name = _text(app, "name") or naming.default_name(host)
    return Identity(host=host, name=name, slug=_text(app, "slug") or naming.default_slug(name))


def domain_identity(declared: DeclaredDomain) -> Identity:
    """The host (auth host), name and slug a domain entry declares, defaults applied."""
    name = _text(declared.entry, "name") or declared.domain
    slug = _text(declared.entry, "slug") or naming.default_slug(name)
    return Identity(host=declared.auth_host, name=name, slug=slug)


def declared_domains(raw: Mapping[str, Any]) -> list[DeclaredDomain]:
    """The ``domains:`` entries whose domain parses, in order."""
    found = []
    for index, entry in _entries(raw, "domains"):
        domain = parsed(Domain, entry.get("domain"))
        if domain is not None:
            auth_host = parsed(Host, entry.get("auth_host"))
            found.append(DeclaredDomain(index, entry, domain, auth_host))
    return found


def domain_problems(
    raw: Mapping[str, Any],
    domains: Sequence[DeclaredDomain],
    defaults: DefaultsSettings | None,
    where: Where,
) -> list[str]:
    """Access rules, derived slugs, duplicates and suffix clashes of the declared domains."""
    problems = [  # every entry's rule, whether or not its domain parses
        f"{where(('domains', index))}: {problem}"
        for index, entry in _entries(raw, "domains")
        if (problem := access_problem(entry, defaults, DomainSettings)) is not None
    ]
    for declared in domains:
        loc: Loc = ("domains", declared.index)
        auth_host, domain = declared.auth_host, declared.domain
        if auth_host is not None and not auth_host.is_under(domain):
            problems.append(
                f"{where((*loc, 'auth_host'))}: {auth_host!r} is not under the domain"
                f" {domain!r}; the login cookie is set for the domain, so the auth host must be"
                " one of its hosts"
            )
        slug = domain_identity(declared).slug
        if "slug" not in declared.entry and slug in naming.RESERVED_SLUGS:
            problems.append(
                f"{where((*loc, 'name'))}: the derived slug {slug!r} is reserved by Authentik;"
                " set slug: or another name"
            )
    problems += _duplicate_domains(domains, where)
    problems += _suffix_clashes(domains, _declared_names(raw, domains), where)
    return problems


def _duplicate_domains(domains: Sequence[DeclaredDomain], where: Where) -> list[str]:
    problems = []
    seen: dict[Domain, int] = {}
    for declared in domains:
        first = seen.setdefault(declared.domain, declared.index)
        if first != declared.index:
            problems.append(
                f"{where(('domains', declared.index, 'domain'))}: duplicate domain"
                f" {declared.domain!r} (also domains[{first}])"
            )
    return problems


def _declared_names(
    raw: Mapping[str, Any], domains: Sequence[DeclaredDomain]
) -> list[tuple[Host, str]]:
    """Every name the config declares, with where: app hosts, auth hosts and domains."""
    names: list[tuple[Host, str]] = []
    for index, app in _entries(raw, "apps"):
        host = parsed(Host, app.get("host"))
        if host is not None:
            names.append((host, f"apps[{index}].host"))
    for declared in domains:
        names.append((declared.domain, f"domains[{declared.index}].domain"))
        if declared.auth_host is not None:
            names.append((declared.auth_host, f"domains[{declared.index}].auth_host"))
    return names


def _suffix_clashes(
    domains: Sequence[DeclaredDomain], names: Sequence[tuple[Host, str]], where: Where
) -> list[str]:
    problems = []
    for declared in domains:
        for name, field in names:
            if not name.suffix_clash(declared.domain):
                continue
            what = "domain" if field.endswith(".domain") else "host"
            problems.append(
                f"{where(('domains', declared.index, 'domain'))}: domain {declared.domain!r}"
                f" would also match the {what} {name!r} ({field}): the outpost compares a plain"
                " suffix, with no dot boundary; rename one of them"
            )
    return problems
