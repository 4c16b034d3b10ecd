"""Findings judge the database the migrations leave: nothing a later file fixed is reported, an
object made in a DO block is judged like any other, and a finding points at what made it."""

from __future__ import annotations

from checking import GOOD, commit_base, run_check
from conftest import Database, Project

PER_ROW = """
create table if not exists public.notes (
  id bigint primary key, owner uuid,
  created_at timestamptz not null default now(), updated_at timestamptz not null default now()
);
alter table public.notes enable row level security;
comment on table public.notes is 'Notes.';
drop policy if exists "own notes" on public.notes;
create policy "own notes" on public.notes for select to authenticated using (auth.uid() = owner);
"""
FIXED = """
drop policy if exists "own notes" on public.notes;
create policy "own notes" on public.notes for select to authenticated using ((select auth.uid()) = owner);
"""


def _found(db: Database) -> list[tuple[str, str | None, str, int | None]]:
    report = run_check(db)
    return [
        (f.rule.id, f.subject, f.path.name if f.path else "", f.line)
        for f in report.findings
        if f.rule.id not in {"no-down-migration"}
    ]


def test_a_policy_a_later_file_replaced_is_not_reported(db: Database, project: Project) -> None:
    project.write("20250101000000_notes.sql", PER_ROW)
    project.write("20250102000000_rls_optim.sql", FIXED)
    assert [f for f in _found(db) if f[0] == "auth-call-per-row"] == []


def test_a_policy_as_it_finally_is_is_reported_at_its_last_definition(db: Database, project: Project) -> None:
    project.write(
        "20250101000000_notes.sql", PER_ROW.replace("auth.uid() = owner", "(select auth.uid()) = owner")
    )
    project.write(
        "20250102000000_regress.sql", FIXED.replace("(select auth.uid()) = owner", "auth.uid() = owner")
    )
    found = [f for f in _found(db) if f[0] == "auth-call-per-row"]
    assert found == [("auth-call-per-row", "public.notes", "20250102000000_regress.sql", 2)]


def test_an_always_true_policy_is_pointed_at_the_policy_not_the_table(db: Database, project: Project) -> None:
    project.write(
        "20250101000000_things.sql",
        GOOD + '\n\ndrop policy if exists "anyone" on public.things;\n'
        'create policy "anyone" on public.things for update to authenticated using (true);\n',
    )
    (found,) = [f for f in _found(db) if f[0] == "policy-always-true-write"]
    text = (project.migrations / found[2]).read_text().splitlines()
    assert found[3] is not None and text[found[3] - 1].startswith('create policy "anyone"')


def test_a_function_made_by_execute_in_a_do_block_is_judged(db: Database, project: Project) -> None:
    project.write(
        "20250101000000_dynamic.sql",
        "do $$ begin execute 'create function public.sneaky() returns int language sql security definer "
        "as ''select 1'''; end $$;\n",
    )
    found = {(f[0], f[1]) for f in _found(db)}
    assert ("security-definer-search-path", "public.sneaky") in found


def test_an_extension_dropped_and_created_again_rewrites_no_table(db: Database, project: Project) -> None:
    project.write("20250101000000_net.sql", "create extension if not exists pg_net with schema extensions;\n")
    base = commit_base(project)
    project.write(
        "20250102000000_again.sql",
        "drop extension if exists pg_net cascade;\n"
        "create extension if not exists pg_net with schema extensions;\n",
    )
    report = run_check(db, base=base)
    about_net = [f for f in report.findings if f.rule.id in {"table-rewrite", "access-exclusive-lock"}]
    assert about_net == [], [f.message for f in about_net]


def test_the_exposed_schemas_are_the_data_apis_from_config_toml(db: Database, project: Project) -> None:
    (project.root / "supabase" / "config.toml").write_text('[api]\nschemas = ["public", "api"]\n')
    project.write(
        "20250101000000_api.sql",
        "create schema if not exists api;\ncreate table if not exists api.open (id bigint primary key);\n"
        "create table if not exists private_stuff (id bigint primary key);\n",
    )
    from schemagate.config import Config

    report = run_check(db, config=Config(migrations_dir=project.migrations))
    flagged = {f.subject for f in report.findings if f.rule.id == "rls-disabled"}
    assert flagged == {"api.open", "public.private_stuff"}


def test_security_definer_executable_names_the_advisor_lint_per_role(db: Database, project: Project) -> None:
    project.write(
        "20250101000000_rpc.sql",
        "create or replace function public.leak() returns int language sql security definer "
        "set search_path = '' as $$ select 1 $$;\n"
        "revoke execute on function public.leak() from public, authenticated;\n",
    )
    report = run_check(db)
    advisors = {f.alias for f in report.findings if f.rule.id == "security-definer-executable"}
    assert advisors == {"anon_security_definer_function_executable"}
