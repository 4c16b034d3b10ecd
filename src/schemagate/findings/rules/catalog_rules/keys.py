"""Keys and indexes: every table has a primary key, foreign keys are indexed and say what deleting a
parent does, and no index is there twice."""

from __future__ import annotations

from schemagate.findings import Rule, rule
from schemagate.findings.rules.catalog_rules import dual
from schemagate.findings.rules.catalog_rules.fragments import CONSTRAINT, NAME, TABLE, TABLES

UNINDEXED_FOREIGN_KEY = rule(
    "unindexed-foreign-key",
    "warning",
    "fk-index",
    "Foreign keys are indexed",
    "Joins and ON DELETE checks on an unindexed foreign key scan the whole child table.",
    "CREATE INDEX IF NOT EXISTS orders_customer_id_idx ON public.orders (customer_id);",
    alias="unindexed_foreign_keys",
    bad=(
        "create table if not exists public.notes (\n"
        "  id bigint primary key,\n"
        "  user_id uuid not null references auth.users (id) on delete cascade\n"
        ");\n"
        ""
    ),
    good=(
        "create table if not exists public.notes (\n"
        "  id bigint primary key,\n"
        "  user_id uuid not null references auth.users (id) on delete cascade\n"
        ");\n"
        "create index if not exists notes_user_id_idx on public.notes (user_id);"
    ),
)

NO_PRIMARY_KEY = rule(
    "no-primary-key",
    "warning",
    "safety",
    "Tables have a primary key",
    "Without a primary key rows cannot be addressed reliably, and logical replication (realtime) "
    "cannot send updates or deletes.",
    "ALTER TABLE public.things ADD COLUMN IF NOT EXISTS id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;",
    alias="no_primary_key",
    bad="create table if not exists public.events (name text);",
    good="create table if not exists public.events (id bigint generated always as identity primary key, name text);",
)

DUPLICATE_INDEX = rule(
    "duplicate-index",
    "warning",
    "fk-index",
    "No duplicate indexes",
    "Identical indexes double the write cost and storage for nothing.",
    "DROP INDEX IF EXISTS public.things_x_idx1;",
    alias="duplicate_index",
    bad=(
        "create table if not exists public.t (id bigint primary key, code text);\n"
        "create index if not exists t_code_a on public.t (code);\n"
        "create index if not exists t_code_b on public.t (code);"
    ),
    good=(
        "create table if not exists public.t (id bigint primary key, code text);\n"
        "create index if not exists t_code_a on public.t (code);"
    ),
)

FOREIGN_KEY_TO_AUTH_UNIQUE = rule(
    "foreign-key-to-auth-unique",
    "error",
    "fk-index",
    "Foreign keys to auth reference primary keys",
    "A foreign key to a unique column of an auth table other than its primary key (auth.users.email, "
    "say) ties your table to a constraint Supabase Auth may drop or change in an upgrade, which then "
    "fails or blocks.",
    "user_id uuid REFERENCES auth.users (id) ON DELETE CASCADE",
    alias="fkey_to_auth_unique",
    bad=(
        "create table if not exists public.contacts (\n"
        "  id bigint primary key,\n"
        "  phone text references auth.users (phone) on delete cascade\n"
        ");"
    ),
    good=(
        "create table if not exists public.contacts (\n"
        "  id bigint primary key,\n"
        "  user_id uuid references auth.users (id) on delete cascade\n"
        ");"
    ),
)


QUERIES: list[tuple[Rule, str]] = [
    (
        UNINDEXED_FOREIGN_KEY,
        f"""
        SELECT 'constraint', {CONSTRAINT}, {TABLE}, format('foreign key %s on %s (%s) has no index',
               k.conname, {TABLE},
               (SELECT string_agg(a.attname, ', ' ORDER BY a.attnum) FROM pg_attribute a
                WHERE a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey))), NULL,
               format('create index if not exists %I on %s (%s);',
                      left(c.relname || '_' || cols.names || '_idx', 63), {NAME}, cols.list)
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        CROSS JOIN LATERAL (
          SELECT string_agg(a.attname, '_' ORDER BY array_position(k.conkey, a.attnum)) AS names,
                 string_agg(quote_ident(a.attname), ', ' ORDER BY array_position(k.conkey, a.attnum)) AS list
          FROM pg_attribute a WHERE a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey)) cols
        WHERE {TABLES} AND k.contype = 'f' AND NOT EXISTS (
          SELECT 1 FROM pg_index i WHERE i.indrelid = k.conrelid AND i.indisvalid
            AND (SELECT array_agg(x ORDER BY x)
                 FROM unnest((string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(k.conkey)]) x)
              = (SELECT array_agg(x ORDER BY x) FROM unnest(k.conkey) x))""",
    ),
    (dual.FOREIGN_KEY_WITHOUT_ON_DELETE, dual.QUERIES[dual.FOREIGN_KEY_WITHOUT_ON_DELETE]),
    (
        FOREIGN_KEY_TO_AUTH_UNIQUE,
        f"""
        SELECT 'constraint', {CONSTRAINT}, {TABLE},
               format('foreign key %s on %s references unique, non-primary %s', k.conname, {TABLE},
                      k.conindid::regclass), NULL
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_class parent ON parent.oid = k.confrelid JOIN pg_index i ON i.indexrelid = k.conindid
        WHERE k.contype = 'f' AND c.oid = ANY(%(tables)s::oid[])
          AND parent.relnamespace::regnamespace::text = 'auth' AND i.indisunique AND NOT i.indisprimary""",
    ),
    (
        NO_PRIMARY_KEY,
        f"""
        SELECT 'table', {TABLE}, {TABLE}, format('table %s has no primary key', {TABLE}), NULL
        FROM pg_class c WHERE {TABLES}
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')""",
    ),
    (
        DUPLICATE_INDEX,
        f"""
        SELECT 'table', {TABLE}, {TABLE}, format('indexes %s on %s are identical',
               string_agg(i.indexrelid::regclass::text, ', ' ORDER BY i.indexrelid::regclass::text), {TABLE}),
               NULL
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE {TABLES}
        GROUP BY c.oid, ic.relam, i.indisunique, i.indoption::text, i.indkey::text, i.indclass::text,
                 i.indcollation::text, coalesce(pg_get_expr(i.indexprs, i.indrelid), ''),
                 coalesce(pg_get_expr(i.indpred, i.indrelid), '')
        HAVING count(*) > 1""",
    ),
]
