"""`fix` and the drafts agree: for every kind of fix `schemagate fix` writes, the draft of the fixed
migration undoes it, proven by the check's round trip (up, draft, the schema as before, up again).

Two kinds of fix have no inverse by nature and are left out: `DROP … IF EXISTS` (what was dropped
cannot be recreated from the drop) and `ALTER TYPE … ADD VALUE IF NOT EXISTS` (PostgreSQL cannot drop
an enum value); their drafts say so before and after the fix alike.
"""

from __future__ import annotations

import pytest

from checking import commit_base, fresh_database, run_check
from conftest import Database, Project
from schemagate.commands import CheckOptions, fix
from schemagate.config import Config

BASE = "create table if not exists public.base (id int primary key, note text);\n"
FUNCTION = (
    "create or replace function public.f() returns int language sql set search_path = '' as $$ select 1 $$;\n"
)

# fix kind -> (a migration it fixes, a line the fix writes, the inverse the draft must hold)
KINDS: dict[str, tuple[str, str, str]] = {
    "if not exists: table": (
        "create table public.t (id bigint primary key);",
        "create table if not exists public.t",
        "DROP TABLE IF EXISTS public.t",
    ),
    "if not exists: index": (
        "create index base_note_idx on public.base (note);",
        "create index if not exists base_note_idx",
        "DROP INDEX IF EXISTS public.base_note_idx",
    ),
    "if not exists: schema": (
        "create schema app;",
        "create schema if not exists app",
        "DROP SCHEMA IF EXISTS app",
    ),
    "if not exists: sequence": (
        "create sequence public.s;",
        "create sequence if not exists public.s",
        "DROP SEQUENCE IF EXISTS public.s",
    ),
    "if not exists: extension": (
        "create extension citext with schema extensions;",
        "create extension if not exists citext",
        "DROP EXTENSION IF EXISTS citext",
    ),
    "if not exists: materialized view": (
        "create materialized view public.mv as select id from public.base;",
        "create materialized view if not exists public.mv",
        "DROP MATERIALIZED VIEW IF EXISTS public.mv",
    ),
    "or replace: view": (
        "create view public.v with (security_invoker = on) as select id from public.base;",
        "create or replace view public.v",
        "DROP VIEW IF EXISTS public.v",
    ),
    "or replace: function": (
        FUNCTION.replace("create or replace", "create"),
        "create or replace function public.f()",
        "DROP FUNCTION IF EXISTS public.f()",
    ),
    "or replace: trigger": (
        "create or replace function public.tg() returns trigger language plpgsql set search_path = ''\n"
        "  as $$ begin return new; end $$;\n"
        "create trigger base_tg before insert on public.base for each row execute function public.tg();",
        "create or replace trigger base_tg",
        "DROP TRIGGER IF EXISTS base_tg ON public.base",
    ),
    "guard: enum type": (
        "create type public.project_status as enum ('active', 'archived');",
        "exception when duplicate_object then null;",
        "DROP TYPE IF EXISTS public.project_status",
    ),
    "guard: composite type": (
        "create type public.pair as (a int, b int);",
        "exception when duplicate_object then null;",
        "DROP TYPE IF EXISTS public.pair",
    ),
    "guard: domain": (
        "create domain public.positive as int check (value > 0);",
        "exception when duplicate_object then null;",
        "DROP DOMAIN IF EXISTS public.positive",
    ),
    "drop first: policy": (
        'create policy "read" on public.base for select to authenticated using (note is not null);',
        'drop policy if exists "read" on public.base;',
        "DROP POLICY IF EXISTS read ON public.base",
    ),
    "guard: add column": (
        "alter table public.base add column extra text;",
        "add column if not exists extra",
        "ALTER TABLE public.base DROP COLUMN IF EXISTS extra",
    ),
    "sub-select: auth call": (
        "alter table public.base enable row level security;\n"
        'drop policy if exists "own" on public.base;\n'
        'create policy "own" on public.base for select to authenticated using (auth.uid() is not null);',
        "using ((select auth.uid()) is not null)",
        "DROP POLICY IF EXISTS own ON public.base",
    ),
    "after: enable rls": (
        "create table if not exists public.open (id bigint primary key);",
        "alter table public.open enable row level security;",
        "ALTER TABLE public.open DISABLE ROW LEVEL SECURITY",
    ),
    "after: foreign key index": (
        "create table if not exists public.child (id bigint primary key,\n"
        "  base_id int references public.base (id) on delete cascade);",
        "create index if not exists",
        "DROP INDEX IF EXISTS public.",
    ),
    "after: function search_path": (
        FUNCTION.replace(" set search_path = ''", ""),
        "alter function public.f() set search_path = '';",
        "ALTER FUNCTION public.f() RESET search_path",
    ),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_draft_of_a_fixed_migration_undoes_the_fix(kind: str, db: Database, project: Project) -> None:
    up, written, inverse = KINDS[kind]
    project.write("20251101000000_base.sql", BASE)
    base = commit_base(project)
    path = project.write("20251201000000_change.sql", up + "\n")
    done = fix(Config(), CheckOptions(base=base, database_url=db.url), dry_run=False)
    assert done.changed and written in path.read_text(), path.read_text()
    with fresh_database(db) as other:
        (migration,) = run_check(other, base=base).migrations
    assert migration.status == "applied"
    assert migration.draft is not None
    assert migration.draft.complete, migration.draft.needs_human
    assert inverse in migration.draft.text, migration.draft.text
    assert migration.draft.proof == "proven", migration.draft.problem


def test_what_a_down_file_leaves_behind_reads_as_words(db: Database, project: Project) -> None:
    project.write("20251101000000_base.sql", BASE)
    base = commit_base(project)
    project.write(
        "20251201000000_change.sql",
        "create type public.project_status as enum ('active', 'archived');\n"
        "create domain public.positive as int check (value > 0);\n"
        "create materialized view public.mv as select id from public.base;\n",
    )
    rollbacks = project.root / "supabase" / "rollbacks"
    rollbacks.mkdir()
    (rollbacks / "20251201000000_change.sql").write_text("select 1;\n")  # undoes nothing
    report = run_check(db, base=base)
    (finding,) = [f for f in report.findings if f.rule.id == "round-trip-failed"]
    assert finding.detail is not None
    left = [line.removeprefix("left behind by the down file: ") for line in finding.detail.splitlines()]
    assert "relation: public.mv materialized view rls=f force=f" in left
    assert "type: public.project_status enum (active, archived)" in left
    assert "type: public.positive domain over integer" in left
