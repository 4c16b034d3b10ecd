"""The commands, one function each, under both front ends: typed options in, a result out.

`cli.py` parses arguments into these options and renders the results; `action.py` reads the
runner's inputs into the same options and does the GitHub work around them. Nothing here prints:
progress goes to the callbacks the front end passes. The engine, the check and the database
modules import the driver only when a command needs it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from schemagate.commands.history_commands import (
    DoctorResult,
    StatusResult,
    deploy_plan,
    doctor,
    quiet,
    refuse_catalog_drift,
    repair,
    status,
)
from schemagate.config import Config, Overrides, configure, postgres_major, seed_files
from schemagate.database import Progress
from schemagate.findings import Finding
from schemagate.findings.judge import Options as CheckOptions
from schemagate.report.model import Report

if TYPE_CHECKING:
    import psycopg

    from schemagate.database.apply import engine, rollback
    from schemagate.database.connection import Connection, Target
    from schemagate.database.dbtests.execute import Suite
    from schemagate.database.history import RunContext
    from schemagate.database.server.sandbox import Sandbox
    from schemagate.statements.sql import ParsedMigration

__all__ = [
    "CheckOptions",
    "DoctorResult",
    "Overrides",
    "StatusResult",
    "deploy_plan",
    "doctor",
    "repair",
    "settings",
    "status",
]


def settings(overrides: Overrides) -> Config:
    """The project's configuration, every rule id known, every mistake said at once."""
    from schemagate.findings import registry

    return configure(overrides, registry.ids())


# local -------------------------------------------------------------------------------------------
@dataclass
class LocalOptions:
    config: Config
    pg_bin: str | None = None
    postgres_version: str | None = None  # else supabase/config.toml's [db] major_version
    tests: bool = True  # the project's pgTAP files after the migrations and seed (--no-tests: not)
    jobs: int | None = None  # test files side by side; default: one per core
    cache: bool = True  # start from the state before the newest file when a former run kept it


@dataclass
class LocalResult:
    banner: str
    notes: list[str]
    applied: list[engine.Applied]
    seeded: bool
    seconds: float
    suite: Suite | None = None  # the tests' results, when the project has tests and they ran
    cached: int = 0  # migrations the cached state already held (none of them ran again)


def local(options: LocalOptions, progress: Progress = quiet, notice: Progress = quiet) -> LocalResult:
    """Every migration and supabase/seed.sql on a throwaway database, which is gone afterwards."""
    from schemagate.commands.checking import state_parts
    from schemagate.database import history
    from schemagate.database.apply import engine
    from schemagate.database.connection import link
    from schemagate.database.dbtests import execute
    from schemagate.database.server import shim
    from schemagate.database.server.sandbox import prepared
    from schemagate.statements.sql import extensions_created

    config = options.config
    found = engine.load(config.migrations_dir, notices=notice)
    if config.shim:
        refuse_as_hosted(config, found, notice)
    settings = engine.Settings.of(config, include_all=True, throwaway=True)
    major = postgres_major(config, options.postgres_version)
    began = time.monotonic()
    # the loop edits the newest file: the state before it is kept, and the next run starts there
    before_newest = found[:-1] if options.cache else []
    state = ["local", *state_parts(config, settings, before_newest)] if before_newest else None
    with prepared(
        supabase=config.shim,
        pg_bin=options.pg_bin,
        major=major,
        wants=extensions_created(found),
        superuser=config.superuser,
        role_settings=shim.role_settings(found),
        state=state,
    ) as box:
        progress(box.banner)
        for note in box.notes:
            notice(note)
        context, applied = history.RunContext.local(), []
        if box.keep:
            with link(box.url) as db:
                done = engine.apply(
                    db, before_newest, settings=settings, context=context, progress=progress, shim=box.shim
                )
                applied += done.applied
            if box.keep({}):
                progress(
                    f"kept the state before {found[-1].migration.filename} in the cache for the next run"
                )
        elif box.restored is not None:
            progress(f"started from the cached state after {len(before_newest)} migration(s)")
        with link(box.url) as db:
            result = engine.apply(
                db, found, settings=settings, context=context, progress=progress, shim=box.shim
            )
            seeded = _seed_all(db.conn, config, settings, progress, shim=box.shim)
        files = execute.discover(config.test_folders) if options.tests else []
        suite = _suite(box, config, config.test_folders, files, options.jobs) if files else None
    cached = len(before_newest) if box.restored is not None else 0
    return LocalResult(
        box.banner,
        list(box.notes),
        applied + result.applied,
        seeded,
        time.monotonic() - began,
        suite=suite,
        cached=cached,
    )


