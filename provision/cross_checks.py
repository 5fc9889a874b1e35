"""Checks across ``apps:`` and ``domains:`` that a single entry cannot see.

Access rules are checked on the parsed values (DESIGN §9); hosts, names and slugs are unique
across apps and domains (a domain's host is its auth host). The outpost matches a
``forward_domain`` provider by a plain suffix of the host, with no dot boundary:
``example.com`` also takes ``notexample.com``. A config where that would happen to a name it
declares, or where one domain ends with another without a dot, is refused (DESIGN §10).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from provision import naming
from provision.settings import DefaultsSettings, DomainSettings, access_problem, parsed_defaults

Loc = tuple[str | int, ...]


class Where(Protocol):
    """Places problems in the config file (or the environment variable they came from)."""

    def __call__(self, loc: Loc, line_of: Loc | None = None) -> str:
        """``<file>:<line>: <field>`` for ``loc``, at the line of ``line_of`` when given."""
        ...

    def place(self, loc: Loc) -> str:
        """``<file>:<line>`` (or the environment variable) of ``loc``."""
        ...


_FIELD = {("domains", "host"): "auth_host"}  # a domain's host is its auth host


def cross_checks(raw: Mapping[str, Any], where: Where) -> list[str]:
    """Every problem across entries, each located by ``where``."""
    apps = raw.get("apps")
    defaults = parsed_defaults(raw.get("defaults"))
    problems: list[str] = []
    entries: list[tuple[Loc, dict[str, str]]] = []
    for index, app in enumerate(apps if isinstance(apps, list) else []):
        if not isinstance(app, dict) or not isinstance(app.get("host"), str):
            continue
        loc: Loc = ("apps", index)
        problem = access_problem(app, defaults)
        if problem is not None:
            hint = _defaults_hint(raw, where) if "omission" in problem else ""
            problems.append(f"{where(loc)}: {problem}{hint}")
        identity = app_identity(app)
        if not app.get("slug") and identity["slug"] in naming.RESERVED_SLUGS:
            name_loc: Loc = ("apps", index, "name") if app.get("name") else loc
            problems.append(
                f"{where(loc, line_of=name_loc)}: the derived slug {identity['slug']!r} is"
                " reserved by Authentik for its OAuth endpoints; set slug: explicitly"
            )
        entries.append((loc, identity))
    entries += [(("domains", i), domain_identity(d)) for i, d in domain_entries(raw)]
    return problems + _duplicates(entries, where) + domain_problems(raw, defaults, where)


def _defaults_hint(raw: Mapping[str, Any], where: Where) -> str:
    """Where ``defaults.any_user`` was set to false, when it was set at all."""
    defaults = raw.get("defaults")
    if not isinstance(defaults, dict) or "any_user" not in defaults:
        return ""
    at = where.place(("defaults", "any_user"))
    return f"; defaults.any_user is false ({at})"


def _duplicates(entries: Sequence[tuple[Loc, dict[str, str]]], where: Where) -> list[str]:
    problems = []
    seen: dict[str, dict[str, Loc]] = {"host": {}, "name": {}, "slug": {}}
    for loc, identity in entries:
        for key, value in identity.items():
            if not value:
                continue
            first = seen[key].setdefault(value.casefold(), loc)
            if first != loc:
                field = _FIELD.get((str(loc[0]), key), key)
                also = f"{first[0]}[{first[1]}]"
                problems.append(f"{where((*loc, field))}: duplicate {key} {value!r} (also {also})")
    return problems


def app_identity(app: Mapping[str, Any]) -> dict[str, str]:
    """The host, name and slug an app entry declares, defaults applied."""
    host = naming.canonical_host(str(app["host"]))  # bücher.… and xn--bcher-kva.… are one
    name = app.get("name") if isinstance(app.get("name"), str) else None
    name = name or naming.default_name(host.lower())
    slug = app.get("slug") if isinstance(app.get("slug"), str) else None
    return {"host": host, "name": name, "slug": slug or naming.default_slug(name)}


def domain_identity(entry: Mapping[str, Any]) -> dict[str, str]:
    """The host (auth host), name and slug a domain entry declares, defaults applied."""
    domain = str(entry["domain"]).strip()
    name = entry.get("name") if isinstance(entry.get("name"), str) else None
    name = name or domain
    slug = entry.get("slug") if isinstance(entry.get("slug"), str) else None
    host = entry.get("auth_host")
    host = host.strip() if isinstance(host, str) else ""
    return {"host": host, "name": name, "slug": slug or naming.default_slug(name)}


def domain_entries(raw: Mapping[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    domains = raw.get("domains")
    if not isinstance(domains, list):
        return []
    return [
        (i, d)
        for i, d in enumerate(domains)
        if isinstance(d, dict) and isinstance(d.get("domain"), str)
    ]


def domain_problems(
    raw: Mapping[str, Any], defaults: DefaultsSettings | None, where: Where
) -> list[str]:
    """Access rules, derived slugs, duplicates and suffix clashes of the declared domains."""
    entries = domain_entries(raw)
    problems: list[str] = []
    for index, entry in entries:
        problem = access_problem(entry, defaults, DomainSettings)
        if problem is not None:
            problems.append(f"{where(('domains', index))}: {problem}")
        auth_host = domain_identity(entry)["host"].lower()
        domain = entry["domain"].strip()
        if auth_host and not naming.under_domain(auth_host, domain):
            problems.append(
                f"{where(('domains', index, 'auth_host'))}: {auth_host!r} is not under the"
                f" domain {domain!r}; the login cookie is set for the domain, so the auth host"
                " must be one of its hosts"
            )
        slug = domain_identity(entry)["slug"]
        if "slug" not in entry and slug in naming.RESERVED_SLUGS:
            problems.append(
                f"{where(('domains', index, 'name'))}: the derived slug {slug!r} is reserved by"
                " Authentik; set slug: or another name"
            )
    problems += _duplicate_domains(entries, where)
    problems += _suffix_clashes(entries, _declared_names(raw, entries), where)
    return problems


def _duplicate_domains(entries: Sequence[tuple[int, dict[str, Any]]], where: Where) -> list[str]:
    problems = []
    seen: dict[str, int] = {}
    for index, entry in entries:
        domain = entry["domain"].strip().lower()
        first = seen.setdefault(domain, index)
        if first != index:
            problems.append(
                f"{where(('domains', index, 'domain'))}: duplicate domain {domain!r}"
                f" (also domains[{first}])"
            )
    return problems


def _declared_names(
    raw: Mapping[str, Any], entries: Sequence[tuple[int, dict[str, Any]]]
) -> list[tuple[str, str]]:
    """Every name the config declares, with where: app hosts, auth hosts and domains."""
    names: list[tuple[str, str]] = []
    apps = raw.get("apps")
    for index, app in enumerate(apps if isinstance(apps, list) else []):
        if isinstance(app, dict) and isinstance(app.get("host"), str):
            names.append((app["host"].strip(), f"apps[{index}].host"))
    for index, entry in entries:
        names.append((entry["domain"].strip(), f"domains[{index}].domain"))
        if isinstance(entry.get("auth_host"), str):
            names.append((entry["auth_host"].strip(), f"domains[{index}].auth_host"))
    return names


def _suffix_clashes(
    entries: Sequence[tuple[int, dict[str, Any]]],
    names: Sequence[tuple[str, str]],
    where: Where,
) -> list[str]:
    problems = []
    for index, entry in entries:
        domain = entry["domain"].strip()
        for name, field in names:
            if not naming.suffix_without_dot(name, domain):
                continue
            what = "domain" if field.endswith(".domain") else "host"
            problems.append(
                f"{where(('domains', index, 'domain'))}: domain {domain!r} would also match the"
                f" {what} {name!r} ({field}): the outpost compares a plain suffix, with no dot"
                " boundary; rename one of them"
            )
    return problems
