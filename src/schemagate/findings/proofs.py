"""What `check` proves by running a new migration again: that it is idempotent, and that its
down migration (reviewed, or drafted from its parse tree) restores the schema exactly.

Every proof runs in a transaction that is rolled back: the throwaway database is left as the
migrations made it.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from schemagate.database.apply import engine, replay
from schemagate.database.catalog import snapshot
from schemagate.database.connection import Connection
from schemagate.errors import InputError, MigrationFailed
from schemagate.files.migrations import Migration, read_migration
from schemagate.findings import Finding
from schemagate.findings.outcomes import DraftResult
from schemagate.findings.rules import runtime
from schemagate.statements import drafts
from schemagate.statements.sql import ParsedMigration, parse


def round_trip(
    conn: Connection,
    parsed: ParsedMigration,
    down: ParsedMigration,
    before: snapshot.Snapshot,
    settings: engine.Settings,
    shim_on: bool,
    label: str | None = None,
) -> Finding | None:
    """up -> down -> up in a transaction that is rolled back: down must restore `before` exactly."""
    after_up = snapshot.take(conn)
    label = label or down.migration.filename
    try:
        with replay.rolled_back(conn, settings):
            replay.execute_each(conn, down, shim=shim_on)
            undone = snapshot.take(conn)
            if undone != before:
                changes = before.diff(
                    undone, gone="removed by the down file: ", new="left behind by the down file: "
                )
                return runtime.round_trip_broken(
                    f"{label} does not restore the schema from before {parsed.migration.filename}",
                    down.migration.path,
                    None,
                    detail="\n".join(changes),
                )
            # up again as a deploy starts a file: on the database's search_path, not on the one
            # execute_each left for our own reads (where `create table tags` lands in pg_catalog)
            conn.execute(b"RESET search_path")
            replay.execute_each(conn, parsed, shim=shim_on)
            again = snapshot.take(conn)
            if again != after_up:
                changes = after_up.diff(again, gone="missing the second time: ", new="new the second time: ")
                return runtime.round_trip_broken(
                    f"{parsed.migration.filename} applied again after {label} gives a different schema",
                    parsed.migration.path,
                    None,
                    detail="\n".join(changes),
                )
    except MigrationFailed as exc:
        return runtime.round_trip_broken(f"round trip failed: {exc.reason}", exc.path, exc.line)
    return None


def reviewed_down(
    conn: Connection,
    parsed: ParsedMigration,
    down: Path,
    before: snapshot.Snapshot,
    settings: engine.Settings,
    shim_on: bool,
) -> list[Finding]:
    try:
        down_parsed = parse(read_migration(down, "0", down.stem))
    except InputError as exc:
        return [runtime.round_trip_broken(f"down file: {exc.reason}", exc.path, exc.line)]
    problem = round_trip(conn, parsed, down_parsed, before, settings, shim_on)
    return [problem] if problem else []


def drafted_down(
    conn: Connection,
    parsed: ParsedMigration,
    before: snapshot.Snapshot,
    settings: engine.Settings,
    shim_on: bool,
    rollbacks_dir: Path,
) -> DraftResult:
    """Write a draft from the parse tree and, when it is complete, prove it like a reviewed one."""
    made = drafts.draft(parsed)
    result = DraftResult(made.text, made.complete, made.needs_human)
    where = rollbacks_dir / parsed.migration.filename
    draft_migration = Migration("0", parsed.migration.name, where, made.text, "")
    if made.complete and not made.inverse:
        result.proof = "nothing to undo"
    elif made.complete:
        problem = round_trip(conn, parsed, parse(draft_migration), before, settings, shim_on, "the draft")
        result.proof = "failed" if problem else "proven"
        result.problem = problem.message if problem else None
        if problem and problem.detail:
            result.problem = f"{problem.message}\n{problem.detail}"
    return result


def idempotency(
    conn: Connection, applied: list[ParsedMigration], settings: engine.Settings, shim_on: bool
) -> list[Finding]:
    """Every new migration a second time, in a transaction that is rolled back: what fails there
    would fail a retried or half-applied deploy. Each statement that fails is reported, not only
    the first (see rehearse)."""
    found = []
    for parsed in applied:
        if not parsed.transactional or parsed.transaction_splits():
            continue  # cannot be rehearsed inside one transaction
        found += rehearse(conn, parsed, settings, shim_on)
    return found


def rehearse(
    conn: Connection, parsed: ParsedMigration, settings: engine.Settings, shim_on: bool
) -> list[Finding]:
    """The second run as the first ran: the whole body in one exchange. Only when that fails does
    it run again statement by statement, each behind a savepoint, to find every statement that
    fails (a savepoint per statement is three round trips each: most of a long file's check)."""
    with replay.rolled_back(conn, settings):
        if replay.runs_whole(conn, parsed):
            return []
    found = []
    with replay.rolled_back(conn, settings):
        failures = replay.execute_each_savepoint(conn, parsed, shim=shim_on)
        # a pulled baseline is judged once: every CREATE in it fails a second run, and finding
        # each was most of a large project's check (the static rules still read every statement)
        for failed in itertools.islice(failures, 1) if parsed.pulled else failures:
            message = f"second run fails: {failed.reason}"
            if parsed.pulled:
                message += " (a pulled baseline is judged once: the statements after it were not run again)"
            found.append(runtime.not_idempotent(message, failed.path, failed.line))
    return found
