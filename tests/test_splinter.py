"""Aliased rules agree with Supabase's own database advisor (splinter) on the same database.

One migration holds, for every lint schemagate names, an object that breaks it and one that does
not. `schemagate check` runs against a database; the real Supabase CLI's `db advisors` then reads
the same database; for every alias the two must flag the same objects.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from checking import fresh_database, run_check
from conftest import Database, Project
from schemagate.findings import registry
from supabasecli import run_supabase

pytestmark = pytest.mark.interop

# Every table carries timestamps and a comment so only the rule under test speaks.
MIGRATION = """
create extension if not exists citext with schema public;

-- rls_disabled_in_public: open_book breaks it, closed_book does not
create table if not exists public.open_book (id bigint primary key);
create table if not exists public.closed_book (id bigint primary key);
alter table public.closed_book enable row level security;
create policy "read" on public.closed_book for select to authenticated using (true);

-- rls_enabled_no_policy
create table if not exists public.sealed (id bigint primary key);
alter table public.sealed enable row level security;

-- policy_exists_rls_disabled
create table if not exists public.forgotten (id bigint primary key);
create policy "read" on public.forgotten for select to authenticated using (true);

-- unindexed_foreign_keys, no_primary_key
create table if not exists public.parent (id bigint primary key);
create table if not exists public.orphans (parent_id bigint references public.parent (id) on delete cascade);
create table if not exists public.children (
  id bigint primary key,
  parent_id bigint references public.parent (id) on delete cascade
);
create index if not exists children_parent_idx on public.children (parent_id);

-- duplicate_index: twice has two identical indexes; unique_and_plain differs in uniqueness
create table if not exists public.twice (id bigint primary key, code text);
create index if not exists twice_a on public.twice (code);
create index if not exists twice_b on public.twice (code);
create table if not exists public.unique_and_plain (id bigint primary key, code text);
create unique index if not exists unique_and_plain_u on public.unique_and_plain (code);
create index if not exists unique_and_plain_p on public.unique_and_plain (code);

-- function_search_path_mutable
create or replace function public.bump(n int) returns int language plpgsql as $$ begin return n + 1; end $$;
create or replace function public.whoami() returns uuid language sql security definer
  as $$ select auth.uid() $$;
create or replace function public.fixed(n int) returns int language sql set search_path = ''
  as $$ select n + 1 $$;

-- security_definer_view, auth_users_exposed
create or replace view public.parent_ids as select id from public.parent;
create or replace view public.parent_ids_invoker with (security_invoker = on) as select id from public.parent;
create or replace view public.emails as select id, email from auth.users;

-- multiple_permissive_policies: a policy TO public counts for every role
create table if not exists public.shared (id bigint primary key, owner uuid);
alter table public.shared enable row level security;
create policy "everyone reads" on public.shared for select using (true);
create policy "members read" on public.shared for select to authenticated using (owner = (select auth.uid()));

-- rls_references_user_metadata
create table if not exists public.meta (id bigint primary key, team text);
alter table public.meta enable row level security;
create policy "team" on public.meta for select to authenticated
  using (team = ((select auth.jwt()) -> 'user_metadata' ->> 'team'));

-- auth_rls_initplan: per_row calls auth.uid() for every row, notes (below) once per query
create table if not exists public.per_row (id bigint primary key, owner uuid);
alter table public.per_row enable row level security;
create policy "own rows" on public.per_row for select to authenticated using (auth.uid() = owner);

-- rls_policy_always_true
create table if not exists public.board (id bigint primary key, body text);
alter table public.board enable row level security;
create policy "anyone posts" on public.board for insert to anon with check (true);
create table if not exists public.notes (id bigint primary key, owner uuid);
alter table public.notes enable row level security;
create policy "owners write" on public.notes for update to authenticated
  using ((select auth.uid()) = owner) with check ((select auth.uid()) = owner);

-- auth_rls_initplan also for an unwrapped current_setting() and for auth.uid() inside EXISTS
create table if not exists public.by_setting (id bigint primary key, owner uuid);
alter table public.by_setting enable row level security;
create policy "setting" on public.by_setting for select to authenticated
  using (owner = current_setting('app.owner')::uuid);
create table if not exists public.by_exists (id bigint primary key, owner uuid);
alter table public.by_exists enable row level security;
create policy "exists" on public.by_exists for select to authenticated
  using (exists (select 1 from public.per_row r where r.id = by_exists.id and r.owner = auth.uid()));
create table if not exists public.by_wrapped_setting (id bigint primary key, owner uuid);
alter table public.by_wrapped_setting enable row level security;
create policy "wrapped" on public.by_wrapped_setting for select to authenticated
  using (owner = (select current_setting('app.owner'))::uuid);

-- foreign_table_in_api: remote is readable by the API roles, hidden is not
create foreign data wrapper dummy;
create server dummy_server foreign data wrapper dummy;
create foreign table public.remote (id int) server dummy_server;
create foreign table public.hidden (id int) server dummy_server;
revoke all on public.hidden from anon, authenticated;

