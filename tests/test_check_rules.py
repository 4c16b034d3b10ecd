"""Every checklist rule: a migration that triggers it and one that passes it, on a real server."""

from __future__ import annotations

from pathlib import Path

import pytest

from checking import GOOD, commit_base, fresh_database, rule_ids, run_check
from conftest import Database, Project
from schemagate.commands.linting import lint
from schemagate.config import Config
from schemagate.files.changes import Changes
from schemagate.files.migrations import Migration
from schemagate.findings.judge import Options
from schemagate.findings.rules import hardcoded, migration_files, parse_tree
from schemagate.statements.sql import parse

TS = "20251201000000"
NEW = f"{TS}_change.sql"

# rule id -> (migration that breaks it, migration that keeps it)
NEW_TABLE_CASES: dict[str, tuple[str, str]] = {
    "create-without-if-not-exists": (GOOD.replace("create table if not exists", "create table"), GOOD),
    "drop-without-if-exists": (
        GOOD + "create table public.tmp (id int); drop table public.tmp;",
        GOOD + "drop table if exists public.never_there;",
    ),
    "add-column-without-guard": (
        GOOD + "alter table public.things add column note text;",
        GOOD + "alter table public.things add column if not exists note text;",
    ),
    "destructive-statement": (GOOD + "alter table public.things drop column if exists updated_at;", GOOD),
    "foreign-key-without-on-delete": (GOOD.replace(" on delete cascade", ""), GOOD),
    "hard-coded-value": (
        GOOD + "insert into public.things (user_id) select id from auth.users "
        "where email = 'ceo@example.com';",
        GOOD,
    ),
    "auth-call-per-row": (GOOD.replace("(select auth.uid()) = user_id", "auth.uid() = user_id"), GOOD),
    "rls-disabled": (
        GOOD.replace("alter table public.things enable row level security;", "")
        .replace('create policy "own things"', "-- ")
        .replace("for select to authenticated\n  using ((select auth.uid()) = user_id);", ""),
        GOOD,
    ),
    "rls-enabled-no-policy": (GOOD.split("drop policy")[0] + "comment on table public.things is 'x';", GOOD),
    "policy-exists-rls-disabled": (
        GOOD.replace("alter table public.things enable row level security;", ""),
        GOOD,
    ),
    "unindexed-foreign-key": (
        GOOD.replace("create index if not exists things_user_id_idx on public.things (user_id);", ""),
        GOOD,
    ),
    "no-primary-key": (GOOD.replace("id uuid primary key default gen_random_uuid(),", ""), GOOD),
    "duplicate-index": (
        GOOD + "create index if not exists things_user_id_idx2 on public.things (user_id);",
        GOOD,
    ),
    "missing-timestamps": (
        GOOD.replace("updated_at timestamptz not null default now()", "updated_at timestamp"),
        GOOD,
    ),
    "missing-table-comment": (
        GOOD.replace("comment on table public.things is 'Things a user owns.';", ""),
        GOOD,
    ),
    "security-definer-search-path": (
        GOOD + "create or replace function private_count() returns bigint language sql security definer "
        "as $$ select count(*) from public.things $$; "
        "revoke execute on function private_count() from public, "
        "anon, authenticated;",
        GOOD + "create or replace function private_count() returns bigint language sql security definer "
        "set search_path = '' as $$ select count(*) from public.things $$; revoke execute on function "
        "private_count() from public, anon, authenticated;",
    ),
    "function-search-path-mutable": (
        GOOD + "create or replace function public.touch() returns trigger language plpgsql "
        "as $$ begin new.updated_at = now(); return new; end $$;",
        GOOD + "create or replace function public.touch() returns trigger language plpgsql "
        "set search_path = '' as $$ begin new.updated_at = now(); return new; end $$;",
    ),
    "security-definer-executable": (
        GOOD + "create or replace function public.leak() returns bigint language sql security definer "
        "set search_path = '' as $$ select count(*) from public.things $$;",
        GOOD + "create or replace function public.leak() returns bigint language sql security definer "
        "set search_path = '' as $$ select count(*) from public.things $$; revoke execute on function "
        "public.leak() from public, anon, authenticated;",
    ),
    "view-bypasses-rls": (
        GOOD + "create or replace view public.things_view as select id from public.things;",
        GOOD + "create or replace view public.things_view with (security_invoker = on) as "
        "select id from public.things;",
    ),
    "view-exposes-auth-users": (
        GOOD + "create or replace view public.emails with (security_invoker = on) as "
        "select email from auth.users;",
        GOOD,
    ),
    "policy-always-true-write": (
        GOOD + 'drop policy if exists "anyone" on public.things; create policy "anyone" '
        "on public.things for update to authenticated using (true);",
        GOOD,
    ),
    "multiple-permissive-policies": (
        GOOD
        + 'drop policy if exists "again" on public.things; create policy "again" on public.things for select '
        "to authenticated using ((select auth.uid()) is not null);",
        GOOD,
    ),
    "policy-uses-user-metadata": (
        GOOD
        + 'drop policy if exists "meta" on public.things; create policy "meta" on public.things for delete '
        "to authenticated using ((select auth.jwt() -> 'user_metadata' ->> 'admin') = 'yes');",
        GOOD,
    ),
    "extension-in-public": (
        GOOD + "create extension if not exists citext with schema public;",
        GOOD + "create extension if not exists citext with schema extensions;",
    ),
    "not-idempotent": (
        GOOD + "insert into public.things (user_id) select id from auth.users;"
        "create unique index if not exists one_per_user on public.things (user_id);"
        "alter table public.things add constraint things_one check (true);",
        GOOD,
    ),
    "commit-splits-migration": (
        "create table if not exists public.a (id int);\ncommit;\nbegin;\nselect 1;",
        GOOD,
    ),
    "data-change-outside-transaction": (
        GOOD + "update public.things set user_id = user_id where true;\n"
        "create index concurrently if not exists things_created_idx on public.things (created_at);",
        GOOD,
    ),
    "apply-failed": (GOOD + "insert into public.missing values (1);", GOOD),
    "foreign-key-to-auth-unique": (
        GOOD + "alter table public.things add column if not exists phone text "
        "references auth.users (phone) on delete cascade;"
        "create index if not exists things_phone_idx on public.things (phone);",
        GOOD,
    ),
    "foreign-table-in-api": (
        GOOD + "create foreign data wrapper w; create server s foreign data wrapper w;"
        "create foreign table public.remote (id int) server s;",
        GOOD + "create foreign data wrapper w; create server s foreign data wrapper w;"
        "create foreign table public.remote (id int) server s;"
        "revoke all on public.remote from anon, authenticated;",
    ),
    "sensitive-columns-exposed": (
        "create table if not exists public.keys (id bigint primary key, api_key text);",
        "create table if not exists public.keys (id bigint primary key, api_key text);"
        "alter table public.keys enable row level security;",
    ),
    "public-bucket-allows-listing": (
        GOOD + "insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);"
        "create policy \"avatars read\" on storage.objects for select using (bucket_id = 'avatars');",
        GOOD + "insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);"
        'create policy "own avatars" on storage.objects for select to authenticated '
        "using (bucket_id = 'avatars' and (select auth.uid()) = owner);",
    ),
    "graphql-anon-table-exposed": (
        GOOD + "create extension if not exists pg_graphql; grant select on public.things to anon;",
        GOOD + "create extension if not exists pg_graphql; revoke all on public.things from anon;",
    ),
    "graphql-authenticated-table-exposed": (
        GOOD + "create extension if not exists pg_graphql;",
        GOOD + "create extension if not exists pg_graphql; revoke all on public.things from authenticated;",
    ),
    "supabase-reserved-role": (
        GOOD + "alter role authenticator nologin;",
        GOOD + "alter role anon set statement_timeout = '5s';",
    ),
    "invalid-directive": (GOOD + "-- schemagate: ignore rls-disabled\nselect 1;", GOOD),
}


