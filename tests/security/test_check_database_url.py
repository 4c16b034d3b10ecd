"""check-database-url: the check commits the PR's SQL there, so it must be an empty database.

A workflow's `services:` container, or a URL given to `schemagate check --check-database-url`:
anything it holds beyond what a fresh server or a fresh Supabase image holds is refused, before the
shim or a migration touches it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conftest import Database, Project, Run
from schemagate.database.server import binaries
from schemagate.database.server.ephemeral import EphemeralPostgres

DELETE = "delete from public.customers;\n"


def admin(db: Database, *statements: str) -> None:
    with db.connect(admin=True) as conn:
        for statement in statements:
            conn.execute(statement.encode())


def test_a_database_with_a_customers_table_is_refused_and_keeps_its_rows(
    cli: Callable[..., Run], db: Database, project: Project
) -> None:
    admin(
        db,
        "create table public.customers (id int primary key, name text)",
        "insert into public.customers select g, 'c' || g from generate_series(1, 1000) g",
        "grant all on public.customers to postgres",
    )
    project.write("20251201000000_wipe.sql", DELETE)
    run = cli("check", "--check-database-url", db.url)
    assert run.code == 2, run.text
    (line,) = run.err.strip().splitlines()
    assert "check needs an empty database" in line and "table public.customers" in line
    assert "point it at an empty database" in line
    assert db.scalar("select count(*) from public.customers") == 1000
    assert db.history() == []  # nothing applied, no history table made


@pytest.mark.parametrize(
    ("setup", "named"),
    [
        (["create schema app"], "schema app"),
        (["create view public.v as select 1 as one"], "view public.v"),
        (["create sequence public.s"], "sequence public.s"),
        (["create function public.f() returns int language sql as 'select 1'"], "function public.f()"),
        (["create type public.mood as enum ('ok')"], "type public.mood"),
        (
            ["insert into auth.users (id) values (gen_random_uuid())"],
            "rows in auth.users",
        ),
        (["insert into storage.buckets (id, name) values ('b', 'b')"], "rows in storage.buckets"),
        (
            [
                "create schema if not exists supabase_migrations",
                "create table if not exists supabase_migrations.schema_migrations "
                "(version text primary key, statements text[], name text)",
                "insert into supabase_migrations.schema_migrations (version) values ('20240101000000')",
            ],
            "rows in supabase_migrations.schema_migrations",
        ),
    ],
)
def test_anything_a_fresh_database_does_not_hold_is_named(
    cli: Callable[..., Run], db: Database, project: Project, setup: list[str], named: str
) -> None:
    admin(db, *setup)
    before = db.history()
    project.write("20251201000000_x.sql", "create table if not exists public.x (id int primary key);")
    run = cli("check", "--check-database-url", db.url)
    assert run.code == 2 and named in run.err, run.text
    assert db.history() == before and "x" not in db.tables()  # nothing applied


def test_the_first_few_are_named_and_the_rest_counted(
    cli: Callable[..., Run], db: Database, project: Project
) -> None:
    admin(db, *(f"create table public.t{i} (id int)" for i in range(8)))
    project.write("20251201000000_x.sql", "select 1;")
    run = cli("check", "--check-database-url", db.url)
    assert run.code == 2 and "table public.t0" in run.err and "and 3 more" in run.err, run.text


def test_only_what_is_not_an_extensions_or_the_shims_is_named(
    cli: Callable[..., Run], db: Database, project: Project
) -> None:
    """A Supabase-shaped database with citext's functions and types in public, and one function
    of someone's own: that function is what is named, nothing of the extension or the shim."""
    admin(
        db,
        "create extension if not exists citext with schema public",
        "create function public.mine() returns int language sql as 'select 1'",
    )
    project.write("20251201000000_x.sql", "select 1;")
    run = cli("check", "--check-database-url", db.url)
    assert run.code == 2, run.text
    assert "holds function public.mine(), and the check would" in run.err


WHO_RUNS = """
do $$ begin
  if current_user <> 'postgres' or (select rolsuper from pg_roles where rolname = current_user) then
    raise exception 'migrations ran as %', current_user;
  end if;
end $$;
"""


def test_a_superusers_url_runs_the_migrations_as_postgres(
    cli: Callable[..., Run], plain_db: Database, project: Project
) -> None:
    """A plain server reached as a superuser: the shim goes in as that superuser, and the PR's SQL
    runs as postgres, which the shim made no superuser."""
    project.write("20251201000000_who.sql", WHO_RUNS)
    run = cli("check", "--check-database-url", plain_db.url)
    assert "migrations ran as" not in run.text, run.text
    assert "apply-failed" not in run.text, run.text


def test_a_url_whose_postgres_is_a_superuser_is_refused(cli: Callable[..., Run], project: Project) -> None:
    """The official postgres image's `postgres` is its superuser: there is nobody else to run the
    PR's SQL as, so the check says so and runs nothing."""
    project.write("20251201000000_who.sql", WHO_RUNS)
    with EphemeralPostgres(binaries.find(), superuser="postgres") as server:
        run = cli("check", "--check-database-url", server.url())
        with server.connect() as conn:
            left = conn.execute(b"SELECT to_regnamespace('auth') IS NULL").fetchone()
    assert run.code == 2, run.text
    (line,) = run.err.strip().splitlines()
    assert "connects as postgres, a superuser" in line and "superuser: true" in line
    assert left == (True,)  # not even the shim went in


def test_a_declared_superuser_runs_as_one_and_is_said_plainly(
    cli: Callable[..., Run], project: Project
) -> None:
    project.write("20251201000000_x.sql", "select 1;")
    (project.root / ".github").mkdir()
    (project.root / ".github" / "schemagate.yml").write_text("superuser: true\n")
    with EphemeralPostgres(binaries.find(), superuser="postgres") as server:
        run = cli("check", "--check-database-url", server.url())
    assert run.code == 0, run.text
    assert "the PR's SQL runs as a superuser (postgres)" in run.text


def test_a_second_check_on_the_same_database_is_refused(
    cli: Callable[..., Run], db: Database, project: Project
) -> None:
    """The first check leaves the PR's objects there (they were committed): the database is no
    longer empty, so a second check refuses it rather than run on the first one's leftovers."""
    project.write("20251201000000_x.sql", "create table if not exists public.x (id int primary key);")
    first = cli("check", "--check-database-url", db.url)
    assert first.code == 1, first.text  # rls-disabled
    second = cli("check", "--check-database-url", db.url)
    assert second.code == 2 and "table public.x" in second.err, second.text
