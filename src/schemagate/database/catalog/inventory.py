"""What a database holds, object by object: its kind, its name, and its definition in short.

Two inventories of one database, before and after a change's migrations, say what the change did
(`diff.py`); an inventory of the declarative schema files' database against the migrations' says
whether they agree. Every user schema counts, Supabase's own included (a trigger on auth.users is
a change), except the migration history's.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemagate.database.connection import Connection, own_search_path

_USER = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'supabase_migrations') "
    "AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'"
)
_REL = "format('%s.%I', c.relnamespace::regnamespace, c.relname)"
# a relation an extension made (postgis's spatial_ref_sys) is the extension's: "+ extension" says it
_OWN = (
    "NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = 'pg_class'::regclass "
    "AND x.objid = {} AND x.deptype = 'e')"
)
_USER_REL = f"{_USER} AND {_OWN.format('c.oid')}"

# kind -> a query of (object, definition) rows. An object's name is what a reviewer reads:
# schema.table, schema.table.column, schema.table.policy, schema.function(args).
QUERIES = {
    "table": f"""
        SELECT {_REL}, format('%s column%s%s', count(a.attnum),
               CASE WHEN count(a.attnum) = 1 THEN '' ELSE 's' END,
               CASE c.relkind WHEN 'p' THEN ', partitioned' WHEN 'f' THEN ', foreign' ELSE '' END)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE {_USER_REL} AND c.relkind IN ('r', 'p', 'f') GROUP BY c.oid""",
    "column": f"""
        SELECT {_REL} || '.' || quote_ident(a.attname),
               concat_ws(' ', format_type(a.atttypid, a.atttypmod),
                         CASE WHEN a.attnotnull THEN 'not null' END,
                         CASE WHEN a.attidentity <> '' THEN 'generated as identity' END,
                         CASE WHEN d.adbin IS NOT NULL AND a.attgenerated = '' THEN
                              'default ' || pg_get_expr(d.adbin, d.adrelid) END,
                         CASE WHEN a.attgenerated <> '' THEN
                              'generated always as (' || pg_get_expr(d.adbin, d.adrelid) || ')' END)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE {_USER_REL} AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f')""",
    "constraint": f"""
        SELECT {_REL} || '.' || quote_ident(k.conname), pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER_REL}""",
    "index": f"""
        SELECT {_REL}, pg_get_indexdef(c.oid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER} AND {_OWN.format("i.indrelid")} AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid
                                      AND k.contype IN ('p', 'u', 'x'))""",
    "rls": f"""
        SELECT {_REL}, CASE WHEN c.relrowsecurity THEN 'on' ELSE 'off' END
                       || CASE WHEN c.relforcerowsecurity THEN ', forced' ELSE '' END
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER_REL} AND c.relkind IN ('r', 'p')""",
    "policy": f"""
        SELECT {_REL} || '.' || quote_ident(p.polname),
               concat_ws(' ', CASE WHEN NOT p.polpermissive THEN 'restrictive' END,
                         'for ' || CASE p.polcmd WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert'
                                   WHEN 'w' THEN 'update' WHEN 'd' THEN 'delete' ELSE 'all' END,
                         'to ' || (SELECT string_agg(role, ', ' ORDER BY role) FROM (
                                     SELECT CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END AS role
                                     FROM unnest(p.polroles) r) roles),
                         'using (' || pg_get_expr(p.polqual, p.polrelid) || ')',
                         'with check (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')')
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER_REL}""",
    "function": f"""
        SELECT format('%s.%I(%s)', p.pronamespace::regnamespace, p.proname,
                      pg_get_function_identity_arguments(p.oid)),
               concat_ws(', ', CASE p.prokind WHEN 'p' THEN 'procedure'
                                 ELSE 'returns ' || pg_get_function_result(p.oid) END,
                         CASE WHEN p.prosecdef THEN 'security definer' END,
                         (SELECT string_agg(s, ', ') FROM unnest(p.proconfig) s),
                         'body ' || left(md5(p.prosrc), 8))
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE {_USER} AND p.prokind IN ('f', 'p')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')""",
    "trigger": f"""
        SELECT {_REL} || '.' || quote_ident(t.tgname), pg_get_triggerdef(t.oid)
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER_REL} AND NOT t.tgisinternal""",
    "view": f"""
        SELECT {_REL}, concat_ws(', ', CASE c.relkind WHEN 'm' THEN 'materialized' END,
                                 CASE WHEN c.reloptions::text[] && ARRAY['security_invoker=true',
                                      'security_invoker=on'] THEN 'security_invoker' END,
                                 'query ' || left(md5(pg_get_viewdef(c.oid)), 8))
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER_REL} AND c.relkind IN ('v', 'm')""",
    "type": f"""
        SELECT format('%s.%I', t.typnamespace::regnamespace, t.typname),
               CASE t.typtype WHEN 'e' THEN 'enum (' || (SELECT string_agg(quote_literal(e.enumlabel), ', '
                                   ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) || ')'
                    WHEN 'd' THEN 'domain ' || format_type(t.typbasetype, t.typtypmod)
                    ELSE 'composite' END
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE {_USER} AND (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND EXISTS (
              SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c')))
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')""",
    "grant": f"""
        SELECT {_REL} || ' to ' || CASE WHEN g.grantee = 0 THEN 'public' ELSE g.grantee::regrole::text END,
               string_agg(lower(g.privilege_type), ', ' ORDER BY g.privilege_type)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL aclexplode(c.relacl) g
        WHERE {_USER_REL} AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND g.grantee <> c.relowner
        GROUP BY c.oid, c.relnamespace, c.relname, g.grantee""",
    "extension": """
        SELECT e.extname::text, format('%s in %s', e.extversion, e.extnamespace::regnamespace)
        FROM pg_extension e WHERE e.extname <> 'plpgsql'""",
    "publication": """
        SELECT p.pubname::text,
               CASE WHEN p.puballtables THEN 'all tables' ELSE coalesce((
                 SELECT string_agg(format('%I.%I', t.schemaname, t.tablename), ', '
                                   ORDER BY t.schemaname, t.tablename)
                 FROM pg_publication_tables t WHERE t.pubname = p.pubname), 'no tables') END
        FROM pg_publication p""",
}
KINDS = tuple(QUERIES)


