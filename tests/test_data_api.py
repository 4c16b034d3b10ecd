"""Querying every exposed table as anon and authenticated after the migrations and the seed: an error
there is what the app's first request would meet, reported at the policy that causes it."""

from __future__ import annotations

from pathlib import Path

from checking import GOOD, run_check
from conftest import Database, Project
from schemagate.findings import Finding
from schemagate.report.model import Report

MEMBERS = """
create table if not exists public.orgs (id uuid primary key default gen_random_uuid(), name text);
create table if not exists public.org_members (
  org_id uuid not null references public.orgs (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  primary key (org_id, user_id)
);
alter table public.orgs enable row level security;
alter table public.org_members enable row level security;
create policy "Members see their orgs" on public.orgs for select to authenticated
  using (id in (select org_id from public.org_members where user_id = (select auth.uid())));
"""
RECURSIVE = """
create policy "Members see their org's members" on public.org_members for select to authenticated
  using (org_id in (select m.org_id from public.org_members m where m.user_id = (select auth.uid())));
"""


def _line(path: Path, start: str) -> int:
    """The line of the file that starts so: where the finding must point."""
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(start))


def _failing(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.rule.id == "data-api-query-fails"]


def test_a_policy_that_reads_its_own_table_is_reported_as_recursion(db: Database, project: Project) -> None:
    path = project.write("20251201000000_orgs.sql", MEMBERS + RECURSIVE)
    (found,) = _failing(run_check(db))
    assert found.path == path.relative_to(project.root) and found.line == _line(
        path, "create policy \"Members see their org's"
    )
    assert found.subject == 'policy "Members see their org\'s members" on public.org_members'
    assert "infinite recursion detected in policy" in found.message
    assert found.message.startswith("`select` as authenticated on public.org")


def test_a_policy_calling_a_function_the_caller_may_not_run_is_reported(
    db: Database, project: Project
) -> None:
    sql = (
        MEMBERS
        + "create schema if not exists private;\n"
        + "create or replace function private.is_admin() returns boolean language sql stable\n"
        + "  as $$ select false $$;\n"
        + "revoke execute on function private.is_admin() from public, anon, authenticated;\n"
        + 'create policy "Admins see members" on public.org_members for select to authenticated\n'
        + "  using (private.is_admin());\n"
    )
    path = project.write("20251201000000_orgs.sql", sql)
    (found,) = _failing(run_check(db))  # one finding, though reading orgs reaches it too
    assert (
        found.path == path.relative_to(project.root)
        and found.subject == 'policy "Admins see members" on public.org_members'
    )
    assert found.line == _line(path, 'create policy "Admins see members"')
    assert found.message == (
        "`select` as authenticated on public.org_members, `select` as authenticated on public.orgs fail: "
        "permission denied for function is_admin"
    )


def test_an_insert_policy_the_caller_cannot_pass_is_reported_and_working_tables_are_not(
    db: Database, project: Project
) -> None:
    """things reads and inserts fine with seeded rows; notes' INSERT policy calls a function no caller
    may run: only the insert is reported, at that policy."""
    notes = (
        "create table if not exists public.notes (id bigint generated always as identity primary key,\n"
        "  user_id uuid not null references auth.users (id), body text not null);\n"
        "alter table public.notes enable row level security;\n"
        "create or replace function public.may_write() returns boolean language sql stable\n"
        "  as $$ select true $$;\n"
        "revoke execute on function public.may_write() from public, anon, authenticated;\n"
        'create policy "Own notes" on public.notes for select to authenticated\n'
        "  using (user_id = (select auth.uid()));\n"
        'create policy "Writers add notes" on public.notes for insert to authenticated\n'
        "  with check (user_id = (select auth.uid()) and public.may_write());\n"
        'create policy "Add own things" on public.things for insert to authenticated\n'
        "  with check (user_id = (select auth.uid()));\n"
    )
    path = project.write("20251201000000_things.sql", GOOD + notes)
    (project.root / "supabase" / "seed.sql").write_text(
        "insert into auth.users (id, aud, role, email) values "
        "('00000000-0000-0000-0000-000000000001', 'authenticated', 'authenticated', 'a@example.invalid');\n"
        "insert into public.things (user_id) values ('00000000-0000-0000-0000-000000000001');\n"
    )
    report = run_check(db)
    (found,) = _failing(report)
    assert found.line == _line(path, 'create policy "Writers add notes"')
    assert found.message == (
        "`insert` as authenticated on public.notes fails: permission denied for function may_write"
    )


def test_an_insert_that_recurses_through_another_table_blames_that_table_s_policy(
    db: Database, project: Project
) -> None:
    projects = (
        "create table if not exists public.projects (id bigint generated always as identity primary key,\n"
        "  org_id uuid not null references public.orgs (id),\n"
        "  owner_id uuid not null references auth.users (id));\n"
        "alter table public.projects enable row level security;\n"
        'create policy "Members add projects" on public.projects for insert to authenticated\n'
        "  with check (owner_id = (select auth.uid())\n"
        "              and org_id in (select org_id from public.org_members));\n"
    )
    path = project.write("20251201000000_orgs.sql", MEMBERS + RECURSIVE + projects)
    (found,) = _failing(run_check(db))  # the insert's failure joins the reads': one policy to fix
    assert found.line == _line(path, "create policy \"Members see their org's")
    assert "`insert` as authenticated on public.projects" in found.message
