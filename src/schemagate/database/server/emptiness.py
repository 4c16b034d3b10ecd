"""A database a workflow names for the check (check-database-url) must be empty.

The check commits the PR's SQL there, unreviewed: a `delete from public.customers` in the PR runs
on whatever that database holds. So it is refused unless it holds nothing beyond what a fresh server
or a fresh Supabase image holds: PostgreSQL's and Supabase's own schemas (and the shim's), the
extensions' objects wherever they live, an empty `public`, and no row in the tables a project's
history, users and files live in. Checked before anything is installed or applied.
"""

from __future__ import annotations

from schemagate.database.connection import Connection
from schemagate.database.server.hosted import MANAGED_SCHEMAS
from schemagate.errors import InputError

# what a fresh Supabase image (and the shim that builds one) has besides the services' schemas
SUPABASE_SCHEMAS = MANAGED_SCHEMAS | {
    "extensions",
    "graphql",
    "graphql_public",
    "supabase_functions",
    "supabase_migrations",
    "pgsodium_masks",
    "_realtime",
    "_analytics",
    "pgtle",
    "schemagate",  # the shim's own
}
POSTGRES_SCHEMAS = frozenset({"pg_catalog", "information_schema", "pg_toast"})
# tables of the managed schemas that a fresh project has empty
DATA_TABLES = (
    "supabase_migrations.schema_migrations",
    "auth.users",
    "storage.buckets",
    "storage.objects",
)
SHOWN = 5

_OBJECTS = b"""
WITH managed AS (
  SELECT n.oid FROM pg_namespace n
   WHERE n.nspname = ANY(%(managed)s) OR n.nspname ~ '^pg_(toast_)?temp_'
      OR EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass
                 AND d.objid = n.oid AND d.deptype = 'e')
), member AS (
  SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
), owned AS (  -- what is in a schema that is not managed, and no extension's
  SELECT 1 AS rank, CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
           WHEN 'S' THEN 'sequence' WHEN 'c' THEN 'type' WHEN 'f' THEN 'foreign table'
           ELSE 'table' END AS kind, c.relnamespace AS ns, c.relname::text AS name
    FROM pg_class c
   WHERE c.relkind IN ('r','p','f','v','m','S','c')
     AND ('pg_class'::regclass, c.oid) NOT IN (SELECT classid, objid FROM member)
  UNION ALL
  SELECT 2, CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
         p.pronamespace, quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')'
    FROM pg_proc p
   WHERE ('pg_proc'::regclass, p.oid) NOT IN (SELECT classid, objid FROM member)
  UNION ALL
  SELECT 3, 'type', t.typnamespace, quote_ident(t.typname)
    FROM pg_type t
   WHERE t.typtype IN ('b','d','e','r')
     AND NOT EXISTS (SELECT FROM pg_type a WHERE a.typarray = t.oid)
     AND ('pg_type'::regclass, t.oid) NOT IN (SELECT classid, objid FROM member)
)
SELECT kind, name FROM (
  SELECT 0 AS rank, 'schema' AS kind, quote_ident(n.nspname) AS name
    FROM pg_namespace n WHERE n.oid NOT IN (SELECT oid FROM managed) AND n.nspname <> 'public'
  UNION ALL
  SELECT o.rank, o.kind, quote_ident(n.nspname) || '.' || CASE WHEN o.rank = 1
         THEN quote_ident(o.name) ELSE o.name END
    FROM owned o JOIN pg_namespace n ON n.oid = o.ns
   WHERE o.ns NOT IN (SELECT oid FROM managed)
) found
ORDER BY rank, name
"""


def refuse_unless_empty(conn: Connection) -> None:
    """Raise when the connected database holds anything a fresh one does not; say what."""
    managed = sorted(SUPABASE_SCHEMAS | POSTGRES_SCHEMAS)
    found = [f"{kind} {name}" for kind, name in conn.execute(_OBJECTS, {"managed": managed}).fetchall()]
    found += [held for table in DATA_TABLES if (held := _rows(conn, table))]
    if not found:
        return
    shown = ", ".join(_printable(item) for item in found[:SHOWN])
    more = f" and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    raise InputError(
        f"check needs an empty database: the one check-database-url names holds {shown}{more}, "
        "and the check would commit the PR's SQL there; point it at an empty database "
        "(a new `services:` container)"
    )


def _rows(conn: Connection, table: str) -> str | None:
    """What a table that should be empty holds: None when it is empty or absent. (The names are
    this module's constants, never input.)"""
    row = conn.execute(
        b"SELECT CASE WHEN to_regclass(%(t)s) IS NULL THEN 'absent' "
        b"WHEN has_table_privilege(to_regclass(%(t)s), 'SELECT') THEN 'readable' ELSE 'closed' END",
        {"t": table},
    ).fetchone()
    state = str(row[0]) if row else "absent"
    if state == "closed":
        return f"{table} (which this role cannot read)"
    if state != "readable":
        return None
    held = conn.execute(f"SELECT EXISTS (SELECT FROM {table})".encode()).fetchone()
    return f"rows in {table}" if held and held[0] else None


def _printable(text: str) -> str:
    """A name from the database on one line of output."""
    return "".join(c if c.isprintable() else "?" for c in text)
