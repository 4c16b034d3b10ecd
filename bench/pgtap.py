"""`schemagate test` against pg_prove, on the same database and the same files.

    python bench/pgtap.py PROJECT [--no-seed]   # a Supabase project folder with supabase/tests

The project's migrations and seed are applied once to a throwaway database (Supabase shim); then
schemagate's runner and Debian's pg_prove (libtap-parser-sourcehandler-pgtap-perl) each run every
test file on it, pg_prove as the Supabase CLI calls it (`--ext .pg --ext .sql -r`, from the tests
folder). Printed: per file, the tests each saw and whether each passed; then the times of one
file after the other and of files side by side on every core (`--jobs`, and `pg_prove -j`, which
runs them on the one database, with no copies).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from schemagate import commands
from schemagate.commands.history_commands import quiet
from schemagate.config import Overrides
from schemagate.database import history
from schemagate.database.apply import engine, seeding
from schemagate.database.connection import link
from schemagate.database.dbtests import execute, parallel
from schemagate.database.server.sandbox import prepared
from schemagate.repofiles import present, repository_root
from schemagate.statements.sql import extensions_created

_TAP = re.compile(r"^\s*(?:not )?ok \d+")


def _pg_prove(
    url: str, folder: Path, files: list[Path], jobs: int
) -> tuple[dict[Path, tuple[int, bool]], float, float]:
    """Per file: how many TAP results pg_prove read and whether it passed; and the times of one
    run over the whole folder, as `supabase test db` makes it, and of the same with `-j jobs`."""
    counts = {}
    for path in files:
        done = subprocess.run(
            ["pg_prove", "--verbose", "--dbname", url, str(path.resolve())],
            capture_output=True,
            text=True,
            cwd=folder,
            timeout=600,
        )
        counts[path] = (sum(1 for line in done.stdout.splitlines() if _TAP.match(line)), done.returncode == 0)
    seconds = []
    for wide in ([], ["-j", str(jobs)]):
        began = time.perf_counter()
        subprocess.run(
            ["pg_prove", *wide, "--ext", ".pg", "--ext", ".sql", "-r", "--dbname", url, "."],
            capture_output=True,
            cwd=folder,
            timeout=600,
        )
        seconds.append(time.perf_counter() - began)
    return counts, seconds[0], seconds[1]


def _verdicts(suite: execute.Suite) -> list[tuple[str, str, int, int]]:
    return [(r.path.as_posix(), r.status, len(r.assertions), len(r.failures)) for r in suite.files]


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
        ours = execute.run(box.url, files, folder=folder, root=root)
        wide = execute.run(box.url, files, folder=folder, root=root, jobs=jobs, admin_url=box.admin_url)
        theirs, their_seconds, their_wide = _pg_prove(box.url, folder, files, jobs)
    print(f"{'file':<60} {'schemagate':>14} {'pg_prove':>14}")
    same = 0
    for result in ours.files:
        mine = (len(result.assertions), result.status in {"passed", "skipped"})
        if result.status == "unverified":
            print(f"{result.path.as_posix():<60} {'could not verify':>14} {theirs[result.path][0]:>9} FAIL")
            continue
        other = theirs[result.path]
        same += mine == other
        shown = [f"{n} {'ok' if ok else 'FAIL'}" for n, ok in (mine, other)]
        print(f"{result.path.as_posix():<60} {shown[0]:>14} {shown[1]:>14}")
    print(f"{same}/{len(files)} files agree; schemagate {ours.seconds:.2f} s, pg_prove {their_seconds:.2f} s")
    alike = _verdicts(wide) == _verdicts(ours)
    print(
        f"{jobs} jobs: schemagate --jobs {wide.seconds:.2f} s ({'same' if alike else 'DIFFERENT'} results), "
        f"pg_prove -j {their_wide:.2f} s"
    )
    return 0 if same == len(files) and alike else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]).resolve(), seed="--no-seed" not in sys.argv[2:]))
