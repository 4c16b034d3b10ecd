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

import functools
import os
import re
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from schemagate.database import Progress
from schemagate.database.connection import run_streaming
from schemagate.database.dbtests.psqlscript import Echo, Session, Sql, Unsupported, steps
from schemagate.database.dbtests.tap import FileResult, OutputLimit, Stopped, TapReader, Where
from schemagate.errors import InputError
from schemagate.repofiles import repository_root

EXTENSIONS = (".sql", ".pg")  # pg_prove's --ext, as the Supabase CLI passes them

# CREATE EXTENSION of one this server does not have: 0A000 (not available), 58P01 (no such file)
_NOT_HERE = {"0A000", "58P01"}
# a schema or a function that does not exist: what a test calling a missing helper package meets
_UNDEFINED = {"3F000", "42883"}
# database.dev's packages: `select dbdev.install('handle-name')`, then `create extension
# "handle-name"` (a handle and a name joined by a dash, which no extension Postgres ships has)
_DBDEV_INSTALL = re.compile(r"\bdbdev\s*\.\s*install\s*\(\s*'([^']+)'", re.IGNORECASE)
_DBDEV_EXTENSION = re.compile(
    r'\bcreate\s+extension\s+(?:if\s+not\s+exists\s+)?"([^"]+-[^"]+)"', re.IGNORECASE
)


def discover(folders: list[Path]) -> list[Path]:
    """The test files under each folder, recursively, in pg_prove's order (sorted by path)."""
    found: list[Path] = []
    for folder in folders:
        if folder.is_file():
            found.append(folder)
            continue
        if not folder.is_dir():
            continue
        if _leaves_repository(folder):
            # a committed `supabase/tests -> /` would be walked whole: the folder is its one "file",
            # which the reader refuses with its reason
            found.append(folder)
            continue
        for parent, _dirs, names in os.walk(folder):
            found += [Path(parent) / n for n in names if n.endswith(EXTENSIONS)]
    return sorted(dict.fromkeys(found), key=lambda p: p.as_posix())


def _leaves_repository(folder: Path) -> bool:
    root = Path(os.path.realpath(repository_root(folder / "x.sql")))
    real = Path(os.path.realpath(folder))
    return real != root and root not in real.parents


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
    jobs: int = 1,
    admin_url: str | None = None,
    hold: Callable[[], AbstractContextManager[None]] = nullcontext,
) -> Suite:
    """Every file on the database at `url`, each rolled back, with the results of one after the
    other; with `jobs` > 1 and a superuser's `admin_url` (a throwaway server), the files that keep
    nothing run side by side on copies of the database (parallel.py)."""
    from schemagate.database.dbtests import parallel

    began = time.monotonic()
    suite = Suite()
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as conn:
        suite.note = pgtap_missing(conn)
    if suite.note is not None:
        suite.files = [FileResult(path, unverified=suite.note) for path in files]
        suite.seconds = time.monotonic() - began
        return suite

    def one(at: str, path: Path) -> FileResult:
        return run_file(at, path, Session(folder, root), statement_timeout)

    missing: list[str] = []  # database.dev packages an earlier file could not install

    def ready(result: FileResult) -> bool:
        _blame_missing_packages(result, missing)
        missing.extend(p for p in result.packages if p not in missing)
        suite.files.append(result)
        progress(f"{result.status}: {result.path.as_posix()} ({len(result.assertions)} tests)")
        return result.bailed is None

    if jobs > 1 and admin_url is not None:
        parallel.run_all(url, admin_url, files, jobs, folder, root, one, ready, hold)
    else:
        for path in files:
            if not ready(one(url, path)):
                break
    bailed = next((r for r in suite.files if r.bailed is not None), None)
    if bailed is not None:
        stop = f"not run: {bailed.path.as_posix()} bailed out"
        suite.files += [FileResult(path, unverified=stop) for path in files[len(suite.files) :]]
    suite.seconds = time.monotonic() - began
    return suite


def _blame_missing_packages(result: FileResult, missing: list[str]) -> None:
    """A file that stopped on a schema or function that does not exist, after a database.dev
    package could not be installed: most likely one of the package's (basejump's `tests.*`
    helpers). It could not be verified here, naming the package; not failed. Its own failing tests,
    if any ran before, still fail it."""
    error = result.error
    if not missing or result.unverified or result.failures or error is None:
        return
    if error.sqlstate in _UNDEFINED:
        named = ", ".join(missing)
        result.unverified = (
            f"could not verify: needs {named} from database.dev, which was not installed here "
            f"(no network in a check): {error.message.removeprefix('ERROR: ')}"
        )


def _packages(text: str) -> list[str]:
    """The database.dev packages a statement or a file installs, in order."""
    found = _DBDEV_INSTALL.findall(text) + _DBDEV_EXTENSION.findall(text)
    return list(dict.fromkeys(name for name in found if name != "supabase-dbdev"))


def _not_installed(packages: list[str], message: str) -> str:
    named = ", ".join(packages)
    return (
        f"could not verify: needs {named} from database.dev, which a check cannot download "
        f"(no network): {message}"
    )


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
        try:
            if isinstance(step, Echo):
                reader.feed(step.text, where)
            else:
                _rows(conn, step.text.encode(), functools.partial(reader.feed, where=where))
        except OutputLimit as exc:
            result.error = Stopped(str(exc), where)
            return
        except psycopg.Error as exc:
            assert isinstance(step, Sql)
            result.error = _failed(exc, step)
            message = result.error.message.removeprefix("ERROR: ")
            unverified = _unverified(exc, step, message)
            if unverified is not None:
                # a file after database.dev's packages names them: the reason the step failed here
                result.packages = _packages(step.text) or _packages(_text_of(path, session))
                result.unverified = (
                    _not_installed(result.packages, message) if result.packages else unverified
                )
            return
        if result.bailed is not None:
            return


def _rows(conn: psycopg.Connection[tuple[object, ...]], query: bytes, row: Callable[[str], None]) -> None:
    """Run one statement and hand each row it returns to `row` as psql prints it unaligned (text,
    `|` between columns), as it arrives: a result is never held whole here, whatever its size."""
    encoding = conn.info.encoding

    def printed(values: list[bytes | None]) -> None:
        row("|".join("" if v is None else bytes(v).decode(encoding) for v in values))

    run_streaming(conn, query, printed)


def _unverified(exc: psycopg.Error, step: Sql, message: str) -> str | None:
    """Why a statement that failed says nothing of the project, or None: it failed."""
    if step.words[:2] == ("create", "extension") and exc.sqlstate in _NOT_HERE:
        # a helper library from database.dev (pg_tle), or an extension only hosted has
        return f"could not verify: {message} here"
    if exc.sqlstate in _UNDEFINED and _DBDEV_INSTALL.search(step.text):
        # dbdev.install() where dbdev is not: installing dbdev itself needs the network
        return f"could not verify: {message}"
    if exc.sqlstate == "0A000" and "stand-in" in message:
        # a stand-in extension refused what only the real one does (an HTTP request)
        return f"could not verify: {message}"
    return None


def _text_of(path: Path, session: Session) -> str:
    """The file's statements, includes followed, as one text (to name what it installs)."""
    try:
        return "\n".join(
            step.text for step in steps(path, Session(session.folder, session.root)) if isinstance(step, Sql)
        )
    except InputError:
        return ""


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
