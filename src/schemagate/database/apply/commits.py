"""A COMMIT whose reply never came: the server may have committed or not, and only a new
connection can tell. What a failure says became of the work must be what happened."""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from schemagate.database.apply import diagnosis
from schemagate.database.connection import Connection, reopen
from schemagate.errors import MigrationFailed
from schemagate.statements.sql import ParsedMigration


class CommitUnknown(MigrationFailed):
    """The connection was lost while COMMIT was on its way (see settle)."""


def commit(conn: Connection, parsed: ParsedMigration, *, shim: bool, then: bytes = b"") -> None:
    """COMMIT the file's transaction, and in the same exchange `then` (what runs after it, saving
    a round trip). A connection lost on the way is a CommitUnknown, which says only what is known
    until someone looks (settle): the server may well have committed."""
    try:
        conn.execute(b"COMMIT; " + then if then else b"COMMIT")
    except psycopg.Error as exc:
        if not conn.closed:
            raise
        failed = diagnosis.failure(parsed, None, exc, shim=shim)
        raise CommitUnknown(
            failed.message,
            path=failed.path,
            sqlstate=failed.sqlstate,
            outcome=f"the connection was lost during COMMIT; whether {parsed.migration.filename} was "
            "committed is unknown (`schemagate status` tells)",
        ) from None


def record_and_commit(
    conn: Connection, parsed: ParsedMigration, record: Callable[[], None], *, shim: bool
) -> None:
    """The history row of a file that ran outside a transaction, in a transaction of its own."""
    conn.execute(b"BEGIN")
    record()
    commit(conn, parsed, shim=shim)


def settle(failed: CommitUnknown, lost: Connection, done: Callable[[Connection], bool]) -> CommitUnknown:
    """Look on a new connection: `done` reads there whether the work is in (a migration's history
    row, or its absence after a rollback's step); the failure, its outcome now saying so."""
    name = failed.path.name if failed.path else "the file"
    try:
        with reopen(lost) as conn:
            committed = done(conn)
    except psycopg.Error:
        failed.outcome = (
            f"the connection was lost during COMMIT; whether {name} was committed is unknown: "
            "could not reconnect to look (`schemagate status` tells)"
        )
        return failed
    verdict = "was committed" if committed else "was not committed"
    failed.outcome = f"the connection was lost during COMMIT; {name} {verdict}, rerun to continue"
    return failed
