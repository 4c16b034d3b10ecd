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
    Progress,
    StatusResult,
    deploy_plan,
    doctor,
    quiet,
    refuse_catalog_drift,
    repair,
    status,
)
from schemagate.config import Config, Overrides, configure, postgres_major
from schemagate.findings import Finding
from schemagate.findings.judge import Options as CheckOptions
from schemagate.report.model import Report

if TYPE_CHECKING:
    from schemagate.database.apply import engine, rollback
    from schemagate.database.connection import Target
    from schemagate.database.dbtests.execute import Suite
    from schemagate.database.history import RunContext

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


@dataclass
class LocalResult:
    banner: str
    notes: list[str]
    applied: list[engine.Applied]
    seeded: bool
    seconds: float


def local(options: LocalOptions, progress: Progress = quiet, notice: Progress = quiet) -> LocalResult:
    """Every migration and supabase/seed.sql on a throwaway database, which is gone afterwards."""
    from schemagate.database import history
    from schemagate.database.apply import engine, seeding
    from schemagate.database.connection import link
    from schemagate.database.server.sandbox import prepared
    from schemagate.repofiles import present
    from schemagate.statements.sql import extensions_created

    config = options.config
    found = engine.load(config.migrations_dir, notices=notice)
    settings = engine.Settings.of(config, include_all=True, throwaway=True)
    major = postgres_major(config, options.postgres_version)
    began = time.monotonic()
    with prepared(
        supabase=config.shim,
        pg_bin=options.pg_bin,
        major=major,
        wants=extensions_created(found),
        superuser=config.superuser,
    ) as box:
        progress(box.banner)
        for note in box.notes:
            notice(note)
        with link(box.url) as db:
            result = engine.apply(
                db,
                found,
                settings=settings,
                context=history.RunContext.local(),
                progress=progress,
                shim=box.shim,
            )
            seeded = config.seed and present(config.seed_file)
            if seeded:
                seeding.seed(db.conn, config.seed_file, settings, progress, shim=box.shim)
    return LocalResult(box.banner, list(box.notes), result.applied, seeded, time.monotonic() - began)


# test --------------------------------------------------------------------------------------------
@dataclass
class TestOptions:
    config: Config
    paths: list[Path] = field(default_factory=list)  # files or folders; default: the config's folders
    pg_bin: str | None = None
    postgres_version: str | None = None


@dataclass
class TestResult:
    banner: str
    notes: list[str]
    suite: Suite


def test(options: TestOptions, progress: Progress = quiet, notice: Progress = quiet) -> TestResult:
    """Every migration and the seed on a throwaway database, then the project's pgTAP files."""
    from schemagate.database import history
    from schemagate.database.apply import engine, seeding
    from schemagate.database.connection import link
    from schemagate.database.dbtests import execute
    from schemagate.database.server.sandbox import prepared
    from schemagate.errors import InputError
    from schemagate.repofiles import present, repository_root
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
    ) as box:
        progress(box.banner)
        for note in box.notes:
            notice(note)
        with link(box.url) as db:
            context = history.RunContext.local()
            engine.apply(db, found, settings=settings, context=context, progress=progress, shim=box.shim)
            if config.seed and present(config.seed_file):
                seeding.seed(db.conn, config.seed_file, settings, progress, shim=box.shim)
        folder = next((f for f in folders if f.is_dir()), files[0].parent)
        suite = execute.run(
            box.url,
            files,
            folder=folder,
            root=repository_root(files[0]),
            statement_timeout=config.check_statement_timeout,
        )  # no line per file here: the front end prints the results
    return TestResult(box.banner, list(box.notes), suite)


# check and lint --------------------------------------------------------------------------------------
def check(config: Config, options: CheckOptions, progress: Progress = quiet) -> Report:
    """The PR verdict: every migration applied to a fresh database, the new ones judged."""
    from schemagate.commands import checking

    return located(checking.run(config, options, progress))


def lint(config: Config, options: CheckOptions) -> Report:
    """Only the rules that need no database: names, history, parse trees."""
    from schemagate.commands import linting

    return linting.lint(config, options)


def located(report: Report) -> Report:
    """The report, naming the project's folder in its git repository: annotations and SARIF give
    paths from the repository's root. (A git call: `lint` leaves it to outputs that need it.)"""
    from schemagate.files.changes import repository_prefix

    report.project = repository_prefix(Path.cwd())
    return report


# fix ---------------------------------------------------------------------------------------------
@dataclass
class FixResult:
    changed: list[tuple[Path, str, str]]  # a file, its text before, after
    left: list[Finding]  # what no mechanical fix covers, warnings and worse: for the author
    report: Report
    statements: int = 0  # how many statements the fixes rewrote or completed


def fix(config: Config, options: CheckOptions, *, dry_run: bool, progress: Progress = quiet) -> FixResult:
    """The check's mechanical fixes written into the migrations it judged: only those new since
    the base (HEAD when none is given), never a merged one."""
    from schemagate.files.changes import head_or_none
    from schemagate.findings import Severity, fixes
    from schemagate.repofiles import SQL_LIMIT, read_repository_file

    if options.base is None:
        options = replace(options, base=head_or_none(Path.cwd()))
    report = check(config, options, progress)
    changed, done, statements = [], set(), 0
    for m in [] if report.unreadable else report.migrations:
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
    left = [
        f for f in report.findings if f.level >= Severity.WARNING and (f.path, f.line, f.rule.id) not in done
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
    reason: str | None = None
    dry_run: bool = False
    # called with the steps, before any runs: who rolls back, approved by whom
    authorize: Callable[[rollback.Plan], RunContext] = field(default=lambda _plan: local_context())


@dataclass
class RollbackResult:
    target: Target
    plan: rollback.Plan
    done: list[rollback.Step]
    dry_run: bool


def roll_back(
    options: RollbackOptions, progress: Progress = quiet, notice: Progress = quiet
) -> RollbackResult:
    """Reviewed down migrations, newest first, each in its own transaction, under the lock."""
    from schemagate.database import history
    from schemagate.database.apply import engine, rollback
    from schemagate.database.connection import link
    from schemagate.files.migrations import find_downs

    config = options.config
    engine.load(config.migrations_dir, notices=notice)  # bad files stop here too
    downs = find_downs(config.rollbacks_dir)
    with link(options.url) as db:
        progress(f"target: {db.target}")
        steps = rollback.plan(
            history.recorded(db.conn),
            downs,
            history.down_checksums(db.conn),
            to=options.to,
            steps=options.steps,
        )
        for line in steps.notices:
            notice(line)
        if options.dry_run:
            return RollbackResult(db.target, steps, [], dry_run=True)
        context = replace(options.authorize(steps), reason=options.reason)
        done = rollback.run(
            db, steps, settings=engine.Settings.of(config), context=context, progress=progress
        )
    return RollbackResult(db.target, steps, done, dry_run=False)


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
