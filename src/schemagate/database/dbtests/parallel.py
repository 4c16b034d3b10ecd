"""Test files on several copies of the database at once, with the results one run after the other
gives.

A serial run (pg_prove's, and `execute.run` with one job) hands every file the database as the
files before it left it. Most files leave nothing: they `begin`, test, and `rollback`. Those can
run side by side on copies of the same state. A file that may leave something (a statement outside
its transaction, a `commit`; typically a `00000-helpers.sql` that creates functions) is a barrier:
it runs alone on the database itself, after every earlier file and before every later one, and the
copies for the files after it are made from the state it left. Which kind a file is, is read from
its statements before it runs (psql's rules, includes followed), so the schedule is the same on
every run.

What stays different from a serial run: sequences. `nextval` is not undone by a rollback, so in a
serial run a file sees the sequence values the files before it drew; on a copy it sees the values
of the state the copy was made from. A test that compares generated ids across files' leftovers
can tell (docs/pgtap.md).

The copies are databases cloned from the tested one (`CREATE DATABASE … TEMPLATE`), on the
throwaway server only: the database-level settings and grants, which a clone does not carry, are
copied over. The database itself serves as one of the lanes. Where a copy cannot be made (someone
else is connected to the database), the batch runs one file after the other instead.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from schemagate.database.dbtests.psqlscript import Session, Sql, steps
from schemagate.database.dbtests.tap import FileResult
from schemagate.errors import InputError

RunOne = Callable[[str, Path], FileResult]  # (database URL, file) -> its result
Ready = Callable[[FileResult], bool]  # takes a file's result in order; False: run no more
# the caller's own sessions on the database let go while it is copied (the check's watchdog)
Hold = Callable[[], AbstractContextManager[None]]


def default_jobs() -> int:
    """One file per core."""
    return max(1, len(os.sched_getaffinity(0)))


def keeps_nothing(path: Path, folder: Path, root: Path) -> bool:
    """True when every statement of the file runs in a transaction the file rolls back (or leaves
    open, which is rolled back as psql exits): whatever it does is undone. Anything else, or a file
    that cannot be read through, may leave something."""
    inside = False
    try:
        for step in steps(path, Session(folder, root)):
            if not isinstance(step, Sql):
                continue
            first, words = step.words[:1], step.words
            if not inside:
                if first != ("begin",) and words != ("start", "transaction"):
                    return False  # runs on its own, committed at once
                inside = True
            elif first in {("commit",), ("end",)} or words == ("prepare", "transaction"):
                return False
            elif first in {("rollback",), ("abort",)} and words[1:2] != ("to",):
                inside = False
    except InputError:
        return False
    return True


def schedule(files: list[Path], folder: Path, root: Path) -> list[list[Path]]:
    """The files in their order, cut into steps: a run of files that keep nothing is one step (run
    side by side), a file that may keep something is a step of its own."""
    found: list[list[Path]] = []
    batch: list[Path] = []
    for path in files:
        if keeps_nothing(path, folder, root):
            batch.append(path)
            continue
        if batch:
            found.append(batch)
            batch = []
        found.append([path])
    if batch:
        found.append(batch)
    return found


def run_all(
    url: str,
    admin_url: str,
    files: list[Path],
    jobs: int,
    folder: Path,
    root: Path,
    run_one: RunOne,
    ready: Ready,
    hold: Hold = nullcontext,
) -> None:
    """Every file, each batch side by side on `jobs` lanes (the database and copies of it), each
    result handed to `ready` in the files' order; once it says stop, later files are not run."""
    for batch in schedule(files, folder, root):
        if len(batch) == 1 or jobs < 2:
            for path in batch:
                if not ready(run_one(url, path)):
                    return
            continue
        results = _side_by_side(url, admin_url, batch, min(jobs, len(batch)), run_one, hold)
        for result in results:
            if not ready(result):
                return


def _side_by_side(
    url: str, admin_url: str, batch: list[Path], jobs: int, run_one: RunOne, hold: Hold
) -> list[FileResult]:
    # the database itself is one of the lanes: the files here leave it as they found it, and a copy
    # costs about what a small suite's file does
    with copies(url, admin_url, jobs - 1, hold) as made:
        urls = [url, *made]
        # each lane runs one file at a time, a file's work rolled back before the next starts;
        # which file runs where is fixed by its place in the batch, so every run is the same
        lanes = [batch[i :: len(urls)] for i in range(len(urls))]
        with ThreadPoolExecutor(max_workers=len(urls)) as pool:
            done = list(pool.map(lambda lane, at: [run_one(at, p) for p in lane], lanes, urls))
    by_path = {r.path: r for lane in done for r in lane}
    return [by_path[p] for p in batch]


@contextlib.contextmanager
def copies(url: str, admin_url: str, count: int, hold: Hold = nullcontext) -> Iterator[list[str]]:
    """`count` clones of the database at `url`, as URLs for the same role; none when they cannot
    be made. Dropped afterwards."""
    source = str(conninfo_to_dict(url).get("dbname") or "postgres")
    names = [f"{source}_copy{i}"[:63] for i in range(count)]
    # from another database: a session on the source keeps it from being copied (and the throwaway
    # server's database is `postgres` itself)
    elsewhere = "template1" if source == "postgres" else "postgres"
    with psycopg.connect(make_conninfo(admin_url, dbname=elsewhere), autocommit=True) as admin:
        try:
            with hold():
                for name in names:
                    _clone(admin, source, name)
        except psycopg.Error:
            _drop(admin, names)
            names = []
        try:
            yield [make_conninfo(url, dbname=n) for n in names]
        finally:
            _drop(admin, names)


def _clone(admin: psycopg.Connection[tuple[object, ...]], source: str, name: str) -> None:
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    row = admin.execute(
        b"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (source,)
    ).fetchone()
    owner = str(row[0]) if row else "postgres"
    admin.execute(
        sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}").format(
            sql.Identifier(name), sql.Identifier(source), sql.Identifier(owner)
        )
    )
    # a clone copies the database's files, not its row in pg_database nor its ALTER DATABASE …
    # SET settings (the shim's search_path): a file would run differently without them
    admin.execute(
        b"UPDATE pg_database SET datacl = (SELECT datacl FROM pg_database WHERE datname = %s)"
        b" WHERE datname = %s",
        (source, name),
    )
    admin.execute(
        b"INSERT INTO pg_db_role_setting (setdatabase, setrole, setconfig)"
        b" SELECT (SELECT oid FROM pg_database WHERE datname = %s), setrole, setconfig"
        b" FROM pg_db_role_setting"
        b" WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = %s)",
        (name, source),
    )


def _drop(admin: psycopg.Connection[tuple[object, ...]], names: list[str]) -> None:
    for name in names:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
