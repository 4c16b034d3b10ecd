"""Every rule, by id: collected from the rule families named here, and nowhere else.

A family is a module that defines its rules as module-level constants beside their detector (or
SQL); adding a family means adding it to FAMILIES.
"""

from __future__ import annotations

import functools
from types import ModuleType

from schemagate.findings import Rule
from schemagate.findings.rules import (
    dataapi,
    declarative,
    exposure,
    hardcoded,
    idempotency,
    migration_files,
    parse_tree,
    pgtap,
    platform,
    runtime,
)
from schemagate.findings.rules.catalog_rules import conventions, dual, keys, rls, security

FAMILIES: dict[str, tuple[ModuleType, ...]] = {
    "files": (migration_files,),
    "statements": (parse_tree, idempotency),
    "hardcoded": (hardcoded,),
    "platform": (platform,),
    "runtime": (runtime, pgtap, dataapi),
    "catalog": (rls, keys, dual, conventions, security, exposure, declarative),
}


@functools.cache
def _by_id() -> dict[str, tuple[Rule, str]]:
    found: dict[str, tuple[Rule, str]] = {}
    for family, modules in FAMILIES.items():
        for module in modules:
            for value in vars(module).values():
                if isinstance(value, Rule) and value.id not in found:
                    found[value.id] = (value, family)
    return found


def rules() -> list[Rule]:
    return [made for made, _ in _by_id().values()]


def ids() -> list[str]:
    return sorted(_by_id())


def get(rule_id: str) -> Rule:
    return _by_id()[rule_id][0]


def family_of(made: Rule) -> str:
    """The family whose detector finds it: files, statements, hardcoded, platform, runtime, catalog.

    A rule the catalog judges in `check` and the parse tree in `lint` (`rules.catalog.dual`) is
    the catalog's."""
    return _by_id()[made.id][1]
