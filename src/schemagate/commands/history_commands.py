"""The commands about production's history and catalog: status, doctor, repair, plan, and the
catalog check a deploy makes first. Part of the command layer (`commands.py` re-exports them):
typed options in, a result out, nothing printed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from schemagate.config import Config
from schemagate.database import Progress

if TYPE_CHECKING:
    from schemagate.database.apply.rehearsal import DeployRehearsal
    from schemagate.database.catalog.catalog_drift import CatalogDrift
    from schemagate.database.connection import Connection, Target
    from schemagate.database.history.doctor import Problem
    from schemagate.database.history.plan import MigrationPlan
    from schemagate.statements.sql import ParsedMigration


def quiet(_line: str) -> None:
    """The progress callback that says nothing: the commands' default."""


def refuse_catalog_drift(
    config: Config,
    conn: Connection,
    found: list[ParsedMigration],
    pg_bin: str | None,
    progress: Progress,
    notice: Progress,
) -> None:
    """Production's catalog against its recorded migrations, before anything is applied."""
    from schemagate.database.catalog import catalog_drift
    from schemagate.errors import DriftError

    if config.on_drift == "off":
        return
    drift = catalog_drift.compare(config, conn, found, pg_bin)
    if not drift.compared:
        if drift.why_not and "schemagate doctor" not in drift.why_not:
            notice(f"production's catalog was not compared: {drift.why_not}")
        return  # a history that disagrees is refused next, with its own reason
    if not drift.differences:
        progress(f"production's catalog matches its {drift.versions} recorded migrations")
        return
    lines = drift.lines()
    if config.on_drift == "warn":
        for line in lines:
            notice(f"catalog drift: {line}")
        return
    shown = "; ".join(lines[:5]) + (f"; and {len(lines) - 5} more" if len(lines) > 5 else "")
    raise DriftError(
        f"production's catalog differs from its migrations in {len(lines)} place(s), nothing was "
        f"applied: {shown}",
        hint="put the dashboard's edits into a migration (supabase db diff writes one), or revert them; "
        "`--on-drift warn` (the Action's `on-drift: warn`) deploys anyway",
        detail="\n".join(lines),
    )


# status ------------------------------------------------------------------------------------------
@dataclass
class StatusResult:
    target: Target
    plan: MigrationPlan
    catalog: CatalogDrift | None = None  # None: not compared (on_drift: off)

    @property
    def bad(self) -> int:
        drifted = len(self.catalog.differences) if self.catalog else 0
        return len(self.plan.drifted) + len(self.plan.missing) + drifted

    @property
    def summary(self) -> str:
        versions = len(self.plan.drifted) + len(self.plan.missing)
        catalog = ""
        if self.catalog and self.catalog.differences:
            catalog = f", the catalog differs in {len(self.catalog.differences)} place(s)"
        elif self.catalog and self.catalog.compared:
            catalog = ", the catalog matches its migrations"
        doctor = "; `schemagate doctor` prints the commands that reconcile them" if versions else ""
        return f"{len(self.plan.pending)} pending, {versions} drifted or missing{catalog}{doctor}"


def status(config: Config, url: str, notice: Progress = quiet, pg_bin: str | None = None) -> StatusResult:
    """What the database recorded, against the files: applied, pending, drifted, missing; and its
    catalog against what its recorded migrations build."""
    from schemagate.database import history
    from schemagate.database.apply import engine
    from schemagate.database.catalog import catalog_drift
    from schemagate.database.connection import link
    from schemagate.database.history.plan import MigrationPlan

    found = engine.load(config.migrations_dir, notices=notice)
    with link(url) as db:
        plan = MigrationPlan.build(found, history.recorded(db.conn))
        catalog = None if config.on_drift == "off" else catalog_drift.compare(config, db.conn, found, pg_bin)
    if catalog and not catalog.compared:
        notice(f"the catalog was not compared: {catalog.why_not}")
    return StatusResult(db.target, plan, catalog)


# doctor and repair -------------------------------------------------------------------------------
@dataclass
class DoctorResult:
    target: Target
    problems: list[Problem]


def doctor(config: Config, url: str) -> DoctorResult:
    """The folder against the history, each disagreement with the commands that reconcile it."""
    from schemagate.database import history
    from schemagate.database.connection import link
    from schemagate.database.history import doctor as examining

    with link(url) as db:
        recorded = history.recorded(db.conn)
    return DoctorResult(db.target, examining.examine(config.migrations_dir, recorded))


def repair(config: Config, url: str, status: str, versions: list[str], progress: Progress = quiet) -> int:
    """Mark versions applied (the row from the file) or reverted (the row removed), as the CLI's
    `migration repair` does; nothing else in the database changes. The number of rows changed."""
    from schemagate.database import history
    from schemagate.database.connection import link
    from schemagate.database.history import doctor as examining
    from schemagate.errors import InputError
    from schemagate.statements.sql import parse

    files = {m.version: m for m in examining.files(config.migrations_dir)}
    if status == "applied" and (lost := [v for v in versions if v not in files]):
        raise InputError(
            f"no file for version {', '.join(lost)}: --status applied records a file's statements"
        )
    changed = 0
    with link(url) as db, history.locked(db, config.lock_wait):
        history.ensure(db.conn)
        for version in versions:
            if status == "applied":
                parsed = parse(files[version])
                name = files[version].name
                history.repair_applied(db.conn, version, name, list(parsed.history_statements))
                progress(f"marked {version} ({name}) applied")
                changed += 1
            elif history.repair_reverted(db.conn, version):
                progress(f"marked {version} reverted")
                changed += 1
            else:
                progress(f"{version} was not in the history; nothing to revert")
    return changed


# plan ---------------------------------------------------------------------------------------------
def deploy_plan(
    config: Config, url: str, *, pg_bin: str | None = None, sample: int | None = None
) -> DeployRehearsal:
    """What the pending migrations will do to production, read from it and rehearsed elsewhere."""
    from schemagate.database.apply import engine
    from schemagate.database.apply import rehearsal as planning
    from schemagate.database.connection import link

    local = engine.load(config.migrations_dir)
    with link(url) as db:
        rows = planning.SAMPLE_ROWS if sample is None else sample
        return planning.build(config, db.conn, str(db.target), local, pg_bin=pg_bin, sample=rows)
