"""schemagate's own catalog queries run on the session the migrations ran on. A migration's SET (not
LOCAL) outlives its COMMIT, and a temp table lives as long as the session: with an operator
`public.=(oid, oid)` that answers false and `SET search_path = public, pg_catalog`, or a temp
`pg_class` with no rows, every catalog query afterwards would see nothing, and a table without
row level security would pass. Each trick leaves the findings as they are without it."""

from __future__ import annotations

import pytest
from attacks import check_attack

from conftest import Project

OPEN = "create table if not exists public.open_table (id int primary key);\n"
TRICKS = {
    "operators in public first": """
        create or replace function public.never(oid, oid) returns boolean language sql
          as $$ select false $$;
        create operator public.= (leftarg = oid, rightarg = oid, function = public.never);
        create or replace function public.never(name, name) returns boolean language sql
          as $$ select false $$;
        create operator public.= (leftarg = name, rightarg = name, function = public.never);
        set search_path = public, pg_catalog;
    """,
    "a temp pg_class with no rows": """
        create temp table pg_class as select * from pg_catalog.pg_class where false;
        create temp table pg_namespace as select * from pg_catalog.pg_namespace where false;
    """,
}


@pytest.mark.parametrize("supabase", [True, False], ids=["shim", "plain"])
@pytest.mark.parametrize("trick", TRICKS.values(), ids=TRICKS.keys())
def test_a_migration_cannot_make_the_catalog_queries_lie(
    project: Project, trick: str, supabase: bool
) -> None:
    report = check_attack(project, OPEN + trick, major=17, supabase=supabase)
    ids = {f.rule.id for f in report.findings}
    assert "apply-failed" not in ids, [f.message for f in report.findings]
    assert "rls-disabled" in ids and "missing-timestamps" in ids, ids


LEAKY = """
create table if not exists public.notes (
  id bigint generated always as identity primary key,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index if not exists notes_user_id_idx on public.notes (user_id);
comment on table public.notes is 'Notes.';
alter table public.notes enable row level security;
drop policy if exists "read" on public.notes;
create policy "read" on public.notes for select to authenticated
  using (user_id = (select auth.uid()) or id > 0);
"""
# the proof stages its made-up users' rows, and this trigger fires then: from there on the
# proof's own `user_id = '…'::uuid` would find no row, and the leak would read as held
FLIP = """
create or replace function public.never(uuid, uuid) returns boolean language sql immutable
  set search_path = '' as $$ select false $$;
create operator public.= (leftarg = uuid, rightarg = uuid, function = public.never);
create or replace function public.flip() returns trigger language plpgsql set search_path = '' as $$
begin perform pg_catalog.set_config('search_path', 'public, pg_catalog', false); return new; end $$;
create trigger flip before insert on public.notes for each row execute function public.flip();
"""


@pytest.mark.parametrize("trick", ["", FLIP], ids=["as written", "a trigger flips the search_path"])
def test_a_trigger_cannot_make_the_isolation_proof_miss_a_leak(project: Project, trick: str) -> None:
    report = check_attack(project, LEAKY + trick, major=17, supabase=True)
    leaks = [f.message for f in report.findings if f.rule.id == "isolation-leak"]
    assert len(leaks) == 1 and 'through policy "read"' in leaks[0], [f.message for f in report.findings]
