"""Apply 1,000 generated migrations to a fresh database three ways and compare.

    python bench/apply.py [--count 1000]

1. schemagate apply (one process),
2. psql once per file, in one transaction with the same history insert,
3. supabase db push (the real CLI, when installed).
Each on a fresh database of one server, after a warm-up pass; schemagate and the CLI take turns
going first and the best of --rounds counts.
Target: schemagate within 1.3x of psql, and faster than the Supabase CLI.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from common import fresh_database, run, server, supabase_cli, timed

from schemagate.files.migrations import discover
from schemagate.statements.sql import parse


def generate(directory: Path, count: int) -> None:
    directory.mkdir(parents=True)
    for i in range(count):
        parent = f"REFERENCES public.t{i - 1} (id) ON DELETE CASCADE" if i else ""
        (directory / f"{20250101000000 + i}_table_{i}.sql").write_text(
            f"-- migration {i}\n"
            f"CREATE TABLE IF NOT EXISTS public.t{i} (\n"
            f"  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
            f"  parent_id bigint {parent},\n"
            f"  label text NOT NULL DEFAULT 'x;y',\n"
            f"  created_at timestamptz NOT NULL DEFAULT now()\n);\n"
            f"CREATE INDEX IF NOT EXISTS t{i}_parent_id_idx ON public.t{i} (parent_id);\n"
            f"COMMENT ON TABLE public.t{i} IS 'generated table {i}';\n"
        )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2, help="best of N for schemagate and the CLI")
    parser.add_argument("--floor-only", action="store_true", help="skip psql per file (a process per file)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sg-bench-"))
    project = work / "project"
    generate(project / "supabase" / "migrations", args.count)
    (project / ".git").mkdir()
    results: dict[str, float] = {}
    print(f"applying {args.count} migrations to a fresh database", flush=True)
    cli = supabase_cli()
    tools: dict[str, Callable[[str], list[str]]] = {
        "schemagate": lambda url: [
            sys.executable,
            "-m",
            "schemagate.cli",
            "apply",
            "-q",
            "--database-url",
            url,
            "--supabase",
            "false",
        ],
    }
    if cli:
        tools["supabase"] = lambda url: [cli, "db", "push", "--db-url", url, "--yes"]
    with server() as pg:
        # A first pass warms the server and the page cache, so no tool pays for going first.
        run(tools["schemagate"](fresh_database(pg, "bench_warmup")), project)
        for round_ in range(args.rounds):
            order = list(tools) if round_ % 2 == 0 else list(reversed(tools))
            for name in order:
                url = fresh_database(pg, f"bench_{name}_{round_}")
                seconds = timed(partial(run, tools[name](url), project))
                results[name] = min(results.get(name, seconds), seconds)
                print(f"  {name:<20} {seconds:7.2f} s  (round {round_ + 1})", flush=True)
        url = fresh_database(pg, "bench_psql_session")
        results["floor"] = _psql_session(url, project / "supabase" / "migrations", work)
        if not args.floor_only:
            url = fresh_database(pg, "bench_psql")
            results["psql"] = _psql(url, project / "supabase" / "migrations")
    shutil.rmtree(work, ignore_errors=True)
    floor = results["schemagate"] / results["floor"]
    print(f"schemagate / one psql session (the floor)  {floor:.2f}x  (goal <= 1.1x)")
    if "psql" in results:
        print(f"schemagate / psql      {results['schemagate'] / results['psql']:.2f}x  (target <= 1.30x)")
    if "supabase" in results:
        print(f"schemagate / supabase  {results['schemagate'] / results['supabase']:.2f}x  (target < 1.00x)")


_HISTORY = (
    "CREATE SCHEMA IF NOT EXISTS supabase_migrations;"
    "CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations "
    "(version text NOT NULL PRIMARY KEY, statements text[], name text);"
)


def _insert(version: str, name: str, statements: list[str]) -> str:
    listed = ", ".join(_literal(s) for s in statements)
    return (
        "INSERT INTO supabase_migrations.schema_migrations (version, name, statements) VALUES "
        f"({_literal(version)}, {_literal(name)}, ARRAY[{listed}]::text[]);"
    )


def _psql_session(url: str, directory: Path, work: Path) -> float:
    """The floor: one psql process and session for every file, each in its own transaction with
    its history row, as a hand-written script would apply them."""
    run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c", _HISTORY], directory)
    script = work / "all.sql"
    with script.open("w") as out:
        for migration in discover(directory).migrations:
            history = parse(migration).history_statements
            out.write(f"BEGIN;\n\\i {migration.path}\n")
            out.write(_insert(migration.version, migration.name, list(history)) + "\nCOMMIT;\n")
    seconds = timed(partial(run, ["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-f", str(script)], directory))
    print(f"  {'psql, one session':<20} {seconds:7.2f} s", flush=True)
    return seconds


def _psql(url: str, directory: Path) -> float:
    history = (
        "CREATE SCHEMA IF NOT EXISTS supabase_migrations;"
        "CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations "
        "(version text NOT NULL PRIMARY KEY, statements text[], name text);"
    )
    run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c", history], directory)
    inserts = {}
    for migration in discover(directory).migrations:  # prepared before timing: fair to psql
        statements = ", ".join(_literal(s) for s in parse(migration).history_statements)
        inserts[migration.path] = (
            "INSERT INTO supabase_migrations.schema_migrations (version, name, statements) VALUES "
            f"({_literal(migration.version)}, {_literal(migration.name)}, ARRAY[{statements}]::text[])"
        )

    def apply_all() -> None:
        for path, insert in inserts.items():
            run(["psql", url, "-q", "-1", "-v", "ON_ERROR_STOP=1", "-f", str(path), "-c", insert], directory)

    seconds = timed(apply_all)
    print(f"  {'psql per file':<20} {seconds:7.2f} s", flush=True)
    return seconds


if __name__ == "__main__":
    main()
