"""The picture of a change for its reviewer: what it did to the schema, who can now read or write
what, whether its new tables keep users apart, and the tables it touched with their neighbours.

Read from the check's own database: once before the first new migration, once after the last.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemagate.config import Config
from schemagate.database.catalog import access, diff, inventory
from schemagate.database.connection import Connection
from schemagate.findings import isolation
from schemagate.findings.rules import exposure
from schemagate.findings.rules.catalog_rules import Row
from schemagate.statements.tree import quoted


@dataclass(frozen=True)
class Before:
    inventory: inventory.Inventory
    access: dict[tuple[str, str, str], access.Cell]
    functions: dict[tuple[str, str], bool]


@dataclass
class Picture:
    changes: list[diff.Change] = field(default_factory=list)
    access: list[access.Access] = field(default_factory=list)
    proofs: list[isolation.Proof] = field(default_factory=list)
    relations: inventory.Relations | None = None
    # (function, role, SECURITY DEFINER): what an API role may call now and could not before
    functions: list[tuple[str, str, bool]] = field(default_factory=list)


def before(conn: Connection, config: Config) -> Before:
    exposed = config.exposed
    return Before(
        inventory.take(conn), access.matrix(conn, exposed), access.callable_functions(conn, exposed)
    )


def after(
    conn: Connection, config: Config, seen: Before, now: inventory.Inventory, created: list[int]
) -> tuple[Picture, list[Row]]:
    """The picture, from the catalog before the change and `now`, after it; and the findings it
    makes: access widened to every caller, isolation leaks."""
    changes = diff.between(seen.inventory, now)
    touched = diff.touched_tables(changes)
    now_reached = access.matrix(conn, config.exposed)
    views = access.new_views(seen.access, now_reached)
    matrix = access.compare(seen.access, now_reached, list(dict.fromkeys(touched + views)))
    callable_now = access.callable_functions(conn, config.exposed)
    functions = [
        (name, role, definer)
        for (name, role), definer in callable_now.items()
        if (name, role) not in seen.functions
    ]
    proofs = [isolation.prove(conn, *candidate) for candidate in isolation.candidates(conn, created)]
    for proof in proofs:
        read = (proof.table, "authenticated", "select")
        alike = [a for a in matrix if (a.table, a.role, a.privilege) == read]
        if alike and alike[0].alike:
            proof.opened(", ".join(quoted(name) for name, _ in alike[0].alike))
    relations = inventory.relations(conn, touched) if touched else None
    found = exposure.widened(matrix, proofs) + exposure.leaks(proofs)
    return Picture(changes, matrix, proofs, relations, sorted(functions)), found
