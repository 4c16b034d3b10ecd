"""Generated down migrations: one test per inverse kind, each proven on a real server."""

from __future__ import annotations

import pytest

from checking import commit_base, run_check
from conftest import Database, Project
from schemagate.files.migrations import Migration
from schemagate.statements.drafts import draft, ident
from schemagate.statements.sql import parse

BASE = (
    "create table if not exists public.base (id int primary key, note text);\n"
    "do $$ begin if not exists (select from pg_roles where rolname = 'reporting') then "
    "create role reporting nologin; end if; end $$;\n"
)

# inverse kind -> an up migration whose draft must round-trip
KINDS = {
    "create table": "create table if not exists public.t (id int);",
    "create index": "create index if not exists base_note_idx on public.base (note);",
    "add column": "alter table public.base add column if not exists extra text;",
    "add constraint": "alter table public.base add constraint base_note_len check (length(note) < 100);",
    "create policy": 'create policy "p" on public.base for select using (true);',
    "enable rls": "alter table public.base enable row level security;",
    "create function": "create or replace function public.f(a int, b text[] default '{}', out c int) "
    "language sql as $$ select a $$;",
    "create trigger": "create or replace function public.tg() returns trigger language plpgsql as "
    "$$ begin return new; end $$;\n"
    "create trigger base_tg before insert on public.base for each row execute function public.tg();",
    "create type": "create type public.mood as enum ('happy', 'sad');",
    "create extension": "create extension if not exists citext with schema extensions;",
    "create schema": "create schema if not exists app;",
    "create view": "create or replace view public.v with (security_invoker = on) as "
    "select id from public.base;",
    "comment on": "comment on table public.base is 'Base rows.';\n"
    "comment on column public.base.note is 'A note.';",
    "grant": "grant select, insert on table public.base to reporting;",
    "idempotent policy": 'drop policy if exists "q" on public.base;\n'
    'create policy "q" on public.base for select using (true);',
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_draft_round_trips(kind: str, db: Database, project: Project) -> None:
    project.write("20251101000000_base.sql", BASE)
    base = commit_base(project)
    project.write("20251201000000_change.sql", KINDS[kind])
    report = run_check(db, base=base)
    (migration,) = report.migrations
    assert migration.draft is not None and migration.draft.complete, migration.draft
    assert migration.draft.proof == "proven", migration.draft.problem
    assert "round-trip-failed" not in {f.rule.id for f in report.findings}


def test_an_update_gives_an_incomplete_draft_that_says_why(db: Database, project: Project) -> None:
    project.write("20251101000000_base.sql", BASE)
    base = commit_base(project)
    project.write(
        "20251201000000_change.sql",
        "alter table public.base add column if not exists flag boolean;\n"
        "update public.base set note = upper(note) where note is not null;\n",
    )
    (migration,) = run_check(db, base=base).migrations
    assert migration.draft is not None and not migration.draft.complete
    assert migration.draft.proof == "not run"
    assert migration.draft.needs_human == [
        "line 2: `update public.base set note = upper(note) where note is not null` — the old values are gone"
    ]
    assert "-- INCOMPLETE" in migration.draft.text
    assert "ALTER TABLE public.base DROP COLUMN IF EXISTS flag;" in migration.draft.text


def test_a_draft_that_would_drop_what_existed_fails_its_proof(db: Database, project: Project) -> None:
    """CREATE EXTENSION IF NOT EXISTS on an extension that was already there: dropping it is wrong."""
    project.write("20251101000000_base.sql", "create extension if not exists citext with schema extensions;")
    base = commit_base(project)
    project.write(
        "20251201000000_change.sql", "create extension if not exists citext with schema extensions;"
    )
    (migration,) = run_check(db, base=base).migrations
    assert migration.draft is not None and migration.draft.proof == "failed"
    assert (
        migration.draft.problem and "removed by the down file: extension: citext" in migration.draft.problem
    )


def test_a_grant_that_changed_nothing_is_not_revoked_blindly(db: Database, project: Project) -> None:
    """anon already has every privilege through Supabase's default grants: REVOKE would take them away."""
    project.write("20251101000000_base.sql", BASE)
    base = commit_base(project)
    project.write("20251201000000_change.sql", "grant select on table public.base to anon;")
    (migration,) = run_check(db, base=base).migrations
    assert migration.draft is not None and migration.draft.proof == "failed"
    assert (
        migration.draft.problem and "removed by the down file: grant: public.base" in migration.draft.problem
    )


def test_drafts_are_written_where_asked(cli: object, db: Database, project: Project) -> None:
    from conftest import run_process

    project.write("20251201000000_t.sql", "create table if not exists public.t (id int primary key);")
    out = project.root / "drafts"
    run = run_process("check", "--check-database-url", db.url, "--drafts", str(out), cwd=project.root)
    assert run.code == 1, run.text  # rls-disabled: still an error, drafts are written anyway
    assert (out / "20251201000000_t.sql").read_text().endswith("DROP TABLE IF EXISTS public.t;\n")


def test_identifiers_are_quoted_only_when_needed() -> None:
    assert [ident(n) for n in ("plain", "user", "Mixed", 'we"ird', "with space")] == [
        "plain",
        '"user"',
        '"Mixed"',
        '"we""ird"',
        '"with space"',
    ]
    parsed = parse(
        Migration(
            "1",
            "x",
            __import__("pathlib").Path("1_x.sql"),
            'create table if not exists "User Data" (id int);',
            "",
        )
    )
    assert draft(parsed).inverse == ['DROP TABLE IF EXISTS public."User Data"'.replace("public.", "")]
