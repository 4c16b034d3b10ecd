"""`schemagate check`: apply everything to a throwaway database, judge what is new, report.

Reads in the data path's order: files -> statements -> database -> findings -> report.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

import psycopg
from psycopg import sql

from schemagate.bounds import Limits
from schemagate.commands.linting import judged, unreadable_report
from schemagate.config import Config, seed_files
from schemagate.database import Progress, history
from schemagate.database.apply import engine, observed, seeding
from schemagate.database.catalog import inventory, snapshot
from schemagate.database.connection import Connection, connect
from schemagate.database.dbtests import baseline, execute, parallel
from schemagate.database.server import extensions, shim, snapshots
from schemagate.database.server.sandbox import Sandbox, prepared
from schemagate.database.server.watchdog import Watchdog
from schemagate.errors import InputError, SchemagateError, Unverified
from schemagate.files.changes import Changes, compare, repository_prefix, superuser_from_base
from schemagate.files.migrations import discover, find_downs, project_files_root
from schemagate.findings import (
    Finding,
    api_queries,
    change_picture,
    declared_schemas,
    fixes,
    proofs,
    remedies,
    suite_findings,
)
from schemagate.findings.judge import Judgement, Options, examine, finish, judge
from schemagate.findings.outcomes import MigrationResult
from schemagate.findings.rules import catalog_rules, dataapi, parse_tree, runtime
from schemagate.findings.rules.catalog_rules import dual, scope
from schemagate.repofiles import UnreadableFile, repository_root
from schemagate.report.model import Report
from schemagate.statements.sql import ParsedMigration, extensions_created, parse

__all__ = ["Options", "run"]


@dataclass
class Change:
    """The migrations at HEAD, and which of them this change adds."""

    local: list[ParsedMigration]
    new: list[ParsedMigration]
    changes: Changes
    skipped: list[Path]  # .sql files in the folder that the Supabase CLI never applies


def read(config: Config, options: Options) -> Change:
    """Every migration parsed, and which are new: `check` applies them all and judges the new."""
    found = discover(config.migrations_dir)
    local = [parse(m) for m in found.migrations]
    changes = compare(config.migrations_dir, found.migrations, options.base)
    return Change(local, [p for p in local if changes.is_new(p.migration)], changes, found.skipped)


@dataclass
class _State:
    """What the run learns as it goes, for the rules that need it."""

    judgement: Judgement = field(default_factory=Judgement)
    results: dict[str, MigrationResult] = field(default_factory=dict)
    applied_new: list[ParsedMigration] = field(default_factory=list)
    downs: dict[str, Path] = field(default_factory=dict)  # reviewed down files by version
    seen: change_picture.Before | None = None  # the database before the first new migration
    picture: change_picture.Picture | None = None
    watchdog: Watchdog | None = None
    current: Path | None = None  # the file running now: a limit that stops it names it

    @property
    def stopped(self) -> str | None:
        """Why a limit stopped the run, once one did."""
        return self.watchdog.cause if self.watchdog else None

    def stop(self, cause: str) -> None:
        """The one finding that says a limit stopped the run, on the file it stopped."""
        if not any(f.message == cause for f in self.findings):
            self.findings.append(runtime.stopped(cause, self.current))

    @property
    def findings(self) -> list[Finding]:
        return self.judgement.findings


# database -------------------------------------------------------------------------------------------
@contextmanager
def _database(
    config: Config,
    options: Options,
    progress: Progress,
    notes: list[str],
    needs: frozenset[tuple[str, str | None]],
    state: list[str] | None,
    role_settings: frozenset[str] = frozenset(),
) -> Iterator[Sandbox]:
    """A throwaway server, or the empty database the workflow names, made ready."""
    with prepared(
        supabase=config.shim,
        url=options.database_url,
        pg_bin=options.pg_bin,
        major=options.pg_major,
        wants=needs,
        superuser=config.superuser,
        role_settings=role_settings,
        state=state,
    ) as box:
        progress(box.banner)
        for note in box.notes:
            progress(note)
            notes.append(note)
        yield box


def merged(change: Change) -> list[ParsedMigration]:
    """The migrations before the first new one: the base's, whose state the cache keeps."""
    first = next(
        (i for i, p in enumerate(change.local) if change.changes.is_new(p.migration)), len(change.local)
    )
    return change.local[:first]


