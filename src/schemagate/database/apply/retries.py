"""Lock timeouts, ridden out: a migration that gave up waiting for a lock is tried again.

A deploy sets `lock_timeout` so that a migration waiting behind a long query fails fast instead of
queueing every request behind its own ACCESS EXCLUSIVE wait. Failing the deploy for a lock that a
report query releases a second later is no better, so a migration whose transaction failed on
`lock_timeout` (SQLSTATE 55P03; it was rolled back whole) is run again in a fresh transaction,
after a pause that doubles each time, up to `lock_retries` more times, each try logged with the
session holding the lock. No other failure is ever retried, nor a file that runs outside a
transaction (what ran of it stays).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from schemagate.database.connection import Connection
from schemagate.errors import MigrationFailed
from schemagate.statements.sql import ParsedMigration
from schemagate.statements.tree import mappings, relation

LOCK_NOT_AVAILABLE = "55P03"
_CAP_S = 30.0
T = TypeVar("T")

_HOLDERS = b"""
SELECT DISTINCT a.pid, coalesce(nullif(a.application_name, ''), a.usename::text, '?'), a.state,
       left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 60),
       round(extract(epoch FROM now() - coalesce(a.xact_start, a.query_start)))::int,
       format('%%s.%%I', c.relnamespace::regnamespace, c.relname)
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid JOIN pg_class c ON c.oid = l.relation
WHERE l.granted AND l.locktype = 'relation' AND l.pid <> pg_backend_pid()
  AND format('%%s.%%I', c.relnamespace::regnamespace, c.relname) = ANY (%s)
ORDER BY 1
"""


def tables(parsed: ParsedMigration) -> list[str]:
    """Every table the migration's statements name, as schema.name."""
    return sorted({relation(m) for s in parsed.body for m in mappings(s.node) if "relname" in m})


def holders(conn: Connection, parsed: ParsedMigration) -> str:
    """Who holds a lock on the migration's tables: pid, application, state, query and for how long."""
    try:
        rows = conn.execute(_HOLDERS, (tables(parsed),)).fetchall()
    except Exception:
        return "the holder could not be read"
    if not rows:
        return "no session holds a lock on its tables now"
    return "; ".join(
        f"pid {pid} ({app}, {state}, {seconds} s: {query!r}) on {table}"
        for pid, app, state, query, seconds, table in rows
    )


def ridden_out(
    conn: Connection,
    parsed: ParsedMigration,
    run: Callable[[], T],
    *,
    retries: int,
    backoff_s: float,
    progress: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`run` (one migration), tried again after a lock timeout while tries are left."""
    delay = backoff_s
    for attempt in range(retries + 1):
        try:
            return run()
        except MigrationFailed as exc:
            if exc.sqlstate != LOCK_NOT_AVAILABLE or not parsed.transactional:
                raise
            held = holders(conn, parsed)
            if attempt == retries:
                tries = f"{retries + 1} tries" if retries else "one try"
                exc.hint = f"gave up after {tries}: {held}"
                raise
            progress(
                f"{parsed.migration.filename}: lock timeout, try {attempt + 1} of {retries + 1} "
                f"rolled back; next in {delay:g} s ({held})"
            )
            sleep(delay)
            delay = min(delay * 2, _CAP_S)
    raise AssertionError("unreachable")  # the loop returns or raises