def _suite(box: Sandbox, config: Config, folders: list[Path], files: list[Path], jobs: int | None) -> Suite:
    """The test files on the box's database, side by side where they can be (a throwaway server)."""
    from schemagate.database.dbtests import execute
    from schemagate.database.dbtests.parallel import default_jobs
    from schemagate.repofiles import repository_root

    folder = next((f for f in folders if f.is_dir()), files[0].parent)
    return execute.run(
        box.url,
        files,
        folder=folder,
        root=repository_root(files[0]),
        statement_timeout=config.check_statement_timeout,
        jobs=jobs or default_jobs(),
        admin_url=None if box.named else box.admin_url,
    )  # no line per file here: the front end prints the results


def refuse_as_hosted(config: Config, found: list[ParsedMigration], notice: Progress) -> None:
    """What hosted Supabase refuses and the throwaway database cannot (supautils' reserved roles:
    no event trigger sees role commands), said before anything runs, as `check` says it: an
    error stops the run (exit 1, its file and line), a warning or info is a notice, off is
    nothing, as the config's `rules` set the rule."""
    from schemagate.errors import MigrationFailed
    from schemagate.findings import Severity
    from schemagate.findings.judge import configured
    from schemagate.findings.rules import platform

    refused = [finding for parsed in found for _index, finding in platform.check(parsed)]
    for finding in configured(refused, config):
        if finding.level < Severity.ERROR:
            notice(f"{finding.path}:{finding.line}: {finding.message}")
            continue
        raise MigrationFailed(
            finding.message,
            path=finding.path,
            line=finding.line,
            sqlstate="42501",
            hint=f"`schemagate check` reports it as {finding.rule.id}",
            outcome="nothing was applied",
        )


def _seed_all(
    conn: psycopg.Connection[tuple[object, ...]],
    config: Config,
    settings: engine.Settings,
    progress: Progress,
    *,
    shim: bool,
) -> bool:
    """Every seed file in the CLI's order ([db.seed] sql_paths); whether there was any."""
    from schemagate.database.apply import seeding
    from schemagate.files.migrations import project_files_root

    seeds = seed_files(config)
    for seed in seeds:
        seeding.seed(
            conn, seed, settings, progress, shim=shim, root=project_files_root(config.migrations_dir)
        )
    return bool(seeds)


# test --------------------------------------------------------------------------------------------
@dataclass
class TestOptions:
    config: Config
    paths: list[Path] = field(default_factory=list)  # files or folders; default: the config's folders
    pg_bin: str | None = None
    postgres_version: str | None = None
    jobs: int | None = None  # files side by side; default: one per core


@dataclass
class TestResult:
    banner: str
    notes: list[str]
    suite: Suite


def test(options: TestOptions, progress: Progress = quiet, notice: Progress = quiet) -> TestResult:
    """Every migration and the seed on a throwaway database, then the project's pgTAP files."""
    from schemagate.database import history
    from schemagate.database.apply import engine
    from schemagate.database.connection import link
    from schemagate.database.dbtests import execute
    from schemagate.database.server import shim
    from schemagate.database.server.sandbox import prepared
    from schemagate.errors import InputError
    from schemagate.statements.sql import extensions_created

    config = options.config
    folders = options.paths or config.test_folders
    files = execute.discover(folders)
    if not files:
        shown = ", ".join(f.as_posix() for f in folders)
        raise InputError(f"no test files (*.sql, *.pg) under {shown}")
    found = engine.load(config.migrations_dir, notices=notice)
    settings = engine.Settings.of(config, include_all=True, throwaway=True)
    # pgTAP does not choose the server: the major the project runs on does, as for `check`
    with prepared(
        supabase=config.shim,
        pg_bin=options.pg_bin,
        major=postgres_major(config, options.postgres_version),
        wants=extensions_created(found),
        superuser=config.superuser,
        role_settings=shim.role_settings(found),
    ) as box:
        progress(box.banner)
        for note in box.notes:
            notice(note)
        with link(box.url) as db:
            context = history.RunContext.local()
            engine.apply(db, found, settings=settings, context=context, progress=progress, shim=box.shim)
            _seed_all(db.conn, config, settings, progress, shim=box.shim)
        suite = _suite(box, config, folders, files, options.jobs)
    return TestResult(box.banner, list(box.notes), suite)