@dataclass(frozen=True)
class Inventory:
    objects: dict[tuple[str, str], str]  # (kind, object) -> definition

    def of(self, kind: str) -> dict[str, str]:
        return {name: definition for (k, name), definition in self.objects.items() if k == kind}


def extension_schemas(*found: Inventory) -> set[str]:
    """Schemas an extension was installed into (pgmq, gis, extensions), but public: what lives
    there, such as pgmq's queue tables, the extension's functions make, and no migration or
    schema file declares."""
    schemas = {d.split(" in ", 1)[-1] for f in found for d in f.of("extension").values()}
    return schemas - {"public", "pg_catalog"}


def take(conn: Connection) -> Inventory:
    objects: dict[tuple[str, str], str] = {}
    # types and functions spelled with their schema, whatever the session's search_path: two
    # databases (or one before and after) compare equal only when they are
    with own_search_path(conn):
        for kind, query in QUERIES.items():
            for name, definition in conn.execute(query.encode()).fetchall():
                objects[(kind, str(name))] = str(definition or "")
    return Inventory(objects)


# the picture of a change's tables: their columns, keys and foreign keys ---------------------------
_EDGES = """
SELECT format('%%s.%%I', c.relnamespace::regnamespace, c.relname), format('%%s.%%I', p.relnamespace::regnamespace, p.relname),
       (SELECT string_agg(a.attname, ', ' ORDER BY array_position(k.conkey, a.attnum)) FROM pg_attribute a
        WHERE a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)),
       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey) AND NOT a.attnotnull)
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
WHERE k.contype = 'f' AND (k.conrelid = ANY (%(tables)s::oid[]) OR k.confrelid = ANY (%(tables)s::oid[]))
ORDER BY 1, 2, 3
"""
_OIDS = """
SELECT c.oid, format('%%s.%%I', c.relnamespace::regnamespace, c.relname) FROM pg_class c
WHERE c.relkind IN ('r', 'p', 'f') AND format('%%s.%%I', c.relnamespace::regnamespace, c.relname) = ANY (%(names)s)
"""
# the other end of each foreign key, by oid
_EDGE_OIDS = """
SELECT c.oid, format('%%s.%%I', c.relnamespace::regnamespace, c.relname) FROM pg_constraint k
JOIN pg_class c ON c.oid IN (k.conrelid, k.confrelid)
WHERE k.contype = 'f' AND (k.conrelid = ANY (%(tables)s::oid[]) OR k.confrelid = ANY (%(tables)s::oid[]))
"""
_COLUMNS = """
SELECT format('%%s.%%I', c.relnamespace::regnamespace, c.relname), a.attname,
       CASE WHEN t.typcategory = 'A' THEN e.typname || '[]' ELSE t.typname END,
       concat_ws(',', CASE WHEN EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p' AND a.attnum = ANY (k.conkey)) THEN 'PK' END,
                      CASE WHEN EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'f' AND a.attnum = ANY (k.conkey)) THEN 'FK' END,
                      CASE WHEN EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'u' AND a.attnum = ANY (k.conkey)) THEN 'UK' END)
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type e ON e.oid = t.typelem
WHERE c.oid = ANY (%(tables)s::oid[])
ORDER BY 1, a.attnum
"""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    keys: str  # PK, FK, UK, comma-separated


@dataclass(frozen=True)
class Edge:
    child: str
    parent: str
    columns: str
    optional: bool  # a nullable foreign key: the child may have no parent


@dataclass(frozen=True)
class Relations:
    tables: dict[str, list[Column]]  # in the picture's order: the change's tables first
    edges: list[Edge]
    left_out: int = 0  # tables past the cap
    touched: tuple[str, ...] = ()  # the change's own tables; the rest are neighbours


def relations(conn: Connection, touched: list[str], cap: int = 12) -> Relations:
    """The tables a change touched and their foreign-key neighbours, at most `cap` of them."""
    # by oid: a name as the inventory spells it is for people, and need not parse back
    found = conn.execute(_OIDS.encode(), {"names": touched}).fetchall()
    oids = {str(name): int(str(oid)) for oid, name in found}
    existing = [name for name in touched if name in oids]
    if not existing:
        return Relations({}, [])
    edges = [
        Edge(str(child), str(parent), str(cols), bool(optional))
        for child, parent, cols, optional, *_ in conn.execute(
            _EDGES.encode(), {"tables": [oids[n] for n in existing]}
        ).fetchall()
    ]
    ends = conn.execute(_EDGE_OIDS.encode(), {"tables": [oids[n] for n in existing]}).fetchall()
    oids |= {str(name): int(str(oid)) for oid, name in ends}
    named = list(dict.fromkeys([*existing, *(e.parent for e in edges), *(e.child for e in edges)]))
    shown = named[:cap]
    columns: dict[str, list[Column]] = {name: [] for name in shown}
    rows = conn.execute(_COLUMNS.encode(), {"tables": [oids[n] for n in shown if n in oids]}).fetchall()
    for table, name, kind, keys in rows:
        columns[str(table)].append(Column(str(name), str(kind), str(keys or "")))
    kept = [e for e in edges if e.child in columns and e.parent in columns]
    return Relations(columns, kept, len(named) - len(shown), tuple(existing))