def state_parts(config: Config, settings: engine.Settings, base: list[ParsedMigration]) -> list[str]:
    """What, beside the server, shapes the merged state: the project (nothing crosses between
    two), how migrations are applied, and the base's migration files by name and content."""
    project = [os.environ.get("GITHUB_REPOSITORY", ""), str(config.migrations_dir.resolve())]
    return [*project, repr(settings), *snapshots.file_parts(p.migration.path for p in base)]


def _watchdog(box: Sandbox, config: Config, began: float) -> Watchdog:
    """On a throwaway server every backend is the run's; on a named database, its database's."""
    return Watchdog(box.admin_url, Limits.of(config), began, whole_server=not box.named)


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
    state.current = m.path
    result = state.results.setdefault(m.version, MigrationResult(m.version, m.filename, m.path))
    result.transactional = parsed.transactional
    locks: list[observed.Lock] = []
    nodes_before = observed.relfilenodes(conn) if new else {}
    down = state.downs.get(m.version) if new else None
    result.down_file = down
    before = snapshot.take(conn) if new else None

    record = engine.recorder(conn, parsed, history.RunContext.local())
    began = time.monotonic()
    try:
        engine.validate(parsed, allow_splits=settings.allow_splits)
        engine.run_file(
            conn,
            parsed,
            settings,
            record=record,
            shim=shim_on,
            observe=(lambda c: locks.extend(observed.held_locks(c))) if new else None,
        )
    except SchemagateError as exc:
        result.status = "failed"
        if state.watchdog:
            state.watchdog.overran(exc.sqlstate, time.monotonic() - began)
        if state.stopped:
            state.stop(state.stopped)
            return False
        if isinstance(exc, Unverified):
            result.status = "unverified"
        state.findings.append(runtime.apply_failure(exc, m.path, new))
        return False
    result.status, result.seconds = "applied", time.monotonic() - began
    if new:
        state.applied_new.append(parsed)
        after = observed.relfilenodes(conn)
        state.findings.extend(runtime.locks_and_rewrites(parsed, locks, nodes_before, after))
        assert before is not None
        if down:
            state.findings.extend(proofs.reviewed_down(conn, parsed, down, before, settings, shim_on))
        elif parsed.transactional:
            result.draft = proofs.drafted_down(conn, parsed, before, settings, shim_on, config.rollbacks_dir)
            state.findings.append(runtime.no_down(m, config.rollbacks_dir))
    return True


# the catalog rules -------------------------------------------------------------------------------
def _catalog(
    conn: Connection,
    state: _State,
    config: Config,
    before: catalog_rules.Fingerprints,
    final: inventory.Inventory | None,
) -> None:
    """The catalog rules on what the change made, each finding given to the statement that made
    its object; the parse-tree stand-ins of the rules it judges (`dual`) go: it is the final word.
    `final` is the catalog as the migrations left it, taken when the picture needs it."""
    located = scope.places(state.applied_new)
    tables = observed.user_tables(conn, "oid", "r,p,f,v,m")
    judged = scope.of(before, catalog_rules.fingerprints(conn), located, tables, config.exposed)
    first = (state.applied_new[0], 0) if state.applied_new else None
    state.judgement.on_statements = [
        entry for entry in state.judgement.on_statements if not dual.superseded(entry[2])
    ]
    rows = catalog_rules.check(conn, judged)
    if state.seen is not None and final is not None:
        state.picture, opened = change_picture.after(conn, config, state.seen, final, judged.created)
        rows += opened
    # on half a schema a failure says nothing; a rule set off costs nothing
    asked = config.rules.get(dataapi.DATA_API_QUERY_FAILS.id) != "off"
    if asked and not state.stopped and all(r.status == "applied" for r in state.results.values()):
        rows += api_queries.query_as_roles(conn, config.exposed)
    for placed in scope.place(rows, located, first):
        if placed.place is None:
            state.findings.append(placed.finding)
        else:
            parsed, index = placed.place
            finding = placed.finding
            if finding.remedy is None:  # a rewrite of the statement that made the object
                stmt = parsed.statements[index]
                fires = functools.partial(parse_tree.fires, finding.rule)
                finding = replace(finding, remedy=remedies.for_statement(finding.rule, stmt, fires))
            state.judgement.on_statements.append((parsed.migration.version, index, finding))


