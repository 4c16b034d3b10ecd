"""`schemagate check`: apply everything to a throwaway database, judge what is new, report.

Reads in the data path's order: files -> statements -> database -> findings -> report.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from schemagate import drafts, engine, history, snapshot
from schemagate.changes import Changes, compare
from schemagate.config import Config
from schemagate.connection import Connection, connect
from schemagate.errors import InputError, MigrationFailed, SchemagateError
from schemagate.lint import Judgement, Options, examine, finish, judge, unreadable, validate_rules
from schemagate.migrations import Migration, discover, read_migration
from schemagate.postgres import extensions, shim
from schemagate.report.model import DraftResult, MigrationResult, Report
from schemagate.rules import Finding, catalog, runtime
from schemagate.sandbox import throwaway
from schemagate.sql import ParsedMigration, parse

__all__ = ["Options", "run"]
from schemagate.tree import subject

Progress = Callable[[str], None]


@dataclass
class Change:
    """The migrations at HEAD, and which of them this change adds."""

    local: list[ParsedMigration]
    new: list[ParsedMigration]
    changes: Changes


def read(config: Config, options: Options) -> Change:
    """Every migration parsed, and which are new: `check` applies them all and judges the new."""
    found = discover(config.migrations_dir)
    local = [parse(m) for m in found.migrations]
    changes = compare(config.migrations_dir, found.migrations, options.base)
    return Change(local, [p for p in local if changes.is_new(p.migration)], changes)


@dataclass
class _State:
    """What the run learns as it goes, for the rules that need it."""

    judgement: Judgement = field(default_factory=Judgement)
    results: dict[str, MigrationResult] = field(default_factory=dict)
    tables_before: dict[str, int] = field(default_factory=dict)  # oids before the first new migration
    applied_new: list[ParsedMigration] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return self.judgement.findings


def down_file(config: Config, parsed: ParsedMigration) -> Path | None:
    candidate = config.rollbacks_dir / parsed.migration.filename
    return candidate if candidate.is_file() else None


# database -------------------------------------------------------------------------------------------
@contextmanager
def _database(config: Config, options: Options, progress: Progress) -> Iterator[tuple[str, str, bool]]:
    """(url, description, shim): a throwaway server, or the one the workflow names."""
    if options.database_url:
        with connect(options.database_url) as conn:
            version = conn.execute(b"SHOW server_version").fetchone()
            if config.shim and not conn.execute(b"SELECT to_regnamespace('auth') IS NOT NULL").fetchone()[0]:  # type: ignore[index]
                shim.install(conn)
        yield (
            options.database_url,
            f"PostgreSQL {version[0] if version else '?'} (check-database-url)",
            config.shim,
        )
        return
    with throwaway(supabase=config.shim, pg_bin=options.pg_bin, major=options.pg_major) as box:
        progress(
            f"PostgreSQL {box.server_version} ({box.source}) ready in {box.startup_seconds:.1f} s"
            + (", Supabase shim" if box.shim else "")
        )
        yield box.url, f"PostgreSQL {box.server_version} ({box.source})", box.shim


def _table_oids(conn: Connection) -> dict[str, int]:
    return runtime.user_tables(conn, "oid", "r,p")


def _apply(
    conn: Connection,
    parsed: ParsedMigration,
    settings: engine.Settings,
    state: _State,
    *,
    new: bool,
    shim_on: bool,
    config: Config,
) -> bool:
    """Apply one migration as the engine does; for a new one, watch its locks and rewrites."""
    m = parsed.migration
    result = state.results.setdefault(m.version, MigrationResult(m.version, m.filename, m.path))
    result.transactional = parsed.transactional
    locks: list[runtime.Lock] = []
    nodes_before = runtime.relfilenodes(conn) if new else {}
    down = down_file(config, parsed) if new else None
    result.down_file = down
    before = snapshot.take(conn) if new else None

    record = engine.recorder(conn, parsed, history.RunContext.local())
    began = time.monotonic()
    try:
        engine.validate(parsed)
        engine.run_file(
            conn,
            parsed,
            settings,
            record=record,
            shim=shim_on,
            observe=(lambda c: locks.extend(runtime.held_locks(c))) if new else None,
        )
    except SchemagateError as exc:
        result.status = "failed"
        rule = runtime.APPLY_FAILED if new or not isinstance(exc, InputError) else runtime.INVALID_FILE
        state.findings.append(Finding(rule, exc.message, exc.path or m.path, exc.line))
        return False
    result.status, result.seconds = "applied", time.monotonic() - began
    if new:
        state.applied_new.append(parsed)
        state.findings.extend(_locks_and_rewrites(parsed, locks, nodes_before, runtime.relfilenodes(conn)))
        assert before is not None
        if down:
            state.findings.extend(_reviewed_down(conn, parsed, down, before, settings, shim_on))
        elif parsed.transactional:
            result.draft = _drafted_down(conn, parsed, before, settings, shim_on, config)
            state.findings.append(
                Finding(
                    runtime.NO_DOWN,
                    f"{m.filename} has no reviewed down migration; the report has a draft",
                    m.path,
                )
            )
    return True


def _locks_and_rewrites(
    parsed: ParsedMigration, locks: list[runtime.Lock], before: dict[str, int], after: dict[str, int]
) -> list[Finding]:
    findings = []
    for lock in sorted(
        {lk for lk in locks if lk.mode == "AccessExclusiveLock" and lk.table in before},
        key=lambda lk: lk.table,
    ):
        rewritten = after.get(lock.table) not in (None, before[lock.table])
        rule = runtime.REWRITE if rewritten else runtime.EXCLUSIVE_LOCK
        suffix = ", rewrites it" if rewritten else ""
        findings.append(
            Finding(rule, f"takes ACCESS EXCLUSIVE on {lock.table}{suffix}", parsed.migration.path)
        )
    return findings


def _round_trip(
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
        with engine.rolled_back(conn, settings):
            engine.execute_each(conn, down, shim=shim_on)
            undone = snapshot.take(conn)
            if undone != before:
                changes = before.diff(
                    undone, gone="removed by the down file: ", new="left behind by the down file: "
                )
                return Finding(
                    runtime.ROUND_TRIP,
                    f"{label} does not restore the schema from before {parsed.migration.filename}",
                    down.migration.path,
                    None,
                    detail="\n".join(changes),
                )
            engine.execute_each(conn, parsed, shim=shim_on)
            if snapshot.take(conn) != after_up:
                return Finding(
                    runtime.ROUND_TRIP,
                    f"{parsed.migration.filename} applied again after {label} gives a different schema",
                    parsed.migration.path,
                    None,
                )
    except MigrationFailed as exc:
        return Finding(runtime.ROUND_TRIP, f"round trip failed: {exc.message}", exc.path, exc.line)
    return None


def _reviewed_down(
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
        return [Finding(runtime.ROUND_TRIP, f"down file: {exc.message}", exc.path, exc.line)]
    problem = _round_trip(conn, parsed, down_parsed, before, settings, shim_on)
    return [problem] if problem else []


def _drafted_down(
    conn: Connection,
    parsed: ParsedMigration,
    before: snapshot.Snapshot,
    settings: engine.Settings,
    shim_on: bool,
    config: Config,
) -> DraftResult:
    """Write a draft from the parse tree and, when it is complete, prove it like a reviewed one."""
    made = drafts.draft(parsed)
    result = DraftResult(made.text, made.complete, made.needs_human)
    where = config.rollbacks_dir / parsed.migration.filename
    draft_migration = Migration("0", parsed.migration.name, where, made.text, "")
    if made.complete and not made.inverse:
        result.proof = "nothing to undo"
    elif made.complete:
        problem = _round_trip(conn, parsed, parse(draft_migration), before, settings, shim_on, "the draft")
        result.proof = "failed" if problem else "proven"
        result.problem = problem.message if problem else None
        if problem and problem.detail:
            result.problem = f"{problem.message}\n{problem.detail}"
    return result


def _idempotency(conn: Connection, state: _State, settings: engine.Settings, shim_on: bool) -> None:
    for parsed in state.applied_new:
        if not parsed.transactional:
            continue  # cannot be rehearsed inside a transaction
        try:
            with engine.rolled_back(conn, settings):
                engine.execute_each(conn, parsed, shim=shim_on)
        except MigrationFailed as exc:
            message = exc.message.rsplit("; ", 1)[0]  # the rehearsal's own rollback is not news
            state.findings.append(
                Finding(runtime.NOT_IDEMPOTENT, f"second run fails: {message}", exc.path, exc.line)
            )


# scope of the catalog rules ----------------------------------------------------------------------
def _touched(parsed: ParsedMigration) -> Iterator[tuple[str, str, int]]:
    """(kind, qualified name, statement index) for objects a migration creates or alters."""
    for index, s in enumerate(parsed.statements):
        found = subject(s.node_type, s.node)
        if found:
            yield *found, index


def _catalog(conn: Connection, state: _State, config: Config) -> None:
    where: dict[tuple[str, str], tuple[ParsedMigration, int]] = {}
    for parsed in state.applied_new:
        for kind, name, index in _touched(parsed):
            where.setdefault((kind, name), (parsed, index))
    now = _table_oids(conn)
    touched_tables = {name for kind, name in where if kind == "table"}
    created = [oid for name, oid in now.items() if name not in state.tables_before]
    scope = catalog.Scope(
        tables=sorted({now[n] for n in touched_tables if n in now} | set(created)),
        created=created,
        functions=sorted(n for k, n in where if k == "function"),
        views=sorted(n for k, n in where if k == "view"),
        extensions=sorted(n for k, n in where if k == "extension"),
        schemas=config.exposed_schemas,
    )
    for made, obj, message in catalog.check(conn, scope):
        located = where.get((catalog.object_kind(made), obj)) or _first_new(state)
        if located:
            parsed, index = located
            state.judgement.on_statements.append(
                (
                    parsed.migration.version,
                    index,
                    Finding(made, message, parsed.migration.path, parsed.statements[index].line, subject=obj),
                )
            )
        else:
            state.findings.append(Finding(made, message, subject=obj))


def _first_new(state: _State) -> tuple[ParsedMigration, int] | None:
    """An object no statement names (created in a DO block, say): the first new migration owns it."""
    return (state.applied_new[0], 0) if state.applied_new else None


# the run -----------------------------------------------------------------------------------------
def run(config: Config, options: Options, progress: Progress) -> Report:
    """Apply every migration to a fresh database, watching the new ones, then judge them."""
    validate_rules(config)
    began = time.monotonic()
    try:
        change = read(config, options)
    except InputError as exc:
        if exc.path is None:
            raise
        return unreadable(exc, options, "not started", began, config)
    state = _State()
    judge([p.migration for p in change.new], map(examine, change.new), change.changes, state.judgement)
    settings = engine.Settings.of(config)
    with _database(config, options, progress) as (url, server, shim_on), connect(url) as conn:
        _require_empty(conn)
        preinstalled = set(extensions.used_standins(conn))
        history.ensure(conn)
        before: dict[str, int] | None = None
        for parsed in change.local:
            is_new = change.changes.is_new(parsed.migration)
            if is_new and before is None:
                before = _table_oids(conn)
            if not _apply(conn, parsed, settings, state, new=is_new, shim_on=shim_on, config=config):
                break
            if is_new:
                progress(f"applied {parsed.migration.filename}")
        else:
            _seed(conn, config, settings, state, shim_on, progress)
        state.tables_before = before if before is not None else _table_oids(conn)
        _idempotency(conn, state, settings, shim_on)
        _catalog(conn, state, config)
        standins = [name for name in extensions.used_standins(conn) if name not in preinstalled]
    results = [
        state.results.get(p.migration.version)
        or MigrationResult(p.migration.version, p.migration.filename, p.migration.path)
        for p in change.new
    ]
    report = finish(results, state.judgement, options, server, began, config)
    report.notes += extensions.standin_notes(sorted(preinstalled), standins)
    if (
        options.pg_major
        and not options.database_url
        and not server.startswith(f"PostgreSQL {options.pg_major}.")
    ):
        report.notes.append(
            f"PostgreSQL {options.pg_major} was asked for (postgres-version or "
            f"supabase/config.toml) but is not installed here; the check ran on {server}"
        )
    return report


def _require_empty(conn: Connection) -> None:
    already = history.recorded(conn)
    if already:
        raise InputError(
            f"check needs an empty database: this one already has {len(already)} applied "
            "migration(s); give it a fresh one (a new `services:` container)"
        )


def _seed(
    conn: Connection,
    config: Config,
    settings: engine.Settings,
    state: _State,
    shim_on: bool,
    progress: Progress,
) -> None:
    if not (config.seed and config.seed_file.exists()):
        return
    try:
        engine.seed(conn, config.seed_file, settings, progress, shim=shim_on)
    except SchemagateError as exc:
        state.findings.append(Finding(runtime.SEED_FAILED, exc.message, exc.path, exc.line))
