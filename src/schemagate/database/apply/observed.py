"""What a migration does to the tables while it runs, read from the catalog of its own session:
the locks it holds, and the file nodes whose change shows a rewrite."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schemagate.database.connection import Connection


@dataclass(frozen=True)
class Lock:
    table: str
    mode: str
    oid: int = 0


def user_tables(conn: Connection, column: str, kinds: str) -> dict[str, int]:
    """schema.name -> one integer column of pg_class, for user relations of the given relkinds."""
    rows = conn.execute(
        f"SELECT format('%s.%s', c.relnamespace::regnamespace, c.relname), c.{column}::bigint "
        "FROM pg_class c "
        f"WHERE c.relkind::text = ANY('{{{kinds}}}'::text[]) AND c.relnamespace::regnamespace::text NOT IN "
        "('pg_catalog', 'information_schema', 'pg_toast', 'supabase_migrations')".encode()
    ).fetchall()
    return {str(name): int(value) for name, value in rows}  # type: ignore[call-overload]


def relfilenodes(conn: Connection) -> dict[int, int]:
    """Every user table's file node by oid: a table is rewritten exactly when its file node
    changes while its oid stays (a table dropped and made again has a new oid: no rewrite)."""
    rows = conn.execute(
        b"SELECT c.oid::bigint, c.relfilenode::bigint FROM pg_class c WHERE c.relkind IN ('r', 'm') "
        b"AND c.relnamespace::regnamespace::text NOT IN "
        b"('pg_catalog', 'information_schema', 'pg_toast', 'supabase_migrations')"
    ).fetchall()
    return {int(oid): int(node) for oid, node in rows}  # type: ignore[call-overload]


def held_locks(conn: Connection) -> list[Lock]:
    """The table locks this session holds now, inside the migration's open transaction."""
    rows = conn.execute(
        b"SELECT DISTINCT format('%s.%s', c.relnamespace::regnamespace, c.relname), l.mode, c.oid::bigint "
        b"FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        b"WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND c.relkind IN ('r', 'p', 'm')"
    ).fetchall()
    return [Lock(str(t), str(m), int(o)) for t, m, o in rows]  # type: ignore[call-overload]
