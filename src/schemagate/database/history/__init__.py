"""The migration history, kept exactly as the Supabase CLI keeps it, and schemagate's audit beside it.

`supabase_migrations.schema_migrations` is the CLI's table, created with the CLI's own statements,
so a project can mix `supabase db push` and schemagate. Anything else schemagate knows (checksums,
timings, who applied and who approved) goes in `supabase_migrations.schemagate_audit`.
"""

from __future__ import annotations

import contextlib
import getpass
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import psycopg

from schemagate.database.connection import Connection, Link, check_writable
from schemagate.errors import LockTimeout
from schemagate.files.migrations import VersionOrder, version_order

SCHEMA = "supabase_migrations"
TABLE = f"{SCHEMA}.schema_migrations"
AUDIT = f"{SCHEMA}.schemagate_audit"

# The CLI's statements, in the CLI's order (pkg/migration/history.go).
_CREATE_HISTORY = (
    "SET lock_timeout = '4s'",
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"CREATE TABLE IF NOT EXISTS {TABLE} (version text NOT NULL PRIMARY KEY)",
    f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS statements text[]",
    f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS name text",
)
_CREATE_AUDIT = f"""
CREATE TABLE IF NOT EXISTS {AUDIT} (
  id bigserial PRIMARY KEY,
  version text NOT NULL,
  name text,
  action text NOT NULL CHECK (action IN ('apply', 'rollback')),
  sha256 text,
  down_sha256 text,
  at timestamptz NOT NULL DEFAULT now(),
  duration_ms integer,
  applied_by text,
  approver text,
  run_url text,
  reason text
)"""

# pg_advisory_lock(int4, int4): ('SG', 1) shows in pg_locks as classid 21319, objid 1.
LOCK_KEY = (0x5347, 1)


@dataclass(frozen=True)
class Recorded:
    version: str
    name: str
    statements: tuple[str, ...]
    applied_at: datetime | None = None

    @property
    def order(self) -> VersionOrder:
        return version_order(self.version)


@dataclass(frozen=True)
class RunContext:
    """Who and what to record in the audit table."""

    applied_by: str = ""
    approver: str | None = None
    run_url: str | None = None
    reason: str | None = None

    @classmethod
    def local(cls) -> RunContext:
        actor = os.environ.get("GITHUB_ACTOR") or _login()
        return cls(applied_by=actor)


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def ensure(conn: Connection) -> None:
    with conn.transaction():
        # Two first runs at once would race on CREATE SCHEMA/TABLE IF NOT EXISTS (a unique-index
        # error): serialise them, also through a pooler where no session lock is held.
        lock_in_transaction(conn)
        for statement in _CREATE_HISTORY:
            conn.execute(statement.encode())
        conn.execute(_CREATE_AUDIT.encode())
        conn.execute(b"SET LOCAL lock_timeout = DEFAULT")
    conn.execute(b"RESET lock_timeout")


def _relation_exists(conn: Connection, relation: str) -> bool:
    row = conn.execute(b"SELECT to_regclass(%s) IS NOT NULL", (relation,)).fetchone()
    return bool(row and row[0])


def exists(conn: Connection) -> bool:
    return _relation_exists(conn, TABLE)


def recorded(conn: Connection) -> list[Recorded]:
    """Every version in the CLI's table, oldest first, with when schemagate last applied it."""
    if not exists(conn):
        return []
    applied_at = (
        f"(SELECT max(a.at) FROM {AUDIT} a WHERE a.version = m.version AND a.action = 'apply')"
        if _relation_exists(conn, AUDIT)
        else "NULL::timestamptz"
    )
    rows = conn.execute(
        f"SELECT version, coalesce(name, ''), coalesce(statements, '{{}}'), {applied_at} "
        f"FROM {TABLE} m".encode()
    ).fetchall()
    found = [Recorded(str(v), str(n), tuple(s), at) for v, n, s, at in rows]  # type: ignore[arg-type]
    return sorted(found, key=lambda r: r.order)  # a row of any text or length sorts, none is int()


def insert(
    conn: Connection,
    *,
    version: str,
    name: str,
    statements: list[str],
    sha256: str,
    duration_ms: int,
    context: RunContext,
    down_sha256: str | None = None,
) -> None:
    """The CLI's row and our audit row, in one round trip."""
    conn.execute(
        f"WITH recorded AS (INSERT INTO {TABLE} (version, name, statements) VALUES (%s, %s, %s) "
        f"RETURNING version, name) INSERT INTO {AUDIT} (version, name, action, sha256, down_sha256, "
        "duration_ms, applied_by, approver, run_url, reason) SELECT version, name, 'apply', %s, %s, %s, "
        "%s, %s, %s, %s FROM recorded".encode(),
        (
            version,
            name,
            statements,
            sha256,
            down_sha256,
            duration_ms,
            context.applied_by,
            context.approver,
            context.run_url,
            context.reason,
        ),
    )