@pytest.mark.parametrize("rule_id", sorted(NEW_TABLE_CASES))
def test_rule_triggers_and_passes(rule_id: str, db: Database, project: Project) -> None:
    bad, good = NEW_TABLE_CASES[rule_id]
    project.write(NEW, bad)
    broken = run_check(db)
    assert rule_id in rule_ids(broken), [f"{f.rule.id}: {f.message}" for f in broken.findings]
    found = next(f for f in broken.findings if f.rule.id == rule_id)
    assert found.path is not None and found.path.name == NEW
    project.write(NEW, good)
    with fresh_database(db) as other:
        passing = run_check(other)
    assert rule_id not in rule_ids(passing), [f"{f.rule.id}: {f.message}" for f in passing.findings]


EXISTING = """
create table if not exists public.orders (
  id bigint generated always as identity primary key,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table public.orders enable row level security;
comment on table public.orders is 'Orders.';
"""

# Rules that only apply to tables that existed before the change.
EXISTING_TABLE_CASES: dict[str, tuple[str, str]] = {
    "not-null-without-default": (
        "alter table public.orders add column if not exists status text not null;",
        "alter table public.orders add column if not exists status text not null default 'new';",
    ),
    "index-without-concurrently": (
        "create index if not exists orders_created_idx on public.orders (created_at);",
        "create index concurrently if not exists orders_created_idx on public.orders (created_at);",
    ),
    "table-rewrite": (
        "alter table public.orders add column if not exists token uuid default gen_random_uuid();",
        "alter table public.orders add column if not exists note text;",
    ),
    "access-exclusive-lock": (
        "alter table public.orders add column if not exists note text;",
        "select 1 from public.orders;",
    ),
}


