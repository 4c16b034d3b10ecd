"""Facts about a hosted Supabase project, each shown in both directions on the shim.

What Supabase allows `postgres` applies here; what Supabase refuses fails here, with the reason it
fails there. The facts come from Supabase's own setup migrations (supabase/postgres,
migrations/db/migrations), supautils' settings and the Supabase CLI; each case names its source.
"""

from __future__ import annotations

import psycopg
import pytest

from conftest import Database, Project
from schemagate.database.apply import diagnosis
from schemagate.database.server import binaries, shim
from schemagate.database.server.ephemeral import EphemeralPostgres
from schemagate.files.migrations import Migration
from schemagate.statements.sql import parse

ALLOWED = [
    # demote-postgres: postgres has ALL on schema extensions
    ("extensions schema", "create table if not exists extensions.tiny (id int);"),
    # enable_webhooks_by_default: supabase_functions_admin owns the hooks; postgres is a member
    ("webhooks' hooks table", "create table if not exists supabase_functions.hooks (id int);"),
    ("webhooks' schema", "create table supabase_functions.mine (id int);"),
    # supautils' privileged_role_allowed_configs: what every pg_dump baseline sets
    ("session_replication_role", "set session_replication_role = replica; reset session_replication_role;"),
    ("allowed settings per role", "alter role postgres set log_min_messages = 'warning';"),
    # supautils' reserved roles marked * may have their settings changed
    ("API role settings", "alter role authenticated set statement_timeout = '10s';"),
    # a new project's roles
    (
        "roles",
        "select 'dashboard_user'::regrole, 'supabase_functions_admin'::regrole, "
        "'supabase_realtime_admin'::regrole, 'pgbouncer'::regrole, "
        "'supabase_read_only_user'::regrole, 'supabase_replication_admin'::regrole;",
    ),
    # Realtime's broadcast authorization lives on realtime.messages (supautils policy_grants)
    (
        "broadcast policies",
        'create policy "room members" on realtime.messages for select to authenticated '
        "using (realtime.topic() = 'room:1'); select realtime.send('{}'::jsonb, 'e', 'room:1');",
    ),
    ("GoTrue's tables", "select count(*) from auth.flow_state, auth.one_time_tokens;"),
    (
        "storage's tables and functions",
        "select type from storage.buckets; select count(*) from storage.s3_multipart_uploads;"
        "select * from storage.search('', 'x');",
    ),
    # storage policies: supautils' policy_grants, not membership
    (
        "storage policies",
        'create policy "own files" on storage.objects for select to authenticated '
        "using ((select auth.uid()) = owner); comment on policy \"own files\" on storage.objects is 'x';"
        'alter policy "own files" on storage.objects to authenticated;'
        'drop policy "own files" on storage.objects;',
    ),
    # drop_trigger_grants and the TRIGGER privilege on auth.users: the sign-up trigger
    (
        "sign-up trigger",
        "create or replace function public.on_signup() returns trigger language plpgsql "
        "security definer set search_path = '' as $$ begin return new; end $$;"
        "drop trigger if exists on_auth_user_created on auth.users;"
        "create trigger on_auth_user_created after insert on auth.users "
        "for each row execute function public.on_signup();",
    ),
    # supautils runs these as the superuser and gives postgres the object
    ("foreign data wrappers", "create foreign data wrapper stripe_like;"),
    ("publications for all tables", "create publication everything for all tables;"),
    # schema-15.sql: pgsodium and pgjwt are installed on PostgreSQL 15 projects
    ("pgsodium and pgjwt on 15", "select pgsodium.randombytes_buf(4), extensions.sign('{}'::json, 'k');"),
    # database.dev's install recipe
    (
        "pg_tle",
        "create extension if not exists pg_tle;select pgtle.uninstall_extension_if_exists('supabase-dbdev');",
    ),
    # extensions_parameter_overrides: pg_cron lands in pg_catalog whatever schema is asked
    ("pg_cron's schema", "create extension if not exists pg_cron with schema extensions;"),
]