def delete(
    conn: Connection, *, version: str, name: str, down_sha256: str, duration_ms: int, context: RunContext
) -> None:
    """Remove the CLI's row and record the rollback in our audit, in one round trip."""
    conn.execute(
        f"WITH removed AS (DELETE FROM {TABLE} WHERE version = %s RETURNING version) "
        f"INSERT INTO {AUDIT} (version, name, action, down_sha256, duration_ms, applied_by, approver, "
        "run_url, reason) SELECT version, %s, 'rollback', %s, %s, %s, %s, %s, %s FROM removed".encode(),
        (
            version,
            name,
            down_sha256,
            duration_ms,
            context.applied_by,
            context.approver,
            context.run_url,
            context.reason,
        ),
    )


def down_checksums(conn: Connection) -> dict[str, str | None]:
    """For each version, the down file's sha256 recorded when it was last applied."""
    if not _relation_exists(conn, AUDIT):
        return {}
    rows = conn.execute(
        f"SELECT DISTINCT ON (version) version, down_sha256 FROM {AUDIT} "
        "WHERE action = 'apply' ORDER BY version, id DESC".encode()
    ).fetchall()
    return {str(v): (str(s) if s else None) for v, s in rows}


def repair_applied(conn: Connection, version: str, name: str, statements: list[str]) -> None:
    """Mark a version applied, as `supabase migration repair --status applied` does: the row from
    the file, replacing one already there."""
    conn.execute(
        f"INSERT INTO {TABLE} (version, name, statements) VALUES (%s, %s, %s) ON CONFLICT (version) "
        "DO UPDATE SET name = EXCLUDED.name, statements = EXCLUDED.statements".encode(),
        (version, name, statements),
    )


def repair_reverted(conn: Connection, version: str) -> bool:
    """Mark a version reverted (`--status reverted`): its row goes; False when there was none."""
    return conn.execute(f"DELETE FROM {TABLE} WHERE version = %s".encode(), (version,)).rowcount > 0


# locking ------------------------------------------------------------------------------------------
@contextlib.contextmanager
def locked(link: Link, wait_s: float) -> Iterator[None]:
    """The database is writable and ours alone until the block ends: the session lock is taken
    (through a transaction pooler, each migration's transaction takes its own instead) and
    released however the block ends."""
    check_writable(link)
    if not link.pooled:
        acquire_lock(link.conn, wait_s)
    try:
        yield
    finally:
        if not link.pooled and not link.conn.closed:
            with contextlib.suppress(psycopg.Error):  # a lost session has released its lock already
                release_lock(link.conn)


def acquire_lock(conn: Connection, wait_s: float) -> None:
    """Session-level advisory lock; waits up to wait_s for another run to finish."""
    conn.execute(f"SET lock_timeout = '{int(wait_s * 1000)}ms'".encode())
    try:
        conn.execute(b"SELECT pg_advisory_lock(%s, %s)", LOCK_KEY)
    except psycopg.errors.LockNotAvailable:
        raise LockTimeout(
            f"another schemagate run holds the migration lock{_holder(conn)}; "
            f"waited {wait_s:g}s (raise --lock-wait to wait longer)"
        ) from None
    finally:
        conn.execute(b"RESET lock_timeout")


def is_recorded(conn: Connection, version: str) -> bool:
    row = conn.execute(
        f"SELECT EXISTS (SELECT 1 FROM {TABLE} WHERE version = %s)".encode(), (version,)
    ).fetchone()
    return bool(row and row[0])


def lock_in_transaction(conn: Connection) -> None:
    """Through a transaction pooler a session lock is meaningless: lock each transaction instead."""
    conn.execute(b"SELECT pg_advisory_xact_lock(%s, %s)", LOCK_KEY)


def release_lock(conn: Connection) -> None:
    conn.execute(b"SELECT pg_advisory_unlock(%s, %s)", LOCK_KEY)


def _holder(conn: Connection) -> str:
    row = conn.execute(
        b"SELECT a.pid, a.application_name, a.backend_start FROM pg_locks l "
        b"JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND l.granted "
        b"AND l.classid = %s AND l.objid = %s LIMIT 1",
        LOCK_KEY,
    ).fetchone()
    if row is None:
        return ""
    pid, app, since = row
    # Other roles' sessions hide their details from a non-superuser: say what we can.
    details = [f"pid {pid}"]
    if app:
        details.append(str(app))
    if since is not None:
        details.append(f"connected since {since:%Y-%m-%d %H:%M:%S %Z}")
    return f" ({', '.join(details)})"
