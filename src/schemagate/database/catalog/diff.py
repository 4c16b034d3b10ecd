"""What a change did to the database: the difference of two inventories, object by object."""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemagate.database.catalog.inventory import KINDS, Inventory
from schemagate.statements.tree import dotted_parts

# objects that belong to a table, named schema.table.<name> or schema.table (rls, grants)
TABLE_PARTS = {"column", "constraint", "policy", "trigger", "rls", "grant"}
_INDEX_ON = re.compile(r" ON (?:ONLY )?(\S+) USING ")


@dataclass(frozen=True)
class Change:
    change: str  # added | removed | changed
    kind: str  # an inventory kind: table, column, index, constraint, policy, function, …
    object: str  # public.refunds; a column as public.orders.refunded
    detail: str  # the definition, or for a change: before → after

    def to_json(self) -> dict[str, str]:
        return {"change": self.change, "kind": self.kind, "object": self.object, "detail": self.detail}

    @property
    def table(self) -> str | None:
        """The table the object belongs to (the table itself for a table)."""
        if self.kind in {"table", "rls"}:
            return self.object
        if self.kind == "grant":
            return self.object.split(" to ", 1)[0]
        if self.kind == "index":
            found = _INDEX_ON.search(self.detail)
            return found[1] if found else None
        if self.kind in TABLE_PARTS:  # schema.table.part, where a quoted part may hold dots
            return ".".join(dotted_parts(self.object)[:2])
        return None


def _detail(before: str, after: str, kind: str) -> str:
    if kind == "type" and before.startswith("enum (") and after.startswith("enum ("):
        old = [v.strip() for v in before[6:-1].split(",")]
        new = [v.strip() for v in after[6:-1].split(",")]
        added, gone = [v for v in new if v not in old], [v for v in old if v not in new]
        return ", ".join([*(f"+ value {v}" for v in added), *(f"- value {v}" for v in gone)]) or after
    return f"{before} → {after}"


def between(before: Inventory, after: Inventory) -> list[Change]:
    """Every object added, removed or changed, in kind order then by name."""
    keys = set(before.objects) | set(after.objects)
    out = []
    for kind, name in sorted(keys, key=lambda k: (KINDS.index(k[0]), k[1])):
        old, new = before.objects.get((kind, name)), after.objects.get((kind, name))
        if old is None and new is not None:
            out.append(Change("added", kind, name, new))
        elif new is None and old is not None:
            out.append(Change("removed", kind, name, old))
        elif old != new and old is not None and new is not None:
            out.append(Change("changed", kind, name, _detail(old, new, kind)))
    return out


def touched_tables(changes: list[Change]) -> list[str]:
    """The tables a change made or changed, in the order they first appear."""
    return list(dict.fromkeys(t for c in changes if (t := c.table) is not None))


def folded(changes: list[Change]) -> list[Change]:
    """The changes with what belongs to an added or removed table folded into the table's own,
    and a changed table's new column count left to its columns' own lines."""
    whole = {c.object for c in changes if c.kind == "table" and c.change != "changed"}
    counted = {c.table for c in changes if c.kind == "column"}
    return [
        c
        for c in changes
        if (c.kind == "table" and not (c.change == "changed" and c.object in counted))
        or (c.kind != "table" and c.table not in whole)
    ]
