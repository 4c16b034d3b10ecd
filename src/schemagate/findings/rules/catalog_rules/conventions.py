"""The team's conventions for new tables: created_at/updated_at timestamps and a COMMENT."""

from __future__ import annotations

from schemagate.findings import Rule, rule
from schemagate.findings.rules.catalog_rules.fragments import NAME, TABLE, TABLES

MISSING_TIMESTAMPS = rule(
    "missing-timestamps",
    "warning",
    "timestamps",
    "New tables have created_at and updated_at",
    "Every table gets timestamptz created_at and updated_at: they answer "
    "'when did this change' in every incident.",
    "created_at timestamptz NOT NULL DEFAULT now(),\nupdated_at timestamptz NOT NULL DEFAULT now()",
    bad="create table if not exists public.things (id bigint primary key);",
    good=(
        "create table if not exists public.things (\n"
        "  id bigint primary key,\n"
        "  created_at timestamptz not null default now(),\n"
        "  updated_at timestamptz not null default now()\n"
        ");"
    ),
)

MISSING_TABLE_COMMENT = rule(
    "missing-table-comment",
    "warning",
    "comments",
    "New tables have a COMMENT",
    "Comments say what a row means, where the next reader looks for it.",
    "COMMENT ON TABLE public.things IS 'What one row of things means';",
    bad="create table if not exists public.things (id bigint primary key);",
    good=(
        "create table if not exists public.things (id bigint primary key);\n"
        "comment on table public.things is 'One row per thing a user owns.';"
    ),
)

QUERIES: list[tuple[Rule, str]] = [
    (
        MISSING_TIMESTAMPS,
        f"""
        SELECT 'table', {TABLE}, {TABLE}, format('new table %s lacks %s', {TABLE},
               concat_ws(' and ', CASE WHEN NOT has_created THEN 'created_at timestamptz' END,
                                  CASE WHEN NOT has_updated THEN 'updated_at timestamptz' END)), NULL,
               concat_ws(E'\n',
                 CASE WHEN NOT has_created THEN format('alter table %s add column if not exists '
                   'created_at timestamptz not null default now();', {NAME}) END,
                 CASE WHEN NOT has_updated THEN format('alter table %s add column if not exists '
                   'updated_at timestamptz not null default now();  -- and a trigger that sets it', {NAME}) END)
        FROM pg_class c CROSS JOIN LATERAL (SELECT
          EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'created_at'
                  AND a.atttypid = 'timestamptz'::regtype AND NOT a.attisdropped) AS has_created,
          EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'updated_at'
                  AND a.atttypid = 'timestamptz'::regtype AND NOT a.attisdropped) AS has_updated) t
        WHERE {TABLES} AND c.oid = ANY(%(created)s::oid[]) AND NOT (has_created AND has_updated)""",
    ),
    (
        MISSING_TABLE_COMMENT,
        f"""
        SELECT 'table', {TABLE}, {TABLE}, format('new table %s has no COMMENT ON TABLE', {TABLE}), NULL,
               format('comment on table %s is ''<what one row is, in a sentence>'';', {NAME})
        FROM pg_class c WHERE {TABLES} AND c.oid = ANY(%(created)s::oid[])
          AND obj_description(c.oid, 'pg_class') IS NULL""",
    ),
]
