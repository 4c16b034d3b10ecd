"""How close `schemagate plan`'s estimate comes to the real time, on a 200,000-row table.

python bench/plan.py [--rows 200000] [--sample 20000]

A plain-PostgreSQL "production" gets public.orders with `--rows` rows; for each migration below,
the plan is made (timed on `--sample` synthetic rows on a throwaway database and scaled), then the
migration is applied for real and timed, and the database is put back for the next one.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import fresh_database, server

from schemagate import commands
from schemagate.config import Config
from schemagate.database.apply import engine
from schemagate.database.connection import connect, link
from schemagate.database.history import RunContext

ORDERS = """
create table public.orders (
  id bigint generated always as identity primary key,
  customer text not null,
  total numeric not null,
  created_at timestamptz not null default now()
);
"""
MIGRATIONS = {
    "add a volatile default (rewrite)": (
        "alter table public.orders add column token uuid default gen_random_uuid();"
    ),
    "change a column's type (rewrite)": "alter table public.orders alter column total type numeric(14, 2);",
    "build an index": "create index orders_customer_idx on public.orders (customer);",
    "add a unique index": "create unique index orders_created_id_idx on public.orders (created_at, id);",
}


def _quiet(_line: str) -> None:
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=20_000)
    args = parser.parse_args()
    print(f"| migration | estimate | real | estimate / real |  (rows {args.rows:,}, sample {args.sample:,})")
    print("|---|--:|--:|--:|")
    with server() as pg, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "migrations"
        folder.mkdir()
        (folder / "1_orders.sql").write_text(ORDERS)
        config = Config(migrations_dir=folder, supabase=False, on_drift="off")
        for label, sql in MIGRATIONS.items():
            url = fresh_database(pg, "bench_plan")
            with link(url) as db:
                local = engine.load(folder)
                engine.apply(
                    db, local, settings=engine.Settings(), context=RunContext.local(), progress=_quiet
                )
            with connect(url) as conn:
                conn.execute(
                    f"insert into public.orders (customer, total) select 'customer ' || (g % 5000), g * 1.5 "
                    f"from generate_series(1, {args.rows}) g".encode()
                )
                conn.execute(b"analyze public.orders")
            (folder / "2_change.sql").write_text(sql)
            plan = commands.deploy_plan(config, url, sample=args.sample)
            estimate = plan.steps[0].estimate_s or 0.0
            with connect(url) as conn:
                began = time.perf_counter()
                conn.execute(sql.encode())
                real = time.perf_counter() - began
            (folder / "2_change.sql").unlink()
            print(f"| {label} | {estimate:.3f} s | {real:.3f} s | {estimate / real:.2f} |")


if __name__ == "__main__":
    main()