# check and lint --------------------------------------------------------------------------------------
def check(config: Config, options: CheckOptions, progress: Progress = quiet) -> Report:
    """The PR verdict: every migration applied to a fresh database, the new ones judged."""
    from schemagate.commands import checking

    return checking.run(config, options, progress)


def lint(config: Config, options: CheckOptions) -> Report:
    """Only the rules that need no database: names, history, parse trees."""
    from schemagate.commands import linting

    return linting.lint(config, options)


def project_in_repository() -> str:
    """The project's folder in its git repository (a git call: `lint` asks only for the outputs
    that give paths from the repository's root, annotations and SARIF)."""
    from schemagate.files.changes import repository_prefix

    return repository_prefix(Path.cwd())


def base_line(say: Progress) -> str | None:
    """The default base of `check` and `fix` (see files.changes.default_base), said in one line."""
    from schemagate.files.changes import default_base

    chosen = default_base(Path.cwd())
    if chosen.commit is None:
        say(f"base: none ({chosen.said}): --base REF names one")
    else:
        say(f"base: {chosen.said} (--base REF names another, --all judges every migration)")
    return chosen.commit


# fix ---------------------------------------------------------------------------------------------
@dataclass
class FixResult:
    changed: list[tuple[Path, str, str]]  # a file, its text before, after
    left: list[Finding]  # what no mechanical fix covers, warnings and worse: for the author
    report: Report
    statements: int = 0  # how many statements the fixes rewrote or completed


def fix(
    config: Config,
    options: CheckOptions,
    *,
    dry_run: bool,
    progress: Progress = quiet,
    every: bool = False,
) -> FixResult:
    """The check's mechanical fixes written into the migrations it judged: only those new since
    the base (by default the merge-base of HEAD and the default branch), never a merged one.
    Outside git, where nothing says what is merged, only the newest migration is edited unless
    `every` (--all) says each one may be."""
    from schemagate.files.migrations import version_order
    from schemagate.findings import Severity, fixes
    from schemagate.repofiles import SQL_LIMIT, read_repository_file

    newest_only = False
    if options.base is None and not every:
        options = replace(options, base=base_line(progress))
        newest_only = options.base is None
    report = check(config, options, progress)
    changed, done, statements = [], set(), 0
    editable = [] if report.unreadable else report.migrations
    if newest_only and editable:
        editable = [max(editable, key=lambda m: version_order(m.version))]
        older = len(report.migrations) - 1
        progress(
            f"only the newest migration, {editable[0].path.name}, is edited: the {older} older one(s) "
            "look merged (--all edits every one, --base REF those new since REF)"
        )
    for m in editable:
        raw = read_repository_file(m.path, SQL_LIMIT).decode("utf-8")
        before = raw.replace("\r\n", "\n")
        chosen = [e for e in m.edits if fixes.fits(before, e)]
        after = fixes.apply(before, chosen)
        if after == before:
            continue
        done |= {(e.path, e.line, rule) for e in chosen for rule in e.rules}
        statements += len(chosen)
        changed.append((m.path, before, after))
        if not dry_run:
            m.path.write_bytes((after.replace("\n", "\r\n") if "\r\n" in raw else after).encode("utf-8"))
    kept = {m.path for m in editable}
    left = [
        f
        for f in report.findings
        if f.level >= Severity.WARNING
        and (f.path, f.line, f.rule.id) not in done
        and (not newest_only or f.path is None or f.path in kept)
    ]
    return FixResult(changed, left, report, statements)


# apply -------------------------------------------------------------------------------------------
def local_context() -> RunContext:
    from schemagate.database.history import RunContext

    return RunContext.local()


@dataclass
class ApplyOptions:
    config: Config
    url: str
    dry_run: bool = False
    include_all: bool = False
    # called once the files are read and before the database is touched: who runs it, approved
    # by whom (the Action asks GitHub for the approval here)
    authorize: Callable[[], RunContext] = local_context
    pg_bin: str | None = None  # for the throwaway database the expected catalog is built on


@dataclass
class ApplyResult:
    target: Target
    result: engine.Result
    approved: RunContext | None = None


