"""The Supabase shim: real Supabase migrations apply, RLS works, and hosted refusals happen here too."""

from __future__ import annotations

import json
from collections.abc import Callable

from conftest import Database, Project, Run

Cli = Callable[..., Run]
USER_A = "00000000-0000-4000-8000-00000000000a"
USER_B = "00000000-0000-4000-8000-00000000000b"


def test_migrations_run_as_a_demoted_postgres_role(db: Database) -> None:
    with db.connect() as conn:
        row = conn.execute(
            "select rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls "
            "from pg_roles where rolname = current_user"
        ).fetchone()
    assert row == (False, True, True, True, True)


def test_supabase_roles_schemas_and_extensions_exist(db: Database) -> None:
    with db.connect() as conn:
        roles = {r[0] for r in conn.execute("select rolname from pg_roles").fetchall()}
        schemas = {r[0] for r in conn.execute("select nspname from pg_namespace").fetchall()}
        uuid = conn.execute("select uuid_generate_v4()").fetchone()
        users = {
            r[0]
            for r in conn.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'auth' and table_name = 'users'"
            ).fetchall()
        }
    assert {"anon", "authenticated", "service_role", "authenticator", "supabase_admin"} <= roles
    assert {"auth", "storage", "extensions"} <= schemas
    assert uuid is not None and str(uuid[0])[14] == "4"  # a version-4 UUID, unqualified call resolves
    assert {"id", "email", "raw_user_meta_data", "raw_app_meta_data", "created_at"} <= users


def test_auth_functions_read_request_jwt_claims(db: Database) -> None:
    claims = {"sub": USER_A, "role": "authenticated", "email": "ada@example.com"}
    with db.connect() as conn:
        conn.execute("select set_config('request.jwt.claims', %s, false)", (json.dumps(claims),))
        row = conn.execute("select auth.uid(), auth.role(), auth.email(), auth.jwt() ->> 'sub'").fetchone()
    assert row is not None
    assert (str(row[0]), row[1], row[2], row[3]) == (USER_A, "authenticated", "ada@example.com", USER_A)


def test_seed_example_policies_let_a_user_see_only_their_rows(
    cli: Cli, db: Database, example: Project
) -> None:
    run = cli("apply", "--database-url", db.url)
    assert run.code == 0, run.text
    with db.connect() as conn:
        conn.execute(
            "insert into auth.users (id, email) values (%s, 'a@example.com'), (%s, 'b@example.com')",
            (USER_A, USER_B),
        )
        conn.execute(
            "insert into user_preferences (user_id, theme) values (%s, 'dark'), (%s, 'light')",
            (USER_A, USER_B),
        )
        conn.autocommit = False
        conn.execute("set local role authenticated")
        conn.execute(
            "select set_config('request.jwt.claims', %s, true)",
            (json.dumps({"sub": USER_A, "role": "authenticated"}),),
        )
        seen = conn.execute("select user_id::text, theme from user_preferences").fetchall()
        conn.rollback()
    assert seen == [(USER_A, "dark")]


def test_altering_an_auth_table_fails_as_it_would_on_hosted_supabase(cli: Cli, project: Project) -> None:
    project.write("1_ok.sql", "create table public.notes (id int);")
    project.write("2_bad.sql", "select 1;\nalter table auth.users add column nickname text;")
    run = cli("local")
    assert run.code == 1
    assert "2_bad.sql:2: 42501 must be owner of table users" in run.err
    assert "hosted Supabase refuses it too: schema auth belongs to Supabase's own services" in run.err


def test_documented_supabase_patterns_apply(cli: Cli, db: Database, project: Project) -> None:
    project.write(
        "1_profiles.sql",
        """
        create table if not exists public.profiles (
          id uuid primary key references auth.users (id) on delete cascade,
          username text
        );
        create or replace function public.handle_new_user() returns trigger
        language plpgsql security definer set search_path = '' as $$
        begin
          insert into public.profiles (id, username) values (new.id, new.raw_user_meta_data ->> 'username');
          return new;
        end $$;
        create trigger on_auth_user_created after insert on auth.users
          for each row execute procedure public.handle_new_user();
        insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);
        create policy "own folder" on storage.objects for insert to authenticated
          with check (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text);
        create extension if not exists "uuid-ossp" with schema extensions;
        grant select on public.profiles to anon;
        """,
    )
    run = cli("apply", "--database-url", db.url)
    assert run.code == 0, run.text
    with db.connect() as conn:
        conn.execute(
            'insert into auth.users (id, raw_user_meta_data) values (%s, \'{"username": "ada"}\')', (USER_A,)
        )
        assert conn.execute("select username from public.profiles").fetchone() == ("ada",)
        assert conn.execute(
            "select storage.foldername('a/b/c.png'), storage.filename('a/b/c.png'), "
            "storage.extension('a/b/c.png')"
        ).fetchone() == (["a", "b"], "c.png", "png")
