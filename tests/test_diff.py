"""The schema diff: what a change's migrations did to the database, read from its catalog before
the first new migration and after the last, one kind of object at a time."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from checking import commit_base, fresh_database, run_check
from conftest import TEMPLATE, Database, Project
from schemagate.database.catalog import diff, inventory
from schemagate.database.server.ephemeral import EphemeralPostgres
from schemagate.report import picture_markdown as rendered
from schemagate.report.model import Report

BASE = """
create type public.status as enum ('new', 'paid');
create table if not exists public.orders (
  id bigint generated always as identity primary key,
  note text,
  total numeric(10, 2) not null default 0,
  status public.status not null default 'new',
  created_at timestamptz not null default now()
);
alter table public.orders enable row level security;
create policy "read orders" on public.orders for select to authenticated using (true);
create table if not exists public.tags (id bigint primary key, label text);
create table if not exists public.legacy (id bigint primary key);
create or replace function public.touch() returns trigger language plpgsql as $$
begin
  return new;
end $$;
create or replace view public.order_notes as select id, note from public.orders;
revoke all on public.tags from anon;
"""

CHANGE = """
create table if not exists public.refunds (
  id bigint generated always as identity primary key,
  order_id bigint not null references public.orders (id) on delete cascade,
  amount numeric(10, 2) not null
);
alter table public.orders add column if not exists refunded boolean not null default false;
alter table public.orders alter column total type numeric(12, 2);
alter table public.orders alter column note set not null;
alter table public.orders alter column status set default 'paid';
alter table public.orders add constraint orders_total_positive check (total >= 0);
create index if not exists orders_created_at_idx on public.orders (created_at);
alter table public.tags enable row level security;
drop policy if exists "read orders" on public.orders;
create policy "read orders" on public.orders for select to authenticated using (total > 0);
drop table if exists public.legacy;
create or replace function public.touch() returns trigger language plpgsql
  security definer set search_path = '' as $$
begin
  return new;
end $$;
create trigger orders_touch before update on public.orders
  for each row execute function public.touch();
create or replace view public.order_notes with (security_invoker = on) as
  select id, note from public.orders;
alter type public.status add value if not exists 'refunded';
grant select on public.tags to anon;
create extension if not exists citext;
alter publication supabase_realtime add table public.orders;
"""


def _check(db: Database, project: Project) -> Report:
    project.write("20251101000000_base.sql", BASE)
    base = commit_base(project)
    project.write("20251201000000_refunds.sql", CHANGE)
    return run_check(db, base=base)


@pytest.fixture(scope="module")
def changed(server: EphemeralPostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Report]:
    """One check of a change that touches every kind of object, shared by the module's tests."""
    root = tmp_path_factory.mktemp("diff")
    (root / ".git").mkdir()
    with pytest.MonkeyPatch.context() as patch, fresh_database(Database(server, TEMPLATE)) as db:
        patch.chdir(root)
        patch.delenv("DATABASE_URL", raising=False)
        yield _check(db, Project(root))


def _changes(report: Report) -> dict[tuple[str, str], diff.Change]:
    assert report.picture is not None, "a check with new migrations takes the picture"
    return {(c.kind, c.object): c for c in report.picture.changes}


# (kind, object) -> the change, and words its detail holds
EXPECTED = {
    ("table", "public.refunds"): ("added", "3 columns"),
    ("table", "public.legacy"): ("removed", "1 column"),
    ("column", "public.orders.refunded"): ("added", "boolean not null default false"),
    ("column", "public.orders.total"): ("changed", "numeric(10,2) not null default 0 → numeric(12,2)"),
    ("column", "public.orders.note"): ("changed", "text → text not null"),
    ("column", "public.orders.status"): ("changed", "default 'paid'::public.status"),
    ("constraint", "public.orders.orders_total_positive"): ("added", "CHECK ((total >= (0)::numeric))"),
    ("index", "public.orders_created_at_idx"): ("added", "USING btree (created_at)"),
    ("rls", "public.tags"): ("changed", "off → on"),
    ("policy", 'public.orders."read orders"'): ("changed", "using (true) → for select to authenticated"),
    ("function", "public.touch()"): ("changed", 'security definer, search_path=""'),
    ("trigger", "public.orders.orders_touch"): ("added", "BEFORE UPDATE ON public.orders"),
    ("view", "public.order_notes"): ("changed", "security_invoker"),
    ("type", "public.status"): ("changed", "+ value 'refunded'"),
    ("grant", "public.tags to anon"): ("added", "select"),
    ("extension", "citext"): ("added", "in public"),
    ("publication", "supabase_realtime"): ("changed", "no tables → public.orders"),
}


