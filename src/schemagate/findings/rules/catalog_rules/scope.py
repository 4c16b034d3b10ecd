"""What the catalog rules judge, and where each finding points.

The scope is read from the catalog: the tables, functions, views and extensions that are new or
different after the change's migrations than before them, however they were made (a function
created by EXECUTE inside a DO block counts), together with what the parse trees name.

A finding points at the statement that made its object as it finally is: a policy's last CREATE or
ALTER POLICY, a function's last CREATE OR REPLACE, a table's CREATE TABLE.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemagate.findings import Finding, Remedy
from schemagate.findings.rules.catalog_rules import STARTS_ONLY, Fingerprints, Row, Scope
from schemagate.statements.sql import ParsedMigration
from schemagate.statements.tree import objects

Place = tuple[ParsedMigration, int]  # a migration and a statement's index in it


def places(applied: list[ParsedMigration]) -> dict[tuple[str, str], Place]:
    """(kind, key) -> the statement that made the object as it finally is."""
    found: dict[tuple[str, str], Place] = {}
    for parsed in applied:
        for index, stmt in enumerate(parsed.statements):
            for kind, key in objects(stmt.node_type, stmt.node):
                creates = stmt.node_type == "CreateStmt"
                if kind != "table" or creates or (kind, key) not in found:
                    found[(kind, key)] = (parsed, index)
                if creates:
                    found[("created", key)] = (parsed, index)
    for (kind, key), place in list(found.items()):
        if kind == "created":  # a table's findings point at its CREATE TABLE, not a later ALTER
            found[("table", key)] = place
            del found[(kind, key)]
    return found


def of(
    before: Fingerprints,
    after: Fingerprints,
    located: dict[tuple[str, str], Place],
    table_oids: dict[str, int],
    schemas: list[str],
) -> Scope:
    """The scope: what changed in the catalog, and what the new migrations' statements name."""
    changed = after.changed_since(before)
    named = {
        kind: {key for k, key in located if k == kind} for kind in ("table", "function", "view", "extension")
    }
    created = sorted(int(oid) for oid in changed["table"] if ("table", oid) not in before.digests)
    tables = {int(oid) for oid in changed["table"]} | {
        table_oids[n] for n in named["table"] if n in table_oids
    }
    return Scope(
        tables=sorted(tables),
        created=created,
        functions=sorted(changed["function"] | named["function"]),
        views=sorted(changed["view"] | named["view"]),
        extensions=sorted(changed["extension"] | named["extension"]),
        schemas=schemas,
        policies_changed=sorted(changed["policies"]),
    )


@dataclass(frozen=True)
class Placed:
    """A catalog finding and the statement it belongs to (None: no statement of the change made
    its object, and no migration is new)."""

    finding: Finding
    place: Place | None


def place(rows: list[Row], located: dict[tuple[str, str], Place], first: Place | None) -> list[Placed]:
    out = []
    for row in rows:
        where = located.get((row.kind, row.key))
        if where is None and row.kind in {"policy", "constraint"}:
            where = located.get(("table", row.key.split("|", 1)[0]))
        where = where or first
        parsed = where[0] if where else None
        finding = Finding(
            row.rule,
            row.message,
            parsed.migration.path if parsed else None,
            parsed.statements[where[1]].line if parsed and where and parsed.statements else None,
            subject=row.subject,
            advisor=row.advisor,
            remedy=Remedy(row.fix, "after", row.rule.id not in STARTS_ONLY) if row.fix else None,
        )
        out.append(Placed(finding, where))
    return out
