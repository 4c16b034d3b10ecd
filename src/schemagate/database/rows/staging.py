"""Synthetic rows for a table, as a test writes them: every required column given a value made
up from its type, a foreign key given a parent row staged for it (a few tables deep), and an owner
column given the user's id, with the user's own rows elsewhere (profiles.id) staged first or, where
a trigger on auth.users already made them, reused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from psycopg import sql

from schemagate.database.connection import Connection

_COLUMNS = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typcategory, a.attnotnull,
       d.adbin IS NOT NULL OR a.attidentity <> '' OR a.attgenerated <> '',
       a.attidentity = '' AND a.attgenerated = '' AND NOT EXISTS (
         SELECT 1 FROM pg_constraint k WHERE k.conrelid = a.attrelid AND k.contype IN ('p', 'u')
           AND a.attnum = ANY (k.conkey)),
       (SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = a.atttypid ORDER BY e.enumsortorder LIMIT 1),
       (SELECT k.confrelid::regclass::text FROM pg_constraint k
        WHERE k.conrelid = a.attrelid AND k.contype = 'f' AND a.attnum = ANY (k.conkey) LIMIT 1),
       (SELECT r.attname FROM pg_constraint k
        JOIN pg_attribute r ON r.attrelid = k.confrelid
         AND r.attnum = k.confkey[array_position(k.conkey, a.attnum)]
        WHERE k.conrelid = a.attrelid AND k.contype = 'f' AND a.attnum = ANY (k.conkey) LIMIT 1),
       (SELECT coalesce(substring(pg_get_constraintdef(k.oid) FROM $r$'((?:[^']|'')*)'$r$), '')
        FROM pg_constraint k WHERE k.conrelid = a.attrelid AND k.contype = 'c' AND k.conkey = ARRAY[a.attnum]
        ORDER BY k.conname LIMIT 1)
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
"""


NEW_USER = b"INSERT INTO auth.users (id, aud, role, email) VALUES (%s, 'authenticated', 'authenticated', %s)"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    category: str
    required: bool  # NOT NULL without a default
    first_label: str | None
    references: str | None
    settable: bool = False  # a plain column, no key: an UPDATE may set it to anything
    referenced: str | None = None  # the parent's column a foreign key points at
    # a CHECK on this column alone: its first string literal ('' when it has none), else None
    checked: str | None = None


def typed_value(column: Column, user: uuid.UUID, n: int) -> sql.Composable | None:
    """A value of the column's type for synthetic row n, or None when none can be made up."""
    cast = sql.SQL("::" + column.type)
    literal: object
    if column.references == "auth.users":
        literal = str(user)
    elif column.type == "uuid":
        literal = str(uuid.uuid4())
    elif column.category == "N":
        # a checked number is likely a rating or a count: small, and still one per row
        literal = n if column.checked is not None else 900_000 + n
    elif column.category == "S":
        # a checked text is likely one of a list (`status in ('pending', 'done')`): its first
        literal = column.checked.replace("''", "'") if column.checked else f"schemagate isolation {n}"
    elif column.category == "B":
        literal = False
    elif column.category == "D":
        literal = "2025-01-01 00:00:00+00"
    elif column.category == "E" and column.first_label is not None:
        literal = column.first_label
    elif column.type in {"json", "jsonb"} or column.category == "A":
        literal = "{}"
    else:
        return None
    return sql.Literal(literal) + cast


def columns_of(conn: Connection, oid: int) -> list[Column]:
    return [
        Column(
            str(name),
            str(kind),
            str(category),
            bool(notnull) and not bool(defaulted),
            None if label is None else str(label),
            None if ref is None else str(ref),
            bool(plain) and ref is None,
            None if parent is None else str(parent),
            None if checked is None else str(checked),
        )
        for name, kind, category, notnull, defaulted, plain, label, ref, parent, checked in conn.execute(
            _COLUMNS.encode(), (oid,)
        )
    ]


DEPTH = 3  # parent rows staged for foreign keys, at most this deep