def apply(options: ApplyOptions, progress: Progress = quiet, notice: Progress = quiet) -> ApplyResult:
    """The pending migrations to a real database, each in its own transaction, under the lock."""
    from schemagate.database.apply import engine
    from schemagate.database.connection import Target, link
    from schemagate.files.migrations import find_downs

    config = options.config
    found = engine.load(config.migrations_dir, notices=notice)
    downs = {v: m.sha256 for v, m in find_downs(config.rollbacks_dir).items()}
    settings = engine.Settings.of(config, include_all=options.include_all)
    context = None if options.dry_run else options.authorize()
    progress(f"target: {Target.of(options.url)}")
    with link(options.url) as db:
        result = engine.apply(
            db,
            found,
            settings=settings,
            context=context or local_context(),
            progress=progress,
            dry_run=options.dry_run,
            downs=downs,
            under_lock=lambda conn: refuse_catalog_drift(
                config, conn, found, options.pg_bin, progress, notice
            ),
        )
    return ApplyResult(db.target, result, context)


# rollback ------------------------------------------------------------------------------------------
@dataclass
class RollbackOptions:
    config: Config
    url: str
    to: str | None = None
    steps: int | None = None
    reason: str | None = None  # required unless a dry run: the audit table records it
    dry_run: bool = False
    # called with the steps, before any runs: who rolls back, approved by whom
    authorize: Callable[[rollback.RollbackPlan], RunContext] = field(default=lambda _plan: local_context())
    force: bool = False  # run down files that cannot be trusted (incomplete, no statement)
    pg_bin: str | None = None  # for the replica the rollback is rehearsed on


@dataclass
class RollbackResult:
    target: Target
    plan: rollback.RollbackPlan
    done: list[rollback.RollbackStep]
    dry_run: bool


def roll_back(
    options: RollbackOptions, progress: Progress = quiet, notice: Progress = quiet
) -> RollbackResult:
    """Reviewed down migrations, newest first, each in its own transaction, under the lock; first
    rehearsed on a replica of production, which must end as the migrations up to the target built it."""
    from schemagate.database import history
    from schemagate.database.apply import engine, rollback
    from schemagate.database.connection import link
    from schemagate.errors import InputError
    from schemagate.files.migrations import find_downs

    config = options.config
    if not options.dry_run and not (options.reason or "").strip():
        raise InputError("a rollback needs a reason (--reason): the audit table records it with the run")
    local = engine.load(config.migrations_dir, notices=notice)  # bad files stop here too
    downs = find_downs(config.rollbacks_dir)
    with link(options.url) as db:
        progress(f"target: {db.target}")
        recorded = history.recorded(db.conn)
        steps = rollback.plan(
            recorded,
            downs,
            history.down_checksums(db.conn),
            to=options.to,
            steps=options.steps,
            ups={p.migration.version: p for p in local},
            force=options.force,
            rollbacks=config.rollbacks_dir,
        )
        for line in steps.notices:
            notice(line)
        _rehearse(options, db.conn, local, steps, [r.version for r in recorded], progress, notice)
        if options.dry_run:
            return RollbackResult(db.target, steps, [], dry_run=True)
        context = replace(options.authorize(steps), reason=options.reason)
        done = rollback.run(
            db, steps, settings=engine.Settings.of(config), context=context, progress=progress
        )
    return RollbackResult(db.target, steps, done, dry_run=False)


def _rehearse(
    options: RollbackOptions,
    conn: Connection,
    local: list[ParsedMigration],
    steps: rollback.RollbackPlan,
    applied: list[str],
    progress: Progress,
    notice: Progress,
) -> None:
    """The rollback on a replica first: a down file that fails there or leaves the schema other
    than the migrations up to the target built it stops the rollback (or, forced, is said)."""
    from schemagate.database.apply import rollback_proof
    from schemagate.errors import InputError

    if not steps.steps:
        return
    proof = rollback_proof.prove(options.config, conn, local, steps, applied, options.pg_bin)
    if proof.holds:
        progress(f"rehearsed on a throwaway replica: the schema comes back to {steps.target}")
        return
    cause = proof.cause(steps.target)
    if options.force:
        notice(f"{cause}; rolling back anyway (--force)")
        return
    raise InputError(
        f"{cause}; nothing was touched",
        hint="fix the down file(s) (`schemagate check` proves each against its migration), "
        "or pass --force with --reason to run them as they are",
    )


# new ---------------------------------------------------------------------------------------------
@dataclass
class NewOptions:
    config: Config
    name: str
    with_down: bool = False


def new(options: NewOptions) -> list[Path]:
    """A timestamped migration from the template (and its down file), never over an existing one."""
    from schemagate.files import scaffold

    config = options.config
    rollbacks = config.rollbacks_dir if options.with_down else None
    return scaffold.create(config.migrations_dir, options.name, rollbacks=rollbacks)
