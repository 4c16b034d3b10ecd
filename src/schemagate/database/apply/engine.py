"""Apply migrations: each in its own transaction with its history row, under one lock.

The engine takes parsed migrations and a connection; it knows nothing about GitHub or reports.
"""

from __future__ import annotations

import bisect
import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from schemagate.bounds import Limits
from schemagate.config import Config
from schemagate.database import Progress, history
from schemagate.database.apply import diagnosis, retries
from schemagate.database.apply.commits import CommitUnknown, commit, record_and_commit, settle
from schemagate.database.connection import (
    OWN_SEARCH_PATH,
    OWN_SEARCH_PATH_LOCAL,
    Connection,
    Link,
    run_streaming,
)
from schemagate.database.history import RunContext
from schemagate.database.history.plan import MigrationPlan
from schemagate.errors import InputError, running
from schemagate.files.migrations import discover
from schemagate.statements.sql import SERVER_WIDE, ParsedMigration, Statement, parse


class AppliedElsewhere(Exception):
    """Through a pooler, another run applied this migration between our plan and our lock."""


@dataclass(frozen=True)
class Settings:
    lock_timeout: str = "5s"
    statement_timeout: str = "0"
    lock_wait_s: float = 60.0
    lock_retries: int = 3
    retry_backoff_s: float = 1.0  # the first pause after a lock timeout; it doubles each time
    include_all: bool = False
    # A throwaway database applies a file that commits part-way as the Supabase CLI does, one
    # transaction per part, so a project's history can be checked at all; production refuses it.
    allow_splits: bool = False

    def __post_init__(self) -> None:
        _interval(self.lock_timeout)  # a bad timeout is an error before anything connects
        _interval(self.statement_timeout)

    @classmethod
    def of(cls, config: Config, *, include_all: bool = False, throwaway: bool = False) -> Settings:
        """On a throwaway database, statement_timeout is at most the check's statement limit: the
        first line against a migration that never ends (the watchdog is the second)."""
        timeout = config.statement_timeout
        if throwaway:
            timeout = Limits.of(config).server_timeout(timeout)
        return cls(
            lock_timeout=config.lock_timeout,
            statement_timeout=timeout,
            lock_wait_s=config.lock_wait,
            lock_retries=config.lock_retries,
            include_all=include_all,
            allow_splits=throwaway,
        )


@dataclass(frozen=True)
class Applied:
    parsed: ParsedMigration
    seconds: float

    @property
    def transactional(self) -> bool:
        return self.parsed.transactional


@dataclass
class Result:
    plan: MigrationPlan
    applied: list[Applied] = field(default_factory=list)
    dry_run: bool = False


def load(directory: Path, *, notices: Progress | None = None) -> list[ParsedMigration]:
    """Discover and parse every migration: any file or syntax error stops here, before a database."""
    found = discover(directory)
    for notice in found.notices:
        if notices:
            notices(notice)
    return [parse(m) for m in found.migrations]


def validate(parsed: ParsedMigration, *, allow_splits: bool = False) -> None:
    """Refuse what cannot be applied atomically, before anything runs."""
    m = parsed.migration
    for s in parsed.body:
        if s.node_type in SERVER_WIDE:
            raise InputError(
                f"{SERVER_WIDE[s.node_type]} acts on the whole server, outside this database's history, "
                "and cannot be rolled back: do it outside migrations",
                path=m.path,
                line=s.line,
            )
    splits = parsed.transaction_splits()
    if splits and not allow_splits:
        s = splits[0]
        word = s.text.split()[0].upper()
        raise InputError(
            f"{word} inside a migration splits it into several transactions; schemagate applies "
            "each migration atomically: move what follows into a new migration",
            path=m.path,
            line=s.line,
        )
    if parsed.wrapped and not parsed.transactional:
        s = next(s for s in parsed.body if not s.transactional)
        raise InputError(
            f"`{s.first_line}` cannot run inside this file's BEGIN ... COMMIT; "
            "remove BEGIN/COMMIT or move the statement into a migration of its own",
            path=m.path,
            line=s.line,
        )


# running statements -------------------------------------------------------------------------------
def _set_timeouts(conn: Connection, settings: Settings) -> None:
    """For files that run outside a transaction; transactional ones set them in their prologue."""
    conn.execute(f"SET lock_timeout = '{_interval(settings.lock_timeout)}'".encode())
    conn.execute(f"SET statement_timeout = '{_interval(settings.statement_timeout)}'".encode())


def _interval(value: str) -> str:
    if not re.fullmatch(r"\d+\s*(ms|s|min|h)?", value.strip()):
        raise InputError(f"invalid timeout {value!r}: use e.g. 500ms, 5s, 2min, or 0 for none")
    return value.strip()


