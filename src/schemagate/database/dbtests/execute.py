"""Run a project's pgTAP files as `supabase test db` does, without Docker or pg_prove.

`supabase test db` runs `pg_prove --ext .pg --ext .sql -r supabase/tests` in a container, after
`create extension if not exists pgtap with schema extensions`. pg_prove hands each file to its own
psql process with ON_ERROR_STOP: statements run one by one in autocommit, the file's own `begin` …
`rollback` is what undoes its work, and a transaction still open when the file ends (or stops on an
error) is rolled back as psql's exit rolls it back. So here: each file on a connection of its own,
statement by statement, stopping at the first error, and whatever is left open rolled back. A file
with no transaction of its own keeps what it did, as with pg_prove: suites rely on it (a
`00000-helpers.sql` that creates the functions the later files call). Every row a statement returns
is a line of the file's TAP.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from schemagate.database.dbtests.psqlscript import Echo, Session, Sql, Unsupported, steps
from schemagate.database.dbtests.tap import FileResult, Stopped, TapReader, Where
from schemagate.errors import InputError

EXTENSIONS = (".sql", ".pg")  # pg_prove's --ext, as the Supabase CLI passes them

# CREATE EXTENSION of one this server does not have: 0A000 (not available), 58P01 (no such file)
_NOT_HERE = {"0A000", "58P01"}

Progress = Callable[[str], None]


def discover(folders: list[Path]) -> list[Path]:
    """The test files under each folder, recursively, in pg_prove's order (sorted by path)."""
    found: list[Path] = []
    for folder in folders:
        if folder.is_file():
            found.append(folder)
            continue
        if not folder.is_dir():
            continue
        for parent, _dirs, names in os.walk(folder):
            found += [Path(parent) / n for n in names if n.endswith(EXTENSIONS)]
    return sorted(dict.fromkeys(found), key=lambda p: p.as_posix())


@dataclass
class Suite:
    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0
    note: str | None = None  # why nothing could be verified, when nothing could

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def failed(self) -> bool:
        return any(f.status == "failed" for f in self.files)

    @property
    def assertions(self) -> int:
        return sum(len(f.assertions) for f in self.files)


def pgtap_missing(conn: psycopg.Connection[tuple[object, ...]]) -> str | None:
    """Install pgTAP as the Supabase CLI does before its run; why it cannot be, when it cannot."""
    available = conn.execute(b"SELECT 1 FROM pg_available_extensions WHERE name = 'pgtap'").fetchone()
    if available is None:
        version = conn.execute(b"SELECT current_setting('server_version_num')::int / 10000").fetchone()
        major = version[0] if version else "?"
        return f"could not verify: pgTAP is not installed for PostgreSQL {major} on this machine"
    schema = conn.execute(b"SELECT to_regnamespace('extensions') IS NOT NULL").fetchone()
    if schema and schema[0]:
        conn.execute(b"CREATE EXTENSION IF NOT EXISTS pgtap WITH SCHEMA extensions")
    else:
        conn.execute(b"CREATE EXTENSION IF NOT EXISTS pgtap")
    return None


def run(
    url: str,
    files: list[Path],
    *,
    folder: Path,
    root: Path,
    statement_timeout: str = "5min",
    progress: Progress = lambda _line: None,
) -> Suite:
    """Every file on the database at `url`, one after the other, each rolled back."""
    began = time.monotonic()
    suite = Suite()
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as conn:
        suite.note = pgtap_missing(conn)
    stop: str | None = suite.note
    for path in files:
        if stop is not None:
            suite.files.append(FileResult(path, unverified=stop))
            continue
        result = run_file(url, path, Session(folder, root), statement_timeout)
        suite.files.append(result)
        progress(f"{result.status}: {path.as_posix()} ({len(result.assertions)} tests)")
        if result.bailed is not None:
            stop = f"not run: {path.as_posix()} bailed out"
    suite.seconds = time.monotonic() - began
    return suite


def run_file(url: str, path: Path, session: Session, statement_timeout: str) -> FileResult:
    """One file on a connection of its own; a transaction it leaves open is rolled back."""
    began = time.monotonic()
    result = FileResult(path)
    reader = TapReader(result)
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as conn:
        conn.execute(sql.SQL("SET statement_timeout = {}").format(sql.Literal(statement_timeout)))
        try:
            _statements(conn, path, session, reader)
        except Unsupported as exc:
            result.unverified = f"could not verify: {exc.message}"
            result.error = Stopped(exc.message, _where(exc, path))
        except InputError as exc:
            result.error = Stopped(exc.message, _where(exc, path))
        finally:
            if not conn.closed and conn.info.transaction_status != TransactionStatus.IDLE:
                conn.execute(b"ROLLBACK")
    result.seconds = time.monotonic() - began
    return result


def _where(exc: InputError, path: Path) -> Where:
    return Where(Path(exc.path) if exc.path else path, exc.line or 1)


def _statements(
    conn: psycopg.Connection[tuple[object, ...]], path: Path, session: Session, reader: TapReader
) -> None:
    result = reader.result
    for step in steps(path, session):
        where = Where(step.path, step.line)
        if isinstance(step, Echo):
            reader.feed(step.text, where)
            continue
        try:
            cursor = conn.execute(step.text.encode())
        except psycopg.Error as exc:
            result.error = _failed(exc, step)
            message = result.error.message.removeprefix("ERROR: ")
            if step.words[:2] == ("create", "extension") and exc.sqlstate in _NOT_HERE:
                # a helper library from database.dev (pg_tle), or an extension only hosted has
                result.unverified = f"could not verify: {message} here"
            elif exc.sqlstate == "0A000" and "stand-in" in message:
                # a stand-in extension refused what only the real one does (an HTTP request)
                result.unverified = f"could not verify: {message}"
            return
        if cursor.description is not None:
            for row in cursor.fetchall():
                reader.feed("|".join("" if v is None else str(v) for v in row), where)
        if result.bailed is not None:
            return


def _failed(exc: psycopg.Error, step: Sql) -> Stopped:
    """psql's ON_ERROR_STOP: the server's message at the line of the statement, or of the spot in
    it the server points at."""
    diag = exc.diag
    line = step.line
    position = diag.statement_position
    if position and position.isdigit():
        line += step.text[: int(position) - 1].count("\n")
    message = (diag.message_primary or str(exc).strip().splitlines()[0]).strip()
    return Stopped(f"ERROR: {message}", Where(step.path, line), diag.sqlstate)
