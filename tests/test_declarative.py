"""Declarative schemas (supabase/schemas/*.sql) against the migrations: applied to a second
database on the check's own throwaway server and compared catalog to catalog."""

from __future__ import annotations

import textwrap

from conftest import Project
from schemagate.commands import checking as check
from schemagate.config import Config
from schemagate.report.model import Report

MIGRATION = """
create type public.status as enum ('new', 'paid');
create table if not exists public.orders (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  status public.status not null default 'new',
  note text
);
alter table public.orders enable row level security;
create policy "read own" on public.orders for select to authenticated using ((select auth.uid()) = user_id);
create or replace function public.handle_new_user() returns trigger
  language plpgsql security definer set search_path = '' as $$
begin
  return new;
end $$;
create trigger on_auth_user_created after insert on auth.users
  for each row execute function public.handle_new_user();
"""
TYPES = "create type public.status as enum ('new', 'paid');\n"
ORDERS = MIGRATION.replace(TYPES, "").split("create or replace function")[0]
USERS = "create or replace function" + MIGRATION.split("create or replace function")[1]


def _schemas(project: Project, files: dict[str, str], toml: str | None = None) -> None:
    folder = project.root / "supabase" / "schemas"
    folder.mkdir(parents=True, exist_ok=True)
    for name, sql in files.items():
        (folder / name).write_text(textwrap.dedent(sql).lstrip(), "utf-8")
    if toml is not None:
        (project.root / "supabase" / "config.toml").write_text(textwrap.dedent(toml), "utf-8")


def _check(project: Project, extra: str = "") -> Report:
    project.write("20251201000000_orders.sql", MIGRATION + extra)
    return check.run(Config(), check.Options(), lambda _line: None)  # its own throwaway server


def _drift(report: Report) -> list[str]:
    return [f.message for f in report.findings if f.rule.id == "schemas-out-of-sync"]


ORDERED = """
[db.migrations]
schema_paths = ["./schemas/types.sql", "./schemas/*.sql"]
"""


def test_schemas_that_agree_with_the_migrations_make_no_finding(project: Project) -> None:
    # orders.sql needs types.sql first: config.toml's schema_paths says so, the names would not
    _schemas(project, {"types.sql": TYPES, "orders.sql": ORDERS, "users.sql": USERS}, ORDERED)
    assert _drift(_check(project)) == []


EXTENSIONS = """
create extension if not exists citext with schema extensions version '1.4';
create extension if not exists pgmq;
select pgmq.create('emails');
"""


def test_an_extensions_version_and_what_its_functions_made_are_no_disagreement(project: Project) -> None:
    # the schema files take citext's default version, and leave pgmq's queue tables to pgmq.create
    types = (
        TYPES
        + "create extension if not exists citext with schema extensions;\n"
        + "create extension if not exists pgmq;\n"
    )
    _schemas(project, {"types.sql": types, "orders.sql": ORDERS, "users.sql": USERS}, ORDERED)
    report = _check(project, EXTENSIONS)
    assert _drift(report) == []
    assert report.picture is not None
    assert [c.object for c in report.picture.changes if c.object.startswith("pgmq.q_emails")], (
        "the diff shows them"
    )


def test_each_disagreement_is_a_finding_naming_the_object(project: Project) -> None:
    orders = ORDERS.replace("  note text\n", "  note text,\n  total numeric not null default 0\n")
    orders = orders.replace("using ((select auth.uid()) = user_id)", "using (true)")
    _schemas(project, {"types.sql": TYPES, "orders.sql": orders, "users.sql": USERS}, ORDERED)
    drift = _drift(_check(project))
    assert "column public.orders.total is in supabase/schemas and in no migration" in drift
    changed = [m for m in drift if m.startswith('policy public.orders."read own" differs')]
    assert len(changed) == 1 and "using (true)" in changed[0], drift


def test_what_supabase_db_diff_misses_is_caught(project: Project) -> None:
    # the auth trigger lives only in the migrations: db diff never looks at auth's tables
    _schemas(project, {"types.sql": TYPES, "orders.sql": ORDERS}, ORDERED)
    drift = _drift(_check(project))
    assert "trigger auth.users.on_auth_user_created is in the migrations, not in supabase/schemas" in drift
    assert "function public.handle_new_user() is in the migrations, not in supabase/schemas" in drift


def test_a_removed_table_is_one_finding_not_one_per_column(project: Project) -> None:
    _schemas(project, {"types.sql": TYPES, "users.sql": USERS}, ORDERED)
    drift = _drift(_check(project))
    assert "table public.orders is in the migrations, not in supabase/schemas" in drift
    assert not [m for m in drift if "public.orders." in m], drift


def test_schema_files_that_do_not_apply_are_one_finding_with_file_and_line(project: Project) -> None:
    _schemas(project, {"orders.sql": ORDERS, "types.sql": TYPES})  # by name: orders before its type
    report = _check(project)
    found = [f for f in report.findings if f.rule.id == "schemas-out-of-sync"]
    assert len(found) == 1 and found[0].message.startswith("the schema files do not apply:"), found
    assert found[0].path is not None and found[0].path.name == "orders.sql" and found[0].line is not None
    assert report.migrations[0].status == "applied"  # the migrations' own verdict stands


def test_without_schema_files_there_is_nothing_to_compare(project: Project) -> None:
    assert _drift(_check(project)) == []


def test_migrations_that_fail_are_not_compared_with_the_schema_files(project: Project) -> None:
    _schemas(project, {"types.sql": TYPES, "orders.sql": ORDERS, "users.sql": USERS}, ORDERED)
    report = _check(project, "select no_such_function();")
    assert "apply-failed" in {f.rule.id for f in report.findings}
    assert _drift(report) == []  # half the migrations' schema is no measure of the files