-- fkey_to_auth_unique: by_phone references a unique non-key column of auth.users, by_id its key
create table if not exists public.by_phone (
  id bigint primary key, phone text references auth.users (phone) on delete cascade
);
create table if not exists public.by_id (
  id bigint primary key, user_id uuid references auth.users (id) on delete cascade
);
create index if not exists by_phone_phone_idx on public.by_phone (phone);
create index if not exists by_id_user_id_idx on public.by_id (user_id);
alter table public.by_phone enable row level security;
alter table public.by_id enable row level security;
create policy "read" on public.by_phone for select to authenticated using (true);
create policy "read" on public.by_id for select to authenticated using (true);

-- sensitive_columns_exposed: creds has no RLS and a password column; vault_like has RLS
create table if not exists public.creds (id bigint primary key, password text);
create table if not exists public.vault_like (id bigint primary key, api_key text);
alter table public.vault_like enable row level security;
create policy "read" on public.vault_like for select to authenticated using (true);
"""

# Lints the Supabase CLI's advisor does not run yet (it embeds an older splinter): their rules are
# proven on their own in test_check_rules.py. When the CLI gains one, this test says so.
NOT_IN_THE_CLI = {
    "public_bucket_allows_listing",
    "pg_graphql_anon_table_exposed",
    "pg_graphql_authenticated_table_exposed",
    "anon_security_definer_function_executable",
    "authenticated_security_definer_function_executable",
}


def _advisor(db: Database, cwd: Path) -> dict[str, set[str]]:
    out = run_supabase(
        "db", "advisors", "--db-url", db.admin_url, "--output-format", "json", "--level", "info", cwd=cwd
    )
    found: dict[str, set[str]] = defaultdict(set)
    for lint in json.loads(out[out.index("{") :])["results"]:
        meta = lint.get("metadata") or {}
        if meta.get("schema") != "public":
            continue
        # schemagate names an extension without a schema: extensions are database-wide
        is_extension = meta.get("type") == "extension"
        found[lint["name"]].add(meta["name"] if is_extension else f"public.{meta['name']}")
    return found


def test_aliased_rules_flag_what_the_supabase_advisor_flags(db: Database, project: Project) -> None:
    project.write("20251201000000_everything.sql", MIGRATION)
    with fresh_database(db) as target:
        report = run_check(target)
        ours: dict[str, set[str]] = defaultdict(set)
        for finding in report.findings:
            if finding.alias and finding.subject:
                ours[finding.alias].add(finding.subject)
        theirs = _advisor(target, project.root)
    aliases = {a for r in registry.rules() for a in r.advisors} - NOT_IN_THE_CLI
    assert not NOT_IN_THE_CLI & set(theirs), "the CLI now runs one of these: compare it here"
    assert all(theirs.get(a) for a in aliases), "every aliased lint has an object that breaks it"
    assert {a: ours.get(a, set()) for a in aliases} == {a: theirs.get(a, set()) for a in aliases}


DIFFERENCES = """
-- no RLS, but no grant to the API roles either: splinter waits for a grant, schemagate does not
create table if not exists public.ungranted (id bigint primary key);
revoke all on public.ungranted from anon, authenticated;

-- an index on (b, a) serves a foreign key on (a, b) for the deletes that need it
create table if not exists public.pairs (a int, b int, primary key (a, b));
create table if not exists public.pair_refs (
  id bigint primary key, a int, b int,
  foreign key (a, b) references public.pairs (a, b) on delete cascade
);
create index if not exists pair_refs_ba on public.pair_refs (b, a);
"""


def test_where_schemagate_differs_from_the_advisor_it_is_by_design(db: Database, project: Project) -> None:
    """docs/rules.md's "stricter than the advisor" notes, shown: each difference is deliberate."""
    project.write("20251201000000_differences.sql", DIFFERENCES)
    with fresh_database(db) as target:
        report = run_check(target)
        theirs = _advisor(target, project.root)
    ours = {(f.alias, f.subject) for f in report.findings if f.alias}
    # a table without RLS is one GRANT away from being public; schemagate says so now
    assert ("rls_disabled_in_public", "public.ungranted") in ours
    assert "public.ungranted" not in theirs.get("rls_disabled_in_public", set())
    # any index whose leading columns are the key's columns, in any order, serves the key
    assert ("unindexed_foreign_keys", "public.pair_refs") not in ours
    assert "public.pair_refs" in theirs["unindexed_foreign_keys"]


def test_the_shim_alone_raises_no_advisor_lint(db: Database, project: Project) -> None:
    """A project with no migrations is clean to the advisor: nothing the shim makes is a finding."""
    with fresh_database(db) as target:
        out = run_supabase(
            "db",
            "advisors",
            "--db-url",
            target.admin_url,
            "--output-format",
            "json",
            "--level",
            "info",
            cwd=project.root,
        )
    lints = json.loads(out[out.index("{") :])["results"] if "{" in out else []
    assert [(lint["name"], (lint.get("metadata") or {}).get("name")) for lint in lints] == []