def stage(
    conn: Connection,
    table: str,
    columns: list[Column],
    owner: Column,
    user: uuid.UUID,
    n: int,
    *,
    reuse: bool = False,
    depth: int = 0,
) -> None:
    """A row of the table owned by the user: its owner column set to the user's id, its other
    required columns made up. An owner that is a key of another table (profiles.id) gets the
    user's row there first; with `reuse`, a row the user already has (a trigger on auth.users
    made it) is kept, not written twice."""
    mine = sql.Literal(str(user)) + sql.SQL("::" + owner.type)
    if owner.references and owner.references != "auth.users" and owner.referenced:
        parent, keyed = _parent(conn, owner)
        stage(conn, owner.references, parent, keyed, user, n, reuse=True, depth=_deeper(depth, owner))
    if reuse and _has(conn, table, owner.name, mine):
        return
    insert(conn, table, *row(conn, columns, owner, user, n, depth))


def row(
    conn: Connection, columns: list[Column], owner: Column, user: uuid.UUID, n: int, depth: int = 0
) -> tuple[list[Column], list[sql.Composable]]:
    """The columns a row of the user's must have, and their values (parent rows staged for them)."""
    mine = sql.Literal(str(user)) + sql.SQL("::" + owner.type)
    chosen = [c for c in columns if c.required or c.name == owner.name]
    return chosen, [mine if c.name == owner.name else _made_up(conn, c, user, n, depth) for c in chosen]


def insert(conn: Connection, table: str, chosen: list[Column], values: list[sql.Composable]) -> None:
    statement = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        sql.SQL(table), sql.SQL(", ").join(sql.Identifier(c.name) for c in chosen), sql.SQL(", ").join(values)
    )
    conn.execute(statement)


def _deeper(depth: int, column: Column) -> int:
    if depth + 1 >= DEPTH:
        raise ValueError(f"staging a row needs rows {DEPTH} tables deep, through {column.references}")
    return depth + 1


def _has(conn: Connection, table: str, column: str, value: sql.Composable) -> bool:
    query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE {} = {})").format(
        sql.SQL(table), sql.Identifier(column), value
    )
    row = conn.execute(query).fetchone()
    return bool(row and row[0])


def _made_up(conn: Connection, column: Column, user: uuid.UUID, n: int, depth: int) -> sql.Composable:
    """A value for a required column: made up from its type, or for a foreign key, the key of a
    parent row staged for it."""
    if column.references and column.references != "auth.users" and column.referenced:
        parent, keyed = _parent(conn, column)
        if keyed.references == "auth.users":
            # the parent is the user's own (profiles.id): the user's row there
            stage(conn, column.references, parent, keyed, user, n, reuse=True, depth=_deeper(depth, column))
            return sql.Literal(str(user)) + sql.SQL("::" + column.type)
        chosen = [c for c in parent if c.required]
        deeper = _deeper(depth, column)
        values = [_made_up(conn, c, user, n, deeper) for c in chosen]
        made = sql.SQL("INSERT INTO {} {} RETURNING {}::text").format(
            sql.SQL(column.references),
            sql.SQL("({}) VALUES ({})").format(
                sql.SQL(", ").join(sql.Identifier(c.name) for c in chosen), sql.SQL(", ").join(values)
            )
            if chosen
            else sql.SQL("DEFAULT VALUES"),
            sql.Identifier(column.referenced),
        )
        row = conn.execute(made).fetchone()
        return sql.Literal(row[0] if row else None) + sql.SQL("::" + column.type)
    typed = typed_value(column, user, n)
    if typed is None:
        raise ValueError(f"no made-up value for {column.name} ({column.type})")
    return typed


def _parent(conn: Connection, column: Column) -> tuple[list[Column], Column]:
    """The columns of the table a foreign key points at, and the one it points at."""
    assert column.references is not None
    parent = columns_of(conn, _oid(conn, column.references))
    return parent, next(c for c in parent if c.name == column.referenced)


def _oid(conn: Connection, table: str) -> int:
    row = conn.execute(b"SELECT %s::regclass::oid", (table,)).fetchone()
    assert row is not None
    return int(str(row[0]))