# the run -----------------------------------------------------------------------------------------
def run(config: Config, options: Options, progress: Progress) -> Report:
    """Apply every migration to a fresh database, watching the new ones, then judge them."""
    superuser_from_base(config, options.base)
    began = time.monotonic()
    if options.project is None:  # annotations and SARIF give paths from the repository's root
        options = replace(options, project=repository_prefix(Path.cwd()))
    try:
        change = read(config, options)
    except InputError as exc:
        if exc.path is None:
            raise
        return unreadable_report(exc, options, "not started", began, config)
    state = _State()
    judge(
        [p.migration for p in change.new],
        map(examine, change.new),
        change.changes,
        state.judgement,
        change.skipped,
    )
    settings = engine.Settings.of(config, throwaway=True)
    notes: list[str] = []
    needs = extensions_created(change.local)
    standins: list[str] = []
    role_settings = shim.role_settings(change.local)
    kept = merged(change) if options.cache and options.database_url is None else []
    state_key = state_parts(config, settings, kept) if kept else None
    with (
        _database(config, options, progress, notes, needs, state_key, role_settings) as box,
        _watchdog(box, config, began) as dog,
    ):
        server, state.watchdog = box.server, dog
        _first_line(box, settings)
        try:
            preinstalled, standins = _on_database(box, change, config, settings, state, progress)
            suite = _tests(box, config, options.base, settings, state, progress)
        except (psycopg.Error, SchemagateError):
            if state.stopped is None:
                raise
            state.stop(state.stopped)  # and the server goes as the block ends
            preinstalled, suite = set(), None
    results = [
        state.results.get(p.migration.version)
        or MigrationResult(p.migration.version, p.migration.filename, p.migration.path)
        for p in change.new
    ]
    verdict = finish(results, state.judgement, config)
    _fixes(results, change.new)
    return judged(
        results,
        verdict,
        options,
        server,
        began,
        notes=extensions.standin_notes(sorted(preinstalled), standins) + notes,
        picture=state.picture,
        tests=suite_findings.rows(suite) if suite else [],
        suite=suite,
    )


def _tests(
    box: Sandbox,
    config: Config,
    base: str | None,
    settings: engine.Settings,
    state: _State,
    progress: Progress,
) -> execute.Suite | None:
    """The project's pgTAP files on the database the migrations built, when it has any and every
    migration applied (on half a schema their failures would say nothing new); with a base, the
    failing ones run from the base on the base's state too, to tell what is already failing."""
    files = execute.discover(config.test_folders)
    if not files or state.stopped or any(r.status != "applied" for r in state.results.values()):
        return None
    folder = next((f for f in config.test_folders if f.is_dir()), files[0].parent)
    suite = execute.run(
        box.url,
        files,
        folder=folder,
        root=repository_root(files[0]),
        statement_timeout=config.check_statement_timeout,
        progress=progress,
        jobs=parallel.default_jobs(),
        admin_url=None if box.named else box.admin_url,
        hold=state.watchdog.released if state.watchdog else nullcontext,
    )
    already = baseline.failing_on_base(box, config, base, suite, settings) if base else set()
    state.findings.extend(suite_findings.findings(suite, frozenset(already)))
    return suite


def _first_line(box: Sandbox, settings: engine.Settings) -> None:
    """On a throwaway server, the migration role's default statement_timeout is the check's limit,
    for whatever runs outside a migration's own SET LOCAL (the watchdog stops what unsets it)."""
    if box.named:
        return  # a server the workflow runs: its roles are not ours to change
    role = psycopg.conninfo.conninfo_to_dict(box.url).get("user")
    with connect(box.admin_url) as admin:
        admin.execute(
            sql.SQL("ALTER ROLE {} SET statement_timeout = {}").format(
                sql.Identifier(str(role)), sql.Literal(settings.statement_timeout)
            )
        )