@pytest.mark.parametrize("rule_id", sorted(EXISTING_TABLE_CASES))
@pytest.mark.parametrize("variant", ["bad", "good"])
def test_rules_about_existing_tables(rule_id: str, variant: str, db: Database, project: Project) -> None:
    project.write("20251101000000_orders.sql", EXISTING)
    base = commit_base(project)
    bad, good = EXISTING_TABLE_CASES[rule_id]
    project.write(NEW, bad if variant == "bad" else good)
    report = run_check(db, base=base)
    assert [m.filename for m in report.migrations] == [NEW]  # only the new migration is judged
    if variant == "bad":
        assert rule_id in rule_ids(report), [f.message for f in report.findings]
    else:
        assert rule_id not in rule_ids(report), [f.message for f in report.findings]


def test_rewrite_message_names_the_table(db: Database, project: Project) -> None:
    project.write("20251101000000_orders.sql", EXISTING)
    base = commit_base(project)
    project.write(
        NEW, "alter table public.orders add column if not exists token uuid default gen_random_uuid();"
    )
    report = run_check(db, base=base)
    messages = [f.message for f in report.findings if f.rule.id == "table-rewrite"]
    assert messages == ["takes ACCESS EXCLUSIVE on public.orders, rewrites it"]


def _hard_coded_labels(sql: str) -> list[str]:
    parsed = parse(Migration("1", "x", Path("1_x.sql"), sql, ""))
    found = [b.finding for b in parse_tree.check(parsed, None)]
    return [f.message.split(" in ")[0] for f in found if f.rule is hardcoded.HARD_CODED_VALUE]


SECRET_DIGITS = "4eC39HqLyjWDarjtT1zdp7dc"  # 24 characters, in the shape of a test key


