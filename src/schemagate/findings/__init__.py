"""The checklist's rules: each has an id, a default severity, a checklist item, a why and a fix.

Rules are data, each defined beside its detector in a family module: `files` (names, order,
immutability), `statements`, `hardcoded` and `platform` (the parse tree), `catalog/` (set-based
queries after applying) and `runtime` (what happened while applying: locks, rewrites, idempotency,
round trips). `registry` collects them; `docs` writes a page for each.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum
from pathlib import Path
from typing import Any


class Severity(IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, name: str) -> Severity:
        return cls[name.upper()]

    @property
    def label(self) -> str:
        return self.name.lower()


# The checklist, in its order: every rule belongs to exactly one item.
ITEMS = {
    "name": "Timestamped name",
    "history": "History intact",
    "applies": "Applies",
    "idempotent": "Idempotent",
    "rls": "RLS enabled",
    "policies": "RLS policies",
    "fk-index": "FK indexes",
    "timestamps": "Timestamps",
    "on-delete": "ON DELETE",
    "comments": "Comments",
    "safety": "Safe to deploy",
    "security": "Security",
    "hardcoded": "No hard-coded values",
    "rollback": "Rollback",
    "tests": "Tests",
}

# How hard the checklist is: `default` fails on what breaks a deploy or opens data, and warns on
# conventions (idempotency, comments, timestamps, FK indexes, ON DELETE...); `strict` makes every
# warning of the team checklist an error, for teams whose workflow demands each item. What stays
# as it was: the check's own gaps (could-not-verify, a test failing on the base too), the rollback
# and tests items, and info, which notes what happened (a lock taken) rather than a fault.
STRICT_ITEMS = frozenset(ITEMS) - {"applies", "rollback", "tests"}


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    item: str
    title: str
    why: str
    fix: str
    alias: str | None = None  # Supabase database advisor (splinter) lint name(s), comma-separated
    # for the rule's page (docs/rules/<id>.md), and proven there by tests/test_rule_docs.py: a
    # migration that breaks the rule, one that keeps it, and what was merged before either
    bad: str = ""
    good: str = ""
    before: str = ""
    scenario: str = ""  # for rules about files or history, which no single migration shows

    def severity_in(self, profile: str) -> Severity:
        """The rule's severity under a profile (see config.PROFILES)."""
        if profile == "strict" and self.item in STRICT_ITEMS and self.severity == Severity.WARNING:
            return Severity.ERROR
        return self.severity

    @property
    def advisors(self) -> tuple[str, ...]:
        """The advisor lints this rule matches."""
        return tuple(name.strip() for name in self.alias.split(",")) if self.alias else ()

    def __reduce__(self) -> tuple[Any, ...]:
        return (registered, (self.id,))  # one object per rule, in every process: `is` still works


@dataclass(frozen=True)
class Remedy:
    """The fix for the object at hand, not the rule's generic one.

    `sql` replaces the statement the finding is on ("replace"), or goes just before or after it.
    A mechanical remedy can be committed as it is (a review suggestion, `schemagate fix`); another
    is a start the author completes, such as a comment's words.
    """

    sql: str
    place: str = "after"  # replace | before | after
    mechanical: bool = True


@dataclass(frozen=True)
class Finding:
    rule: Rule
    message: str
    path: Path | None = None
    line: int | None = None
    severity: Severity | None = None  # after configuration; None means the rule's default
    detail: str | None = None  # extra text quoted in the report (a backup plan, a diff)
    subject: str | None = None  # the database object judged ("public.notes"), where there is one
    advisor: str | None = None  # the advisor lint this finding matches, where the rule matches several
    remedy: Remedy | None = None

    @property
    def alias(self) -> str | None:
        """The Supabase advisor lint this finding is, if any."""
        return self.advisor or self.rule.alias

    @property
    def level(self) -> Severity:
        return self.severity or self.rule.severity

    def with_severity(self, severity: Severity) -> Finding:
        return replace(self, severity=severity)


def registered(rule_id: str) -> Rule:
    from schemagate.findings import registry  # the families import this module first

    return registry.get(rule_id)


def rule(
    id: str,
    severity: str,
    item: str,
    title: str,
    why: str,
    fix: str,
    alias: str | None = None,
    *,
    bad: str = "",
    good: str = "",
    before: str = "",
    scenario: str = "",
) -> Rule:
    assert item in ITEMS, item
    return Rule(id, Severity.parse(severity), item, title, why, fix, alias, bad, good, before, scenario)