def prologue(settings: Settings) -> bytes:
    return (
        "RESET ALL; BEGIN; "  # one file's SET never leaks into the next
        f"SET LOCAL lock_timeout = '{_interval(settings.lock_timeout)}'; "
        f"SET LOCAL statement_timeout = '{_interval(settings.statement_timeout)}'"
    ).encode()


def _statement_at(parsed: ParsedMigration, offset: int) -> Statement:
    starts = [s.start for s in parsed.body]
    return parsed.body[max(bisect.bisect_right(starts, offset) - 1, 0)]


def _culprit(
    conn: Connection, parsed: ParsedMigration, exc: psycopg.Error, settings: Settings, sent_at: int
) -> Statement | None:
    """Which statement of the batch failed: from the server's position, else by replaying it.
    `sent_at` is where the text sent would start in the file (before the body: the prologue).

    The replay runs in a transaction that is always rolled back, and only after a failure.
    """
    body = parsed.body
    if exc.diag.statement_position:
        return _statement_at(parsed, sent_at + int(exc.diag.statement_position) - 1)
    if conn.closed or conn.broken or (exc.sqlstate or "").startswith(("08", "57")):
        return None
    try:
        conn.execute(prologue(settings))
        for statement in body:
            try:
                run_streaming(conn, statement.text.encode())
            except psycopg.Error:
                return statement
        return None
    finally:
        with contextlib.suppress(psycopg.Error):
            conn.execute(b"ROLLBACK")


# After the body, in the same exchange: from here on the queries are ours, and the body's
# SET search_path (and its operators, functions and temp tables in public or pg_temp) must not
# answer them. After a newline: a body that ends in a -- comment would swallow it.
_OURS_AFTER_BODY = b"\n;" + OWN_SEARCH_PATH_LOCAL


def _run_in_transaction(
    conn: Connection,
    parsed: ParsedMigration,
    settings: Settings,
    record: Callable[[int], None],
    *,
    pooled: bool,
    shim: bool,
    observe: Callable[[Connection], None] | None = None,
) -> None:
    """The whole body inside BEGIN ... COMMIT, with its history row, in three round trips: the
    prologue, the body and our search_path; the history row; the COMMIT and take_back (through a
    pooler the prologue and the history lock go first, and nothing is taken back)."""
    began = time.monotonic()
    body = parsed.body
    recording = False
    text = parsed.migration.text[body[0].start : body[-1].start + len(body[-1].text)] if body else ""
    head = "" if pooled else prologue(settings).decode() + ";\n"
    try:
        if pooled:
            conn.execute(prologue(settings))
            history.lock_in_transaction(conn)
            if history.is_recorded(conn, parsed.migration.version):
                conn.execute(b"ROLLBACK")  # a concurrent run applied it while we waited
                raise AppliedElsewhere(parsed.migration.filename)
        # an empty or comments-only file only records its history row, as the CLI does
        ours = _OURS_AFTER_BODY if text else b";" + OWN_SEARCH_PATH_LOCAL
        run_streaming(conn, (head + text).encode() + ours)
        recording = True
        if observe:
            observe(conn)
        record(int((time.monotonic() - began) * 1000))
        # a reply lost on the way is CommitUnknown, no psycopg.Error
        commit(conn, parsed, shim=shim, then=b"" if pooled else TAKE_BACK)
    except psycopg.Error as exc:
        with contextlib.suppress(psycopg.Error):
            conn.execute(b"ROLLBACK")
        sent_at = (body[0].start if body else 0) - len(head)
        culprit = None if recording or not body else _culprit(conn, parsed, exc, settings, sent_at)
        sent = sent_at if culprit and exc.diag.statement_position else None
        raise diagnosis.failure(parsed, culprit, exc, shim=shim, sent_at=sent) from None


def _run_outside_transaction(
    conn: Connection,
    parsed: ParsedMigration,
    settings: Settings,
    record: Callable[[int], None],
    *,
    shim: bool,
) -> None:
    began = time.monotonic()
    ran = 0
    current: Statement | None = None
    try:
        _set_timeouts(conn, settings)
        for current in parsed.body:
            run_streaming(conn, current.text.encode())
            ran += 1
        current = None
        record_and_commit(conn, parsed, lambda: record(int((time.monotonic() - began) * 1000)), shim=shim)
    except psycopg.Error as exc:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            with contextlib.suppress(psycopg.Error):  # a part the file itself opened with BEGIN
                conn.execute(b"ROLLBACK")
        raise diagnosis.failure(parsed, current, exc, shim=shim, already_ran=ran) from None


