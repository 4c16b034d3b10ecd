"""A real PostgreSQL cluster per test session, and a fresh database per test.

The cluster is started by the suite itself with schemagate's own throwaway-server code; each test
gets a database cloned from a template that already holds the Supabase shim.

Under pytest-xdist (pyproject's `-n auto`) every worker is a process with its own session: its own
cluster (its own temp folder, and a port it retries when another worker's server took it first),
its own pytest temp folders; names made here carry the worker's pid. Nothing is shared but the
read-only initdb and binaries cache, which is built once by an atomic rename.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from schemagate.cli import main
from schemagate.database.server import binaries, shim
from schemagate.database.server.ephemeral import EphemeralPostgres

# the `github` and `workspace` fixtures of the Action's tests and the container's
pytest_plugins = ("actionrun",)

# the merged-state cache stays out of the user's folder and out of other tests' way:
# tests/test_state_cache.py turns it on in a folder of its own
os.environ.setdefault("SCHEMAGATE_STATE_CACHE", "off")

TEMPLATE = "shim_template"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "supabase-app"
_counter = itertools.count()


@pytest.fixture(scope="session")
def server() -> Iterator[EphemeralPostgres]:
    with EphemeralPostgres(binaries.find(), superuser="supabase_admin", supabase=True) as pg:
        with pg.connect() as conn:
            conn.execute(f"CREATE DATABASE {TEMPLATE}")
        with pg.connect(TEMPLATE) as conn:
            shim.install(conn)
        yield pg


@dataclass
class Database:
    server: EphemeralPostgres
    name: str
    user: str = "postgres"

    @property
    def url(self) -> str:
        return self.server.url(self.user, self.name)

    @property
    def admin_url(self) -> str:
        return self.server.url("supabase_admin", self.name)

    def connect(self, admin: bool = False) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.admin_url if admin else self.url, autocommit=True)

    def scalar(self, sql: str, *params: object) -> object:
        with self.connect(admin=True) as conn:
            row = conn.execute(sql.encode(), params or None).fetchone()
            return row[0] if row else None

    def history(self) -> list[tuple[str, str]]:
        if not self.scalar("SELECT to_regclass('supabase_migrations.schema_migrations') IS NOT NULL"):
            return []
        with self.connect(admin=True) as conn:
            rows = conn.execute(
                "SELECT version, name FROM supabase_migrations.schema_migrations ORDER BY version"
            ).fetchall()
        return [(str(v), str(n)) for v, n in rows]

    def tables(self, schema: str = "public") -> list[str]:
        with self.connect(admin=True) as conn:
            rows = conn.execute(
                "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'i', 'v') ORDER BY 1",
                (schema,),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def snapshot(self) -> tuple[list[tuple[str, str]], list[str], list[str]]:
        """History and catalog, to show a failure left the database as it was."""
        return self.history(), self.tables(), self.tables("supabase_migrations")


def _new_database(server: EphemeralPostgres, template: str) -> str:
    name = f"t{os.getpid()}_{next(_counter)}"
    with server.connect() as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template} OWNER postgres")
    return name


@pytest.fixture
def db(server: EphemeralPostgres) -> Iterator[Database]:
    """A Supabase-shaped database; migrations run as the demoted `postgres` role."""
    name = _new_database(server, TEMPLATE)
    with server.connect(name) as conn:
        shim.install(conn)  # database-level settings (search_path, owner) are not cloned
    yield Database(server, name)
    with server.connect() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def drop() -> Iterator[Path]:
    """A folder the server's OS user can reach and write to (pytest's own temp folders are
    private to root): an escalated migration could leave a marker here. A test that proves a
    superuser does leave one keeps the others from passing for want of a place to write."""
    folder = Path(tempfile.mkdtemp(prefix="schemagate-drop-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def plain_db(server: EphemeralPostgres) -> Iterator[Database]:
    """A vanilla database, reached as a superuser (a plain Postgres project)."""
    name = _new_database(server, "template0")
    yield Database(server, name, user="supabase_admin")
    with server.connect() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass
class Project:
    root: Path
    written: list[Path] = field(default_factory=list)

    @property
    def migrations(self) -> Path:
        return self.root / "supabase" / "migrations"

    def write(self, filename: str, sql: str | bytes) -> Path:
        path = self.migrations / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(sql, bytes):
            path.write_bytes(sql)
        else:
            path.write_text(textwrap.dedent(sql).lstrip(), "utf-8")
        self.written.append(path)
        return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    (tmp_path / ".git").mkdir()  # the project root, as a checkout would be
    (tmp_path / "supabase" / "migrations").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return Project(tmp_path)


def copy_project(source: Path, root: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A copy of a project folder, free to edit, as the working directory of a checkout."""
    shutil.copytree(source, root)
    (root / ".git").mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return Project(root)


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A copy of the bundled example project, free to edit."""
    return copy_project(EXAMPLE, tmp_path / "example", monkeypatch)


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    def run(*argv: str) -> Run:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def run_process(*argv: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> Run:
    """schemagate as a separate process, as a user or the Action runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "schemagate.cli", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    return Run(result.returncode, result.stdout, result.stderr)
