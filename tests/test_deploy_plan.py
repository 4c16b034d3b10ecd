"""`schemagate plan`: what each pending migration locks, how big those tables are in production,
and how long its rewrites and index builds will take there; production is only read."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import cmarkgfm
import pytest

from conftest import Database, Project, Run

Cli = Callable[..., Run]

ORDERS = """
create table if not exists public.orders (
  id bigint generated always as identity primary key,
  total numeric not null,
  note text,
  created_at timestamptz not null default now()
);
"""
ROWS = 40_000


@pytest.fixture
def production(cli: Cli, db: Database, project: Project) -> Database:
    project.write("20251101000000_orders.sql", ORDERS)
    assert cli("apply", "--database-url", db.url, "--on-drift", "off").code == 0
    with db.connect(admin=True) as conn:
        conn.execute(
            f"insert into public.orders (total, note) select g, 'n' || g from generate_series(1, {ROWS}) g"
        )
        conn.execute("analyze public.orders")
    return db


def _plan(cli: Cli, db: Database, *extra: str) -> tuple[Run, Any]:
    run = cli("plan", "--database-url", db.url, "--format", "json", "--sample-rows", "4000", *extra)
    return run, json.loads(run.out)


def _line(step: Any) -> float:
    """Production's time from the two sample times, as the plan says it reckons it."""
    full, half = step["measured_seconds"], step["half_sample_seconds"]
    if half is not None and full > half:
        return float(full + (full - half) / 2000 * (ROWS - 4000))
    return float(full * ROWS / 4000)


def test_a_rewrite_and_an_index_build_are_planned_from_productions_sizes(
    cli: Cli, production: Database, project: Project
) -> None:
    project.write(
        "20251201000000_token.sql",
        "alter table public.orders add column token uuid default gen_random_uuid();",
    )
    project.write(
        "20251202000000_total_idx.sql",
        "create index if not exists orders_total_idx on public.orders (total);",
    )
    project.write(
        "20251203000000_refunds.sql", "create table if not exists public.refunds (id bigint primary key);"
    )
    before = production.snapshot()
    run, plan = _plan(cli, production)
    assert run.code == 0, run.text
    rewrite, index, refunds = plan["migrations"]
    (orders,) = rewrite["tables"]
    assert (
        orders["table"] == "public.orders" and orders["lock"] == "AccessExclusiveLock" and orders["rewrite"]
    )
    assert orders["rows"] == ROWS and orders["bytes"] > 0 and orders["sample_rows"] == 4000
    # timed on 2,000 and 4,000 synthetic rows; the line through both, at production's 40,000
    assert rewrite["estimated_seconds"] == pytest.approx(_line(rewrite), rel=0.01, abs=0.003)
    assert rewrite["risk"] in {"medium", "high"} and "ACCESS EXCLUSIVE on public.orders" in rewrite["why"]
    (built,) = index["tables"]
    assert built["index"] and built["lock"] == "ShareLock" and not built["rewrite"]
    assert built["sample_rows"] == 4000  # the rows the step before gave it, scaled all the same
    # no half-sample point: the table already held the whole sample, so a "half" timing would be
    # a second full one (two equal points make a line of noise times production's rows)
    assert index["half_sample_seconds"] is None
    assert index["estimated_seconds"] == pytest.approx(
        index["measured_seconds"] * ROWS / 4000, rel=0.01, abs=0.003
    )
    assert "blocks writes to public.orders" in index["why"]
    assert refunds["risk"] == "low" and refunds["tables"][0]["rows"] is None  # new here
    # read-only: production's history, tables and columns are as they were
    assert production.snapshot() == before
    columns = "select array_agg(attname::text) from pg_attribute where attrelid = 'public.orders'::regclass"
    assert "token" not in production.scalar(columns)  # type: ignore[operator]
    assert production.scalar("select count(*) from pg_indexes where indexname = 'orders_total_idx'") == 0


def test_the_plan_reads_as_text_and_as_markdown(cli: Cli, production: Database, project: Project) -> None:
    project.write(
        "20251201000000_token.sql",
        "alter table public.orders add column token uuid default gen_random_uuid();",
    )
    text = cli("plan", "--database-url", production.url, "--sample-rows", "4000")
    assert text.code == 0
    assert "20251201000000_token.sql (in one transaction): about" in text.out
    assert f"public.orders: ACCESS EXCLUSIVE, rewrites it ({ROWS:,} rows," in text.out
    # the second number says what it is: the time measured, and on what
    assert (
        "s in production (measured " in text.out
        and "s on a throwaway copy with 4,000 synthetic rows)" in text.out
    )
    markdown = cli("plan", "--database-url", production.url, "--sample-rows", "4000", "--format", "markdown")
    html = cmarkgfm.github_flavored_markdown_to_html(markdown.out)
    assert "<table>" in html and "<td>20251201000000_token.sql</td>" in html.replace("\\_", "_")
    assert "ACCESS EXCLUSIVE" in html


def test_a_new_tables_time_says_where_it_was_measured(
    cli: Cli, production: Database, project: Project
) -> None:
    project.write("20251201000000_tags.sql", "create table if not exists public.tags (id int primary key);")
    text = cli("plan", "--database-url", production.url)
    assert text.code == 0, text.text
    assert re.search(r"about \S+ s in production \(measured \d+\.\d{3} s on a throwaway copy\)\n", text.out)


def test_a_deploy_that_would_be_refused_says_so(cli: Cli, production: Database, project: Project) -> None:
    project.write(
        "20251101000000_orders.sql", ORDERS + "-- edited after it ran\ncreate index on public.orders (note);"
    )
    run, plan = _plan(cli, production)
    assert run.code == 2 and "was changed after it was applied" in str(plan["refused"])


def test_a_table_never_analyzed_shows_its_rows_and_the_shims_tables_never_show(
    cli: Cli, db: Database, project: Project
) -> None:
    project.write("20251101000000_orders.sql", ORDERS)
    assert cli("apply", "--database-url", db.url, "--on-drift", "off").code == 0
    with db.connect(admin=True) as conn:  # rows, and no ANALYZE since: reltuples is -1
        conn.execute("insert into public.orders (total) select g from generate_series(1, 3000) g")
        assert conn.execute(
            "select reltuples from pg_class where oid = 'public.orders'::regclass"
        ).fetchone() == (-1,)
    project.write(
        "20251201000000_note_idx.sql", "create index if not exists orders_note_idx on public.orders (note);"
    )
    project.write(
        "20251202000000_avatars.sql",
        'create policy "avatars are public" on storage.objects for select to anon '
        "using (bucket_id = 'avatars');",
    )
    run, plan = _plan(cli, db)
    assert run.code == 0, run.text
    index, policy = plan["migrations"]
    (orders,) = index["tables"]
    assert orders["table"] == "public.orders" and orders["rows"] == 3000
    named = [t["table"] for t in policy["tables"]]
    assert named and not [t for t in named if t.startswith("schemagate.")], named
    text = cli("plan", "--database-url", db.url, "--sample-rows", "4000")
    assert "3,000 rows" in text.out and "schemagate." not in text.out