@pytest.mark.parametrize("kind", sorted({k for k, _ in EXPECTED}))
def test_each_kind_of_change_is_in_the_diff(kind: str, changed: Report) -> None:
    found = _changes(changed)
    for (k, name), (change, words) in EXPECTED.items():
        if k != kind:
            continue
        assert (k, name) in found, sorted(o for kk, o in found if kk == kind)
        assert found[(k, name)].change == change, found[(k, name)]
        assert words in found[(k, name)].detail, found[(k, name)].detail


def test_objects_the_change_left_alone_are_not_in_the_diff(changed: Report) -> None:
    found = _changes(changed)
    untouched = {
        ("column", "public.orders.id"),
        ("column", "public.orders.created_at"),
        ("table", "public.tags"),
    }
    assert not untouched & set(found), [found[k] for k in untouched & set(found)]
    # nothing from before the change, nor Supabase's own schemas the change did not touch
    assert not [c for c in found.values() if c.object.startswith(("auth.", "storage."))]


def test_the_json_report_lists_the_diff_as_documented(changed: Report) -> None:
    data = json.loads(json.dumps(changed.to_json()))
    refunds = next(d for d in data["diff"] if d["object"] == "public.refunds")
    assert refunds == {"change": "added", "kind": "table", "object": "public.refunds", "detail": "3 columns"}
    assert {"change", "kind", "object", "detail"} == set().union(*(d.keys() for d in data["diff"]))
    assert {d["kind"] for d in data["diff"]} <= set(inventory.KINDS)


def test_a_check_without_new_migrations_has_no_diff(db: Database, project: Project) -> None:
    project.write("20251101000000_base.sql", BASE)
    base = commit_base(project)
    report = run_check(db, base=base)
    assert report.picture is None
    assert report.to_json()["diff"] == []


def test_the_markdown_folds_a_new_tables_parts_into_one_line(changed: Report) -> None:
    assert changed.picture is not None
    listed = rendered.lines(changed.picture.changes)
    refunds = next(line for line in listed if "public.refunds" in line and line.startswith("+ table"))
    assert refunds.startswith("+ table public.refunds (3 columns")
    assert not [line for line in listed if line.startswith("+ column public.refunds")]
    assert "- table public.legacy" in listed  # its parts went with it
    assert not [line for line in listed if "legacy_pkey" in line]
    # a changed table's parts under it, each with its sign and what it is now
    orders = listed[listed.index("~ public.orders:") + 1 :]
    assert "+   column refunded boolean not null default false" in orders
    assert "~   column total → numeric(12,2) not null default 0" in orders
    assert "+   index orders_created_at_idx (created_at)" in orders
    assert "+   trigger orders_touch before update, for each row execute function public.touch()" in orders
    # a hash is no reading: a function's changed body is said in words
    touch = next(line for line in listed if line.startswith("~ function public.touch()"))
    assert touch == '~ function public.touch() → returns trigger, security definer, search_path=""'
    assert "~ type public.status: + value 'refunded'" in listed
    assert "~ public.tags:" in listed and "+   grant select to anon" in listed


def test_the_summary_counts_tables_added_removed_and_changed(changed: Report) -> None:
    summary = next(line for line in rendered.render(changed.picture) if "<summary>" in line)
    # refunds added; legacy removed; orders and tags changed; function, view, type, extension, publication
    assert "1 table added, 1 removed, 2 changed, 5 other objects" in summary