def _on_database(
    box: Sandbox,
    change: Change,
    config: Config,
    settings: engine.Settings,
    state: _State,
    progress: Progress,
) -> tuple[set[str], list[str]]:
    """Apply, seed, prove and judge on the prepared database, stopping where a limit stops the run:
    the stand-in extensions there before, and those the migrations added."""
    assert state.watchdog is not None
    dog, shim_on = state.watchdog, box.shim
    base = merged(change)
    conn = connect(box.url)
    try:
        preinstalled = set(extensions.used_standins(conn))
        if box.restored is not None:
            preinstalled = set(box.restored.get("preinstalled", []))
            _restored(base, state, progress)
        history.ensure(conn)
        state.downs = {v: m.path for v, m in find_downs(config.rollbacks_dir).items()}
        before: catalog_rules.Fingerprints | None = None
        start = len(base) if box.restored is not None else 0
        for index, parsed in enumerate(change.local[start:], start):
            if index == len(base) and base and box.restored is None:
                conn = _merged_state(box, conn, preinstalled, progress)
            dog.checkpoint()
            is_new = change.changes.is_new(parsed.migration)
            if is_new and before is None:
                before = catalog_rules.fingerprints(conn)
                state.seen = change_picture.before(conn, config)
            applied = _apply(conn, parsed, settings, state, new=is_new, shim_on=shim_on, config=config)
            dog.checkpoint()
            if not applied:
                break
            if is_new:  # a file that runs outside a transaction says so, as `local` and `apply` do
                progress(f"applied {parsed.migration.filename}{engine.outside_transaction_note(parsed)}")
        else:
            if len(base) == len(change.local) and base and box.restored is None:
                conn = _merged_state(box, conn, preinstalled, progress)
            _seed(conn, config, settings, state, shim_on, progress)
            dog.checkpoint()
        state.current = None
        state.findings.extend(proofs.idempotency(conn, state.applied_new, settings, shim_on))
        dog.checkpoint()
        everything = all(r.status == "applied" for r in state.results.values())  # else half a schema
        declared = everything and bool(declared_schemas.files(config)) and not box.named  # a second database
        final = inventory.take(conn) if state.seen is not None or declared else None
        _catalog(conn, state, config, before or catalog_rules.fingerprints(conn), final)
        if declared and final is not None:
            state.findings.extend(declared_schemas.judge(box, settings, config, final))
            dog.checkpoint()
        standins = [name for name in extensions.used_standins(conn) if name not in preinstalled]
    finally:
        conn.close()
    return preinstalled, standins


def _restored(base: list[ParsedMigration], state: _State, progress: Progress) -> None:
    """The base's migrations as the cached state holds them: applied, as they were when kept."""
    for parsed in base:
        m = parsed.migration
        result = state.results.setdefault(m.version, MigrationResult(m.version, m.filename, m.path))
        result.transactional, result.status = parsed.transactional, "applied"
    progress(f"started from the cached state after {len(base)} merged migration(s)")


def _merged_state(box: Sandbox, conn: Connection, preinstalled: set[str], progress: Progress) -> Connection:
    """Where the base's migrations end, a new session, as production's next `db push` opens one:
    what the base's files left in theirs (a dump's set_config('search_path', '', false)) is not
    the new files' to inherit, and a run that starts from the cache has none. With the cache, the
    state is kept here for the next run (the server restarts)."""
    conn.close()
    if box.keep and box.keep({"preinstalled": sorted(preinstalled)}):
        progress("kept the merged state in the cache for the next run")
    return connect(box.url)


def _fixes(results: list[MigrationResult], new: list[ParsedMigration]) -> None:
    """Each new migration's statements by line, and its mechanical fixes, for the review."""
    parsed = {p.migration.version: p for p in new}
    for m in results:
        if m.version in parsed:
            m.statements = {s.line: s.label for s in parsed[m.version].statements}
            m.edits = fixes.edits(parsed[m.version], m.findings)


def _seed(
    conn: Connection,
    config: Config,
    settings: engine.Settings,
    state: _State,
    shim_on: bool,
    progress: Progress,
) -> None:
    for seed in seed_files(config):
        if not _seed_one(conn, seed, config, settings, state, shim_on, progress):
            return


def _seed_one(
    conn: Connection,
    seed: Path,
    config: Config,
    settings: engine.Settings,
    state: _State,
    shim_on: bool,
    progress: Progress,
) -> bool:
    """One seed file; whether the next may run (a failed file ends the seeding, as in the CLI)."""
    state.current, began = seed, time.monotonic()
    try:
        seeding.seed(
            conn, seed, settings, progress, shim=shim_on, root=project_files_root(config.migrations_dir)
        )
        return True
    except UnreadableFile:
        raise  # not the seed's SQL failing: a file no command reads (exit 2, as everywhere)
    except SchemagateError as exc:
        if state.watchdog:
            state.watchdog.overran(exc.sqlstate, time.monotonic() - began)
        if state.stopped:
            return False  # the limit's finding says it
        state.findings.append(runtime.seed_failure(exc))
        return False
