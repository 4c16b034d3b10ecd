"""Catalog drift: production's catalog against what its recorded migrations build, so that an edit
made in the dashboard is named at `status` and stops a deploy before anything is applied."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conftest import Database, Project, Run

Cli = Callable[..., Run]

SCHEMA = """
create table if not exists public.orders (
  id bigint generated always as identity primary key,
  total numeric not null default 0,
  created_at timestamptz not null default now()
);
create index if not exists orders_created_idx on public.orders (created_at);
alter table public.orders enable row level security;
create policy "read orders" on public.orders for select to authenticated using (total > 0);
create or replace function public.order_count() returns bigint language sql stable as $$
  select count(*) from public.orders
$$;
create table if not exists public.notes (id bigint primary key, body text);
alter table public.notes enable row level security;
"""

# a dashboard edit, as the postgres role makes it, and the line status prints for it
EDITS = [
    (
        "alter table public.orders add column note text",
        "column public.orders.note exists in production and in no migration",
    ),
    (
        "drop index public.orders_created_idx",
        "index public.orders_created_idx is in the migrations, not in production",
    ),
    (
        "alter table public.orders alter column total drop default",
        "column public.orders.total differs: migrations → production: numeric not null default 0 → "
        "numeric not null",
    ),
    (
        "alter table public.orders add constraint orders_total_positive check (total >= 0)",
        "constraint public.orders.orders_total_positive exists in production",
    ),
    (
        "alter table public.notes disable row level security",
        "rls public.notes differs: migrations → production: on → off",
    ),
    (
        'alter policy "read orders" on public.orders using (true)',
        'policy public.orders."read orders" differs',
    ),
    (
        "create or replace function public.order_count() returns bigint language sql stable"
        " as $$ select 0::bigint $$",
        "function public.order_count() differs",
    ),
    (
        "create function public.touch() returns trigger language plpgsql as $$ begin return new; end $$",
        "function public.touch() exists in production",
    ),
    (
        "create trigger on_signup after insert on auth.users for each row execute function public.touch()",
        "trigger auth.users.on_signup exists in production",
    ),
    (
        'create policy "uploads" on storage.objects for insert to authenticated with check (true)',
        "policy storage.objects.uploads exists in production",
    ),
    ("revoke delete on public.notes from anon", "grant public.notes to anon differs"),
    (
        "create table public.scratch (id int, other int)",
        "table public.scratch exists in production and in no migration",
    ),
]


def _deployed(cli: Cli, db: Database, project: Project) -> None:
    project.write("20251101000000_schema.sql", SCHEMA)
    run = cli("apply", "--database-url", db.url)
    assert run.code == 0, run.text
    assert "production's catalog matches its 0 recorded migrations" in run.text


def _status(cli: Cli, db: Database) -> Run:
    return cli("status", "--database-url", db.url)


def test_a_deployed_project_has_no_catalog_drift(cli: Cli, db: Database, project: Project) -> None:
    _deployed(cli, db, project)
    run = _status(cli, db)
    assert run.code == 0, run.text
    assert "0 pending, 0 drifted or missing, the catalog matches its migrations" in run.text


def test_each_kind_of_dashboard_edit_is_named(cli: Cli, db: Database, project: Project) -> None:
    _deployed(cli, db, project)
    with db.connect() as conn:  # as postgres, who edits in the dashboard's SQL editor
        for edit, _ in EDITS:
            conn.execute(edit.encode())
    run = _status(cli, db)
    assert run.code == 2, run.text
    drift = [
        line.removeprefix("catalog drift: ")
        for line in run.out.splitlines()
        if line.startswith("catalog drift: ")
    ]
    for _, expected in EDITS:
        assert [line for line in drift if line.startswith(expected)], (expected, drift)
    assert len(drift) == len(EDITS), drift  # a new table is one line, not one per column
    assert f"the catalog differs in {len(EDITS)} place(s)" in run.text


def test_a_deploy_with_catalog_drift_applies_nothing_and_says_why(
    cli: Cli, db: Database, project: Project
) -> None:
    _deployed(cli, db, project)
    with db.connect() as conn:
        conn.execute(b"alter table public.orders add column note text")
    project.write(
        "20251201000000_refunds.sql", "create table if not exists public.refunds (id bigint primary key);"
    )
    run = cli("apply", "--database-url", db.url)
    assert run.code == 2, run.text
    assert "production's catalog differs from its migrations in 1 place(s), nothing was applied" in run.err
    assert "column public.orders.note exists in production and in no migration" in run.err
    assert "`--on-drift warn` (the Action's `on-drift: warn`) deploys anyway" in run.err  # the CLI's spelling
    assert db.history() == [("20251101000000", "schema")]
    assert "refunds" not in db.tables()


def test_on_drift_warn_deploys_and_says_what_differs(cli: Cli, db: Database, project: Project) -> None:
    _deployed(cli, db, project)
    with db.connect() as conn:
        conn.execute(b"alter table public.orders add column note text")
    project.write(
        "20251201000000_refunds.sql", "create table if not exists public.refunds (id bigint primary key);"
    )
    run = cli("apply", "--database-url", db.url, "--on-drift", "warn")
    assert run.code == 0, run.text
    assert "catalog drift: column public.orders.note exists in production and in no migration" in run.text
    assert [v for v, _ in db.history()] == ["20251101000000", "20251201000000"]


def test_on_drift_off_compares_nothing(cli: Cli, db: Database, project: Project) -> None:
    _deployed(cli, db, project)
    with db.connect() as conn:
        conn.execute(b"alter table public.orders add column note text")
    run = cli("status", "--database-url", db.url, "--on-drift", "off")
    assert run.code == 0 and "catalog" not in run.text, run.text


@pytest.fixture
def plain_project(project: Project) -> Project:
    (project.root / ".github").mkdir()
    (project.root / ".github" / "schemagate.yml").write_text("supabase: false\n")
    return project


def test_plain_postgres_production_is_compared_without_the_shim(
    cli: Cli, plain_db: Database, plain_project: Project
) -> None:
    plain_project.write("1_orders.sql", "create table public.orders (id bigint primary key, total numeric);")
    assert cli("apply", "--database-url", plain_db.url).code == 0
    clean = _status(cli, plain_db)
    assert clean.code == 0 and "the catalog matches its migrations" in clean.text, clean.text
    with plain_db.connect() as conn:
        conn.execute(b"create index orders_total on public.orders (total)")
    run = _status(cli, plain_db)
    assert run.code == 2 and "catalog drift: index public.orders_total exists in production" in run.out, (
        run.text
    )


def test_grants_a_fresh_production_never_had_are_not_blamed_on_the_migrations(
    cli: Cli, db: Database, project: Project
) -> None:
    """A production whose default privileges are not Supabase's: after the first apply, the grants
    the replica's default privileges gave are missing there, and status says why."""
    with db.connect(admin=True) as conn:
        for role in ("postgres", "supabase_admin"):
            conn.execute(
                f"alter default privileges for role {role} in schema public "
                "revoke all on tables from anon, authenticated, service_role"
            )
    project.write("20250101000000_a.sql", "create table public.a (id int);")
    assert cli("apply", "--database-url", db.url).code == 0
    run = _status(cli, db)
    drift = [line for line in run.out.splitlines() if line.startswith("catalog drift: ")]
    assert drift and all("default privileges differ from Supabase's" in line for line in drift), drift
    assert not [line for line in drift if "is in the migrations" in line], drift
    assert (
        "catalog drift: grant public.a to anon is not in production, whose default privileges differ"
        in run.out
    )
