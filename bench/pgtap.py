"""`schemagate test` against pg_prove, on the same database and the same files.

    python bench/pgtap.py PROJECT [--no-seed]   # a Supabase project folder with supabase/tests

The project's migrations and seed are applied once to a throwaway database (Supabase shim); then
schemagate's runner and Debian's pg_prove (libtap-parser-sourcehandler-pgtap-perl) each run every
test file, each run on its own fresh copy of that database, pg_prove as the Supabase CLI calls it
(`--ext .pg --ext .sql -r`, from the tests folder). Printed: per file, planned/run, passed,
failed, skipped, todo and the file's verdict by each (pg_prove's read by TAP::Parser through
bench/tap_counts.pl); then the times of one file after the other and of files side by side on
every core (`--jobs`, and `pg_prove -j`, which runs them on the one database, with no copies).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from schemagate import commands
from schemagate.commands.history_commands import quiet
from schemagate.config import Overrides
from schemagate.database import history
from schemagate.database.apply import engine, seeding
from schemagate.database.connection import link
from schemagate.database.dbtests import execute, parallel
from schemagate.database.dbtests.tap import FileResult
from schemagate.database.server.sandbox import prepared
from schemagate.repofiles import present, repository_root
from schemagate.statements.sql import extensions_created

_COUNTS = Path(__file__).with_name("tap_counts.pl")

# per file: planned (-1: no plan), run, passed, failed, skipped, todo, and the file's verdict
Counts = tuple[int, int, int, int, int, int, bool]


def _their_counts(url: str, folder: Path, files: list[Path]) -> dict[Path, Counts]:
    """Per file, what pg_prove's parser (TAP::Parser, pgTAP's source handler: pg_prove's psql
    command line) counts, and whether pg_prove would pass the file."""
    done = subprocess.run(
        ["perl", str(_COUNTS), *(str(path.resolve()) for path in files)],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=1800,
        check=True,
        env=_libpq_env(url),
    )
    counts: dict[Path, Counts] = {}
    for path, line in zip(files, done.stdout.splitlines(), strict=True):
        numbers = [int(n) for n in line.split("\t")[1:]]
        counts[path] = (*numbers[:6], numbers[7] == 0)  # type: ignore[assignment]
    return counts


def _our_counts(result: FileResult) -> Counts:
    ran = len(result.assertions)
    planned = -1 if result.planned is None else result.planned
    failed = len(result.failures)
    todo = sum(1 for a in result.assertions if a.directive == "todo")
    verdict = result.status in {"passed", "skipped"}
    return (planned, ran, ran - failed, failed, len(result.skipped), todo, verdict)


def _libpq_env(url: str) -> dict[str, str]:
    """The database for psql in libpq's variables: pg_prove splits `--dbname` at its `=` (a
    conninfo string would reach psql cut short, and psql would try the default socket), and the
    password stays out of the command line."""
    names = {"host": "PGHOST", "port": "PGPORT", "dbname": "PGDATABASE", "user": "PGUSER"}
    names["password"] = "PGPASSWORD"
    given = {names[k]: str(v) for k, v in conninfo_to_dict(url).items() if k in names and v is not None}
    return {**os.environ, **given}


def _pg_prove_seconds(url: str, other_url: str, folder: Path, jobs: int, tests: int) -> tuple[float, float]:
    """One pg_prove run over the whole folder, as `supabase test db` makes it (on `url`), and the
    same with `-j jobs` (on `other_url`). The first must have read the `tests` TAP results the
    file by file run read, or its time says nothing; `-j` shares one database between its files,
    so its count is only printed."""
    seconds = []
    for at, wide in ((url, []), (other_url, ["-j", str(jobs)])):
        began = time.perf_counter()
        done = subprocess.run(
            ["pg_prove", *wide, "--ext", ".pg", "--ext", ".sql", "-r", "."],
            capture_output=True,
            text=True,
            cwd=folder,
            timeout=1800,
            env=_libpq_env(at),
        )
        seconds.append(time.perf_counter() - began)
        found = re.search(r"^Files=\d+, Tests=(\d+)", done.stdout, re.MULTILINE)
        read = int(found[1]) if found else -1
        print(f"pg_prove {' '.join(wide)}: {read} tests read")
        if not wide and read != tests:
            raise SystemExit(f"pg_prove read {read} tests, not {tests}: its time says nothing")
    return seconds[0], seconds[1]


def _verdicts(suite: execute.Suite) -> list[tuple[str, str, int, int]]:
    return [(r.path.as_posix(), r.status, len(r.assertions), len(r.failures)) for r in suite.files]


def _shown(counts: Counts) -> str:
    planned, ran, passed, failed, skipped, todo, ok = counts
    return f"{planned}/{ran} {passed}p {failed}f {skipped}s {todo}t {'ok' if ok else 'FAIL'}"


def _compare(ours: execute.Suite, theirs: dict[Path, Counts]) -> int:
    """Prints a row per file (planned/run, passed, failed, skipped, todo, verdict); the number of
    files whose counts and verdict agree. A file schemagate could not verify agrees when pg_prove
    fails it."""
    print(f"{'file':<58} {'schemagate':>26} {'pg_prove':>26}")
    same = 0
    for result in ours.files:
        other = theirs[result.path]
        if result.status == "unverified":
            agree = not other[-1]
            mine = "could not verify"
        else:
            agree = _our_counts(result) == other
            mine = _shown(_our_counts(result))
        same += agree
        mark = "" if agree else "  <-- DIFFERENT"
        print(f"{result.path.as_posix():<58} {mine:>26} {_shown(other):>26}{mark}")
    return same


def main(project: Path, seed: bool = True) -> int:
    if shutil.which("pg_prove") is None:
        print("pg_prove is not installed (apt-get install libtap-parser-sourcehandler-pgtap-perl)")
        return 2
    os.chdir(project)
    config = commands.settings(Overrides(seed=None if seed else False))
    folder = config.test_folders[0]
    files = execute.discover(config.test_folders)
    found = engine.load(config.migrations_dir)
    settings = engine.Settings.of(config, include_all=True, throwaway=True)
    with prepared(supabase=config.shim, wants=extensions_created(found)) as box:
        with link(box.url) as db:
            context = history.RunContext.local()
            engine.apply(db, found, settings=settings, context=context, progress=quiet, shim=box.shim)
            if config.seed and present(config.seed_file):
                seeding.seed(db.conn, config.seed_file, settings, quiet, shim=box.shim)
        root = repository_root(files[0])
        jobs = parallel.default_jobs()
        # every run starts from the state the migrations left: a suite's files keep things (a
        # helpers file creates functions, a last file drops them), so no run may see another's
        with parallel.copies(box.url, box.admin_url, 5) as fresh:
            if len(fresh) != 5:
                print("could not copy the database for each run")
                return 2
            ours = execute.run(fresh[0], files, folder=folder, root=root)
            wide = execute.run(fresh[1], files, folder=folder, root=root, jobs=jobs, admin_url=box.admin_url)
            for url in fresh[2:]:
                with psycopg.connect(url, autocommit=True) as conn:
                    execute.pgtap_missing(conn)  # as `supabase test db` installs it before pg_prove
            theirs = _their_counts(fresh[2], folder, files)
            tests = sum(counts[1] for counts in theirs.values())
            their_seconds, their_wide = _pg_prove_seconds(fresh[3], fresh[4], folder, jobs, tests)
    same = _compare(ours, theirs)
    print(f"{same}/{len(files)} files agree; schemagate {ours.seconds:.2f} s, pg_prove {their_seconds:.2f} s")
    alike = _verdicts(wide) == _verdicts(ours)
    print(
        f"{jobs} jobs: schemagate --jobs {wide.seconds:.2f} s ({'same' if alike else 'DIFFERENT'} results), "
        f"pg_prove -j {their_wide:.2f} s"
    )
    return 0 if same == len(files) and alike else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]).resolve(), seed="--no-seed" not in sys.argv[2:]))