@pytest.mark.parametrize(
    ("literal", "label"),
    [
        ("0B3E5A5C-1F4D-4C7A-9E61-2D8F3B7A9C10", "a UUID"),
        ("7f0c2d1e-3a4b-4c5d-8e6f-a1b2c3d4e5f6", "a UUID"),
        ("ceo@example.com", "an e-mail address"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.dGhpc2lzbm90YXNpZ25hdHVyZQ", "a JWT"),
        (f"sk_test_{SECRET_DIGITS}", "an API key"),
        ("AKIAIOSFODNN7EXAMPLE", "an API key"),
        ("ghp_" + "a1B2c3D4e5" * 4, "an API key"),
    ],
)
def test_every_kind_of_hard_coded_value_is_found_in_a_string_literal(literal: str, label: str) -> None:
    assert _hard_coded_labels(f"insert into public.t (v) values ('{literal}');") == [f"literal {label}"]


def test_look_alikes_outside_string_literals_are_not_hard_coded_values() -> None:
    sql = (
        "-- owner 0b3e5a5c-1f4d-4c7a-9e61-2d8f3b7a9c10, ceo@example.com\n"
        "create table if not exists public.high_throughput (gh_id int, test_live_ int);\n"
        "insert into public.t (v) values ('not-a-uuid-1234-5678', 'user at example dot com');"
    )
    assert _hard_coded_labels(sql) == []


@pytest.mark.parametrize(
    ("version", "timestamped"),
    [
        ("20240229120000", True),  # a leap day
        ("20250229120000", False),
        ("20251332000000", False),
        ("20251120240000", False),
        ("20251120235960", False),
        ("2025112023595", False),
        ("7", False),
    ],
)
def test_a_version_is_a_timestamp_only_when_it_is_a_real_date_and_time(
    version: str, timestamped: bool
) -> None:
    migration = Migration(version, "x", Path(f"{version}_x.sql"), "select 1;", "")
    found = [f.rule.id for f in migration_files.check([migration], Changes(base=None), Path.cwd())]
    assert ("timestamped-file-name" not in found) is timestamped


def test_existing_table_rules_spare_tables_that_any_new_file_creates(project: Project) -> None:
    project.write("20251101000000_orders.sql", "create table if not exists public.orders (id int);")
    base = commit_base(project)
    project.write(
        "20251201000000_index.sql",
        "create index if not exists a_idx on public.fresh (id);\n"
        "alter table public.fresh add column if not exists n int not null;\n"
        "create index if not exists b_idx on public.orders (id);\n",
    )
    project.write("20251202000000_fresh.sql", "create table if not exists public.fresh (id int);")
    found = {(f.rule.id, f.subject) for f in lint(Config(), Options(base=base)).findings}
    assert ("index-without-concurrently", "public.orders") in found
    assert not {pair for pair in found if pair[1] == "public.fresh" and "index" in pair[0]}
    assert "not-null-without-default" not in {rule for rule, _ in found}


def test_a_sql_file_the_cli_skips_is_a_warning_once_when_it_is_added(project: Project) -> None:
    project.write("20251101000000_a.sql", "select 1;")
    project.write("seed.sql", "insert into nowhere values (1);")
    found = [(f.rule.id, f.path.name if f.path else "") for f in lint(Config(), Options()).findings]
    assert ("skipped-migration-file", "seed.sql") in found
    base = commit_base(project)  # merged already: not news in a later change
    project.write("20251201000000_b.sql", "select 2;")
    later = [f.rule.id for f in lint(Config(), Options(base=base)).findings]
    assert "skipped-migration-file" not in later


def test_a_domain_is_named_by_its_own_name_and_its_drop_if_exists_counts(project: Project) -> None:
    project.write(
        "20251101000000_domains.sql",
        "drop domain if exists public.email;\n"
        "create domain public.email as text;\n"
        "create domain public.phone as text;\n",
    )
    found = [
        f.message for f in lint(Config(), Options()).findings if f.rule.id == "create-without-if-not-exists"
    ]
    assert found == ["type public.phone is created without a DROP … IF EXISTS before it"]
