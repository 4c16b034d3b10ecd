"""The checklist's speed, in one run.

    python bench/check.py [--files 1000] [--tables 2000]

1. Static rules over 1,000 generated migration files: `schemagate lint` against `squawk`
   (pip squawk-cli) on the same files, each a whole process, best of 10. Target: no slower than squawk.
2. Catalog rules on a 2,000-table schema (foreign keys, policies, indexes, views, functions),
   all tables in scope: the worst case for one check. Target: under 1 s.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from apply import generate
from common import fresh_database, server

from schemagate.database.connection import connect
from schemagate.findings.rules import catalog_rules as catalog
from schemagate.statements import workers


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    began = time.perf_counter()
    subprocess.run(command, cwd=cwd, capture_output=True, env=env)  # both exit non-zero on findings
    return time.perf_counter() - began


def squawk_binary() -> str | None:
    """squawk-cli's own executable: pyenv's shim in front of it would add its start to squawk's time."""
    beside = Path(sys.executable).parent / "squawk"
    return str(beside) if beside.is_file() else shutil.which("squawk")


def static(files: int, rounds: int = 10) -> None:
    work = Path(tempfile.mkdtemp(prefix="sg-bench-check-"))
    migrations = work / "supabase" / "migrations"
    generate(migrations, files)
    (work / ".git").mkdir()
    # As installed: pip compiles bytecode; an editable checkout under PYTHONDONTWRITEBYTECODE never does
    import schemagate

    compileall.compile_dir(Path(schemagate.__file__).parent, quiet=1)
    print(f"static rules over {files} files (best of {rounds}, whole process, taking turns)", flush=True)
    ours_cmd = [sys.executable, "-m", "schemagate.cli", "lint", "-q"]
    serial_env = {**os.environ, "SCHEMAGATE_WORKERS": "1"}
    squawk = squawk_binary()
    names = sorted(str(p) for p in migrations.glob("*.sql"))
    theirs_cmd = [squawk, *names] if squawk else None
    terse_cmd = [squawk, "--reporter", "gcc", *names] if squawk else None  # a line per finding, as ours
    ours, serial, theirs, terse = [], [], [], []
    for _ in range(rounds):  # interleaved, so machine noise hits all alike
        ours.append(timed(ours_cmd, work))
        serial.append(timed(ours_cmd, work, serial_env))
        if theirs_cmd and terse_cmd:
            theirs.append(timed(theirs_cmd, work))
            terse.append(timed(terse_cmd, work))
    print(f"  schemagate lint ({workers.how_many(files)} processes)   {min(ours):7.3f} s")
    print(f"  schemagate lint (one process)    {min(serial):7.3f} s")
    if not theirs:
        print("  squawk not installed (pip install squawk-cli)")
        return
    print(f"  squawk (default tty reporter)    {min(theirs):7.3f} s")
    print(f"  squawk --reporter gcc            {min(terse):7.3f} s")
    print(f"  schemagate / squawk              {min(ours) / min(theirs):7.2f}x  (target <= 1.00x)")
    print(f"  schemagate / squawk gcc          {min(ours) / min(terse):7.2f}x")
    shutil.rmtree(work, ignore_errors=True)


SETUP = """
CREATE ROLE anon NOLOGIN; CREATE ROLE authenticated NOLOGIN;
CREATE TABLE public.parent (id bigint PRIMARY KEY);
"""
# In batches: one transaction that creates 2,000 tables runs out of lock slots.
BATCH = """
DO $$
BEGIN
  FOR i IN {first}..{last} LOOP
    EXECUTE format('CREATE TABLE public.t%s (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      parent_id bigint REFERENCES public.parent (id) ON DELETE CASCADE, owner uuid, note text,
      created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now())', i);
    IF i % 2 = 0 THEN
      EXECUTE format('CREATE INDEX ON public.t%s (parent_id)', i);
      EXECUTE format('ALTER TABLE public.t%s ENABLE ROW LEVEL SECURITY', i);
      EXECUTE format('CREATE POLICY p%s ON public.t%s FOR SELECT USING (owner IS NOT NULL)', i, i);
    END IF;
    IF i % 10 = 0 THEN
      EXECUTE format('CREATE POLICY w%s ON public.t%s FOR UPDATE USING (true)', i, i);
      EXECUTE format('CREATE VIEW public.v%s AS SELECT id FROM public.t%s', i, i);
      EXECUTE format('CREATE FUNCTION public.f%s() RETURNS int LANGUAGE sql SECURITY DEFINER
        AS ''SELECT 1''', i);
    END IF;
  END LOOP;
END $$;
"""


def catalog_rules(tables: int) -> None:
    print(f"catalog rules on a {tables}-table schema, every table in scope (best of 3)", flush=True)
    with server() as pg:
        url = fresh_database(pg, "bench_catalog")
        with connect(url) as conn:
            conn.execute(SETUP.encode())
            for first in range(1, tables + 1, 200):
                last = min(first + 199, tables)
                conn.execute(BATCH.replace("{first}", str(first)).replace("{last}", str(last)).encode())
            rows = conn.execute(b"SELECT oid::int FROM pg_class WHERE relname ~ '^t[0-9]+$'").fetchall()
            oids = [int(str(r[0])) for r in rows]
            scope = catalog.Scope(
                tables=oids,
                created=oids,
                functions=[f"public.f{i}" for i in range(10, tables + 1, 10)],
                views=[f"public.v{i}" for i in range(10, tables + 1, 10)],
            )
            times, found = [], 0
            for _ in range(3):
                began = time.perf_counter()
                found = len(catalog.check(conn, scope))
                times.append(time.perf_counter() - began)
    print(f"  {len(catalog.QUERIES)} queries, {found} findings, {min(times):.3f} s  (target < 1 s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--tables", type=int, default=2000)
    args = parser.parse_args()
    static(args.files)
    catalog_rules(args.tables)


if __name__ == "__main__":
    main()
