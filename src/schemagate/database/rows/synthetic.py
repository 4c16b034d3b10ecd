"""Synthetic rows in bulk, so that a migration's rewrite or index build can be timed on the
throwaway database at a known size and the time scaled to production's.

Every column that has no default and is no identity or generated column gets a value made from
the row's number (numbers, text, times and uuids distinct per row, so unique keys hold); foreign
keys and triggers are not enforced while the rows go in (session_replication_role = replica): the
rows are there to be rewritten and indexed, not read. They go in as the role migrations run as,
never a superuser: a default, a CHECK or an ENABLE ALWAYS trigger of the PR's runs as the inserter.
"""

from __future__ import annotations

from psycopg import sql

from schemagate.database.connection import Connection

_COLUMNS = b"""
SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typcategory, t.typname,
       (SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = a.atttypid ORDER BY e.enumsortorder LIMIT 1)
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
  AND a.attidentity = '' AND a.attgenerated = '' AND d.adbin IS NULL
ORDER BY a.attnum
"""
_SMALL = {"int2": "(g % 32000)", "bool": "(g % 2 = 0)", "char": "'x'"}


def _expression(kind: str, category: str, typname: str, label: str | None) -> str | None:
    if typname in _SMALL:
        return _SMALL[typname]
    if category == "N":
        return "g"
    if category == "S":
        return "'synthetic row ' || g"
    if category == "D":
        return "timestamp '2025-01-01' + g * interval '1 second'"
    if typname == "uuid":
        return "md5(g::text)::uuid"
    if category == "E" and label is not None:
        return "'" + label.replace("'", "''") + "'"
    if typname in {"json", "jsonb"}:
        return "'{}'"
    if category == "A":
        return "'{}'"
    return None


def fill(conn: Connection, table: str, rows: int) -> str | None:
    """`rows` synthetic rows into the table; None when done, else why it could not be."""
    columns = conn.execute(_COLUMNS, (table,)).fetchall()
    names, values = [], []
    for name, kind, category, typname, label in columns:
        made = _expression(str(kind), str(category), str(typname), None if label is None else str(label))
        if made is None:
            return f"no synthetic value for {name} ({kind})"
        names.append(sql.Identifier(str(name)))
        values.append(sql.SQL(f"({made})::{kind}"))
    insert = sql.SQL("INSERT INTO {} {} SELECT {} FROM generate_series(1, %s) g").format(
        sql.SQL(table),
        sql.SQL("({})").format(sql.SQL(", ").join(names)) if names else sql.SQL(""),
        sql.SQL(", ").join(values) if values else sql.SQL(""),
    )
    try:
        with conn.transaction():
            conn.execute(b"SET LOCAL session_replication_role = replica")
            conn.execute(insert, (rows,))
        conn.execute(sql.SQL("ANALYZE {}").format(sql.SQL(table)))
    except Exception as exc:
        return f"synthetic rows do not fit: {str(exc).splitlines()[0]}"
    return None