def run_file(
    conn: Connection,
    parsed: ParsedMigration,
    settings: Settings,
    *,
    record: Callable[[int], None] = lambda _ms: None,
    pooled: bool = False,
    shim: bool = False,
    observe: Callable[[Connection], None] | None = None,
) -> None:
    """Run one file's statements: atomically when it can be, statement by statement otherwise.
    `observe` sees the connection inside the open transaction, after the body and before the
    history row (the check reads the locks held there)."""
    taken_back = False
    try:
        with running(parsed.migration.filename):
            if parsed.transactional and not parsed.transaction_splits():
                _run_in_transaction(conn, parsed, settings, record, pooled=pooled, shim=shim, observe=observe)
                taken_back = True  # with its COMMIT
            else:
                conn.execute(b"RESET ALL")  # one file's SET never leaks into the next
                _run_outside_transaction(conn, parsed, settings, record, shim=shim)
    finally:
        # through a transaction pooler a session's SET outlives us, in another client's session
        if not pooled and not taken_back:
            take_back(conn)


def take_back(conn: Connection) -> None:
    """After a file: the session's settings, role and search_path are schemagate's again (the
    next file's prologue resets them for it). A file's SET (not LOCAL) outlives its COMMIT:
    `SET search_path = public, pg_catalog` with an operator `public.=(oid, oid)`, or a temp table
    named pg_class, would otherwise answer every catalog query schemagate makes afterwards."""
    if conn.closed or conn.broken or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        return
    with contextlib.suppress(psycopg.Error):
        conn.execute(TAKE_BACK)


TAKE_BACK = b"RESET ALL; RESET ROLE; " + OWN_SEARCH_PATH


# apply --------------------------------------------------------------------------------------------
def outside_transaction_note(parsed: ParsedMigration) -> str:
    """What follows a file's line when it runs outside a transaction (naming the statement that
    makes it so), else nothing."""
    if parsed.transactional:
        return ""
    culprit = next(s for s in parsed.body if not s.transactional)
    return f" (outside a transaction: {culprit.label})"


def apply(
    link: Link,
    local: list[ParsedMigration],
    *,
    settings: Settings,
    context: RunContext,
    progress: Progress,
    dry_run: bool = False,
    shim: bool = False,
    downs: dict[str, str] | None = None,
    under_lock: Callable[[Connection], None] = lambda _conn: None,
) -> Result:
    """Apply every pending migration in version order; refuse on drift before touching anything.

    `downs` maps a version to its down file's sha256, recorded so a rollback can tell whether the
    down file changed since.
    """
    conn = link.conn
    if dry_run:
        plan = MigrationPlan.build(local, history.recorded(conn))
        plan.verify(include_all=settings.include_all)
        for parsed in plan.pending:
            validate(parsed, allow_splits=settings.allow_splits)
        return Result(plan, dry_run=True)
    with history.locked(link, settings.lock_wait_s):
        history.ensure(conn)
        plan = MigrationPlan.build(local, history.recorded(conn))
        plan.verify(include_all=settings.include_all)
        for parsed in plan.pending:
            validate(parsed, allow_splits=settings.allow_splits)
        under_lock(conn)  # no other run applies meanwhile: what it reads is production at rest
        result = Result(plan)
        for parsed in plan.pending:
            applied = _apply_one(
                conn,
                parsed,
                settings,
                context,
                progress,
                pooled=link.pooled,
                shim=shim,
                down_sha256=(downs or {}).get(parsed.migration.version),
            )
            if applied:
                result.applied.append(applied)
        return result


def recorder(
    conn: Connection, parsed: ParsedMigration, context: RunContext, down_sha256: str | None = None
) -> Callable[[int], None]:
    """What records a migration as applied, inside its own transaction: the CLI's row and our audit."""
    m = parsed.migration

    def record(duration_ms: int) -> None:
        history.insert(
            conn,
            version=m.version,
            name=m.name,
            statements=list(parsed.history_statements),
            sha256=m.sha256,
            duration_ms=duration_ms,
            context=context,
            down_sha256=down_sha256,
        )

    return record


def _apply_one(
    conn: Connection,
    parsed: ParsedMigration,
    settings: Settings,
    context: RunContext,
    progress: Progress,
    *,
    pooled: bool,
    shim: bool,
    down_sha256: str | None = None,
) -> Applied | None:
    m = parsed.migration
    began = time.monotonic()
    record = recorder(conn, parsed, context, down_sha256)
    try:
        retries.ridden_out(
            conn,
            parsed,
            lambda: run_file(conn, parsed, settings, record=record, pooled=pooled, shim=shim),
            retries=settings.lock_retries,
            backoff_s=settings.retry_backoff_s,
            progress=progress,
        )
    except AppliedElsewhere:
        progress(f"skipped {m.filename}: a concurrent run applied it")
        return None
    except CommitUnknown as exc:
        raise settle(exc, conn, lambda fresh: history.is_recorded(fresh, m.version)) from None
    seconds = time.monotonic() - began
    progress(f"applied {m.filename} ({duration(seconds)}){outside_transaction_note(parsed)}")
    return Applied(parsed, seconds)


def duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"
