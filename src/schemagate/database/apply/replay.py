"""Run a migration again where nothing it does stays: the proofs (idempotent, reversible) and the
deploy rehearsal replay files inside a transaction that is always rolled back."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg

from schemagate.database.apply import diagnosis, engine
from schemagate.database.connection import OWN_SEARCH_PATH_LOCAL, Connection, run_streaming
from schemagate.errors import MigrationFailed
from schemagate.statements.sql import ParsedMigration


@contextlib.contextmanager
def rolled_back(conn: Connection, settings: engine.Settings) -> Iterator[None]:
    """A transaction that is always rolled back: for rehearsals, never for real work."""
    conn.execute(engine.prologue(settings))
    try:
        yield
    finally:
        with contextlib.suppress(psycopg.Error):
            conn.execute(b"ROLLBACK")
        engine.take_back(conn)  # the prologue's RESET ALL is no part of the transaction


def execute_each(conn: Connection, parsed: ParsedMigration, *, shim: bool = False) -> None:
    """Run a file's statements in the current transaction; a failure names its line. The body
    goes in one exchange behind a savepoint; only when it fails does it run again statement by
    statement, from that savepoint, to name the statement (the same failure, found later)."""
    body = parsed.body
    if not body:
        return
    text = parsed.migration.text[body[0].start : body[-1].start + len(body[-1].text)]
    # a COMMIT or BEGIN of the file's own would end the savepoint's transaction: one at a time
    controls_transaction = any(statement.node_type == "TransactionStmt" for statement in body)
    try:
        if controls_transaction:
            raise psycopg.Error("the file controls its transaction")
        run_streaming(conn, f"SAVEPOINT schemagate_whole;\n{text}{_RELEASE_WHOLE}".encode())
    except psycopg.Error:
        if not controls_transaction:
            conn.execute(b"ROLLBACK TO SAVEPOINT schemagate_whole")
    else:
        conn.execute(OWN_SEARCH_PATH_LOCAL)
        return
    for statement in parsed.body:
        try:
            run_streaming(conn, statement.text.encode())
        except psycopg.Error as exc:
            raise diagnosis.failure(parsed, statement, exc, shim=shim) from None
    conn.execute(OWN_SEARCH_PATH_LOCAL)  # what the caller reads next in this transaction is ours


def runs_whole(conn: Connection, parsed: ParsedMigration) -> bool:
    """Whether the file's body runs without error in the current transaction, sent in one
    exchange as the engine sends it (the transaction is aborted when it does not)."""
    body = parsed.body
    if not body:
        return True
    try:
        whole = parsed.migration.text[body[0].start : body[-1].start + len(body[-1].text)]
        run_streaming(conn, whole.encode())
    except psycopg.Error:
        return False
    conn.execute(OWN_SEARCH_PATH_LOCAL)
    return True


_RELEASE_WHOLE = "\n;RELEASE SAVEPOINT schemagate_whole"
_SAVEPOINT = "SAVEPOINT schemagate_statement;\n"
_RELEASE = "\n;RELEASE SAVEPOINT schemagate_statement"  # after a newline: past a closing -- comment


def execute_each_savepoint(
    conn: Connection, parsed: ParsedMigration, *, shim: bool = False
) -> Iterator[MigrationFailed]:
    """Run a file's statements one by one in the current transaction, each behind a savepoint, and
    go on past a failure: the failure of every statement, not only of the first. The savepoint,
    the statement and its release go in one exchange (the server stops at the first error, and the
    release never runs); a failure costs one more, to roll back to the savepoint."""
    for statement in parsed.body:
        try:
            run_streaming(conn, f"{_SAVEPOINT}{statement.text}{_RELEASE}".encode())
        except psycopg.Error as exc:
            conn.execute(b"ROLLBACK TO SAVEPOINT schemagate_statement")
            sent_at = statement.start - len(_SAVEPOINT)  # the server's position counts from the savepoint
            yield diagnosis.failure(parsed, statement, exc, shim=shim, sent_at=sent_at)
    conn.execute(OWN_SEARCH_PATH_LOCAL)
