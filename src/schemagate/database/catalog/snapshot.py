"""A canonical picture of a database's schema, to prove that a down migration undoes its up.

One query per object kind, each returning `kind: definition` lines for every user schema; two
snapshots are equal exactly when the schemas are. The migration history's own schema is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemagate.database.connection import Connection, own_search_path

_USER_SCHEMAS = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'supabase_migrations') "
    "AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'"
)

_QUERIES = {
    "schema": f"SELECT n.nspname FROM pg_namespace n WHERE {_USER_SCHEMAS}",
    "extension": "SELECT format('%I %s', e.extname, e.extversion) FROM pg_extension e",
    "relation": f"""
        SELECT format('%I.%I %s rls=%s force=%s', n.nspname, c.relname,
                      CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'
                        WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                        WHEN 'f' THEN 'foreign table' END,
                      c.relrowsecurity, c.relforcerowsecurity)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER_SCHEMAS} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')""",
    "column": f"""
        SELECT format('%I.%I.%I %s notnull=%s default=%s identity=%s generated=%s', n.nspname,
                      c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                      pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE {_USER_SCHEMAS} AND a.attnum > 0 AND NOT a.attisdropped
          AND c.relkind IN ('r', 'p', 'v', 'm', 'f')""",
    "constraint": f"""
        SELECT format('%I.%I %I %s', n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid))
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_USER_SCHEMAS}""",
    "index": f"""
        SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_USER_SCHEMAS}""",
    "policy": f"""
        SELECT format('%I.%I %I %s %s roles=%s using=%s check=%s', n.nspname, c.relname, p.polname,
                      p.polcmd, p.polpermissive, p.polroles::regrole[]::text,
                      pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_USER_SCHEMAS}""",
    "function": f"""
        SELECT format('%I.%I(%s) %s', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
                      md5(pg_get_functiondef(p.oid)))
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE {_USER_SCHEMAS} AND p.prokind IN ('f', 'p', 'w')""",
    "trigger": f"""
        SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_USER_SCHEMAS} AND NOT t.tgisinternal""",
    "view": f"""
        SELECT format('%I.%I %s', n.nspname, c.relname, md5(pg_get_viewdef(c.oid)))
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER_SCHEMAS} AND c.relkind IN ('v', 'm')""",
    "type": f"""
        SELECT format('%I.%I %s', n.nspname, t.typname, CASE t.typtype
                 WHEN 'e' THEN format('enum (%s)', (
                     SELECT string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder)
                     FROM pg_enum e WHERE e.enumtypid = t.oid))
                 WHEN 'd' THEN 'domain over ' || format_type(t.typbasetype, t.typtypmod)
                 ELSE 'composite type' END)
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE {_USER_SCHEMAS} AND t.typtype IN ('e', 'd')
           OR ({_USER_SCHEMAS} AND t.typtype = 'c' AND EXISTS (
               SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))""",
    "comment": f"""
        SELECT format('%s %s', d.objoid::regclass, d.description) FROM pg_description d
        JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_USER_SCHEMAS} AND d.objsubid = 0""",
    "grant": f"""
        SELECT format('%I.%I %s', n.nspname, c.relname, c.relacl::text)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER_SCHEMAS} AND c.relacl IS NOT NULL""",
}


@dataclass(frozen=True)
class Snapshot:
    lines: frozenset[str]

    def diff(self, other: Snapshot, *, gone: str = "- ", new: str = "+ ", limit: int = 8) -> list[str]:
        """What differs, big objects (schemas, relations) first: `gone` lines only here, `new` only there."""
        changes = [f"{gone}{line}" for line in sorted(self.lines - other.lines, key=_weight)]
        changes += [f"{new}{line}" for line in sorted(other.lines - self.lines, key=_weight)]
        return changes[:limit] + ([f"… and {len(changes) - limit} more"] if len(changes) > limit else [])


_KINDS = list(_QUERIES)


def _weight(line: str) -> tuple[int, str]:
    kind = line.split(":", 1)[0]
    return (_KINDS.index(kind) if kind in _KINDS else len(_KINDS), line)


def take(conn: Connection) -> Snapshot:
    lines: set[str] = set()
    with own_search_path(conn):  # the same spelling before and after, none of a migration's operators
        for kind, query in _QUERIES.items():
            for (line,) in conn.execute(query.encode()).fetchall():
                lines.add(f"{kind}: {line}")
    return Snapshot(frozenset(lines))