REFUSED = [
    # revoke_admin_roles_from_postgres: no CREATE on storage, auth, realtime; no membership
    ("a table in storage", "create table storage.mine (id int);", "permission denied for schema storage"),
    ("a table in auth", "create table auth.mine (id int);", "permission denied for schema auth"),
    ("a table in realtime", "create table realtime.mine (id int);", "permission denied for schema realtime"),
    (
        "altering storage.objects",
        "alter table storage.objects add column x int;",
        "must be owner of table objects",
    ),
    (
        "RLS on storage.objects",
        "alter table storage.objects enable row level security;",
        "must be owner of table objects",
    ),
    (
        "a comment on storage.objects",
        "comment on table storage.objects is 'x';",
        "must be owner of relation objects",
    ),
    ("the storage admin's role", "set role supabase_storage_admin;", "permission denied to set role"),
    # nothing a migration runs becomes superuser
    ("the superuser", "set role supabase_admin;", "permission denied to set role"),
    ("a superuser-only setting", "set log_parser_stats = on;", "permission denied to set parameter"),
    ("file_fdw", "create extension file_fdw;", 'permission denied to create extension "file_fdw"'),
]


def _run(db: Database, sql: str) -> None:
    with psycopg.connect(db.url) as conn:  # a transaction, rolled back on leaving
        conn.execute(sql.encode())
        conn.rollback()


@pytest.mark.parametrize(("fact", "sql"), ALLOWED, ids=[a[0] for a in ALLOWED])
def test_what_hosted_supabase_allows_applies(db: Database, fact: str, sql: str) -> None:
    _run(db, sql)


@pytest.mark.parametrize(("fact", "sql", "error"), REFUSED, ids=[r[0] for r in REFUSED])
def test_what_hosted_supabase_refuses_fails_with_its_reason(
    db: Database, project: Project, fact: str, sql: str, error: str
) -> None:
    with pytest.raises(psycopg.Error) as caught:
        _run(db, sql)
    message = caught.value.diag.message_primary or ""
    assert error in message
    (stmt,) = parse(Migration("1", "x", project.migrations / "1_x.sql", sql, "")).statements
    verdict = diagnosis.supabase_verdict(stmt, caught.value, message)
    assert verdict is not None and verdict.startswith("hosted Supabase refuses it too")


def test_a_refusal_supabase_is_not_known_to_make_claims_nothing(db: Database, project: Project) -> None:
    """Where the throwaway database refuses for a reason of its own, no verdict on Supabase."""
    sql = "set role anon; create table public.as_anon (id int);"
    with pytest.raises(psycopg.Error) as caught:
        _run(db, sql)
    statements = parse(Migration("1", "x", project.migrations / "1_x.sql", sql, "")).statements
    message = caught.value.diag.message_primary or ""
    assert diagnosis.supabase_verdict(statements[1], caught.value, message) is None


def test_privileges_lifted_for_one_command_are_back_after_it(db: Database) -> None:
    with psycopg.connect(db.url, autocommit=True) as conn:
        conn.execute(b"create foreign data wrapper lifted_once")
        conn.execute(b'create policy "p" on storage.objects for select using (false)')
        row = conn.execute(
            b"select (select rolsuper from pg_roles where rolname = 'postgres'), "
            b"(select fdwowner::regrole::text from pg_foreign_data_wrapper where fdwname = 'lifted_once'), "
            b"(select relowner::regrole::text from pg_class where oid = 'storage.objects'::regclass)"
        ).fetchone()
    assert row == (False, "postgres", "supabase_storage_admin")


def test_pg_cron_lands_in_pg_catalog(db: Database) -> None:
    with psycopg.connect(db.url, autocommit=True) as conn:
        conn.execute(b"create extension if not exists pg_cron with schema extensions")
        row = conn.execute(
            b"select extnamespace::regnamespace::text from pg_extension where extname = 'pg_cron'"
        )
        assert row.fetchone() == ("pg_catalog",)


def test_the_shim_in_a_database_the_workflow_names_leaves_no_superuser_that_can_log_in() -> None:
    """--check-database-url installs the shim into a services: Postgres; supabase_admin, made
    there, cannot log in, with or without a password."""
    with EphemeralPostgres(binaries.find(), superuser="owner") as server, server.connect() as conn:
        shim.install(conn)
        row = conn.execute(
            b"select rolsuper, rolcanlogin from pg_roles where rolname = 'supabase_admin'"
        ).fetchone()
        members = conn.execute(
            b"select count(*) from pg_auth_members m join pg_roles r on r.oid = m.roleid "
            b"where r.rolsuper and m.member = 'postgres'::regrole"
        ).fetchone()
    assert row == (True, False)
    assert members == (0,)
