"""Roll production back with reviewed down migrations, newest first, one transaction per step.

A down file is `supabase/rollbacks/<version>_<name>.sql`, beside (not inside) the migrations folder,
because `supabase db push` would run anything named like a migration. A rollback refuses before
touching anything when a migration in range has no down file, when its down file changed after
the migration was applied (its sha256 is recorded in the audit table at apply time), and, unless
forced with a reason, when a down file cannot be trusted: one the draft writer marked incomplete,
or one with no statement for a migration that changed the schema (a draft's comments alone).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from schemagate.database import Progress, history
from schemagate.database.apply import engine
from schemagate.database.apply.commits import CommitUnknown, settle
from schemagate.database.connection import Connection, Link
from schemagate.database.history import Recorded, RunContext
from schemagate.errors import InputError, MigrationFailed
from schemagate.files.migrations import Migration, find_downs, is_number, version_order

__all__ = ["find_downs", "plan", "run"]
from schemagate.statements.sql import Kind, ParsedMigration, parse

# the line statements/drafts.py writes into a draft some statements of which need a human
_INCOMPLETE = re.compile(r"^\s*--\s*INCOMPLETE\b", re.MULTILINE | re.IGNORECASE)
_SCHEMA_KINDS = {Kind.DDL, Kind.PROCEDURAL}  # a DO block may change anything


def down_checksums(directory: Path) -> dict[str, str]:
    return {version: down.sha256 for version, down in find_downs(directory).items()}


@dataclass
class RollbackStep:
    recorded: Recorded
    down: ParsedMigration


@dataclass
class RollbackPlan:
    steps: list[RollbackStep]
    target: str  # the version production is at after the rollback ("none" before the first)
    notices: list[str] = field(default_factory=list)


def _range(recorded: list[Recorded], to: str | None, steps: int | None) -> tuple[list[Recorded], str]:
    applied = [r for r in recorded if is_number(r.version)]
    if (to is None) == (steps is None):
        raise InputError("say how far: --to VERSION or --steps N")
    if steps is not None:
        if steps < 1:
            raise InputError("--steps must be at least 1")
        chosen = applied[-steps:] if steps <= len(applied) else applied
        rest = applied[: len(applied) - len(chosen)]
    else:
        assert to is not None
        if to not in {"0", "none"} and to not in {r.version for r in applied}:
            known = ", ".join(r.version for r in applied[-5:]) or "none"
            raise InputError(f"version {to} is not applied here (latest applied: {known})")
        keep = version_order("0" if to == "none" else to)
        chosen = [r for r in applied if r.order > keep]
        rest = [r for r in applied if r.order <= keep]
    return list(reversed(chosen)), rest[-1].version if rest else "none"


def _no_down_file(missing: list[Recorded], ups: dict[str, ParsedMigration], rollbacks: Path) -> InputError:
    """The refusal names each file to add, and the command that drafts it: the migrations rolled
    back are merged ones, which a plain `check` no longer judges (and so drafts nothing for)."""
    names = [
        ups[r.version].migration.filename if r.version in ups else f"{r.version}_{r.name}.sql"
        for r in missing
    ]
    wanted = ", ".join((rollbacks / name).as_posix() for name in names)
    return InputError(
        f"no reviewed down migration for {', '.join(r.version for r in missing)}: add {wanted} "
        f"(`schemagate check --all --drafts {rollbacks.as_posix()}` writes a draft for each migration "
        "without one; review it and commit it)"
    )


def plan(
    recorded: list[Recorded],
    downs: dict[str, Migration],
    recorded_downs: dict[str, str | None],
    *,
    to: str | None = None,
    steps: int | None = None,
    ups: dict[str, ParsedMigration] | None = None,
    force: bool = False,
    rollbacks: Path = Path("supabase/rollbacks"),
) -> RollbackPlan:
    """The steps, newest first; every refusal is found here, before anything runs. `ups` are the
    migrations in the folder by version; `force` runs untrusted down files, each said in a notice;
    `rollbacks` is the folder the down files are read from, named in a refusal."""
    chosen, target = _range(recorded, to, steps)
    missing = [r for r in chosen if r.version not in downs]
    if missing:
        raise _no_down_file(missing, ups or {}, rollbacks)
    edited = [
        r.version
        for r in chosen
        if recorded_downs.get(r.version) and recorded_downs[r.version] != downs[r.version].sha256
    ]
    if edited:
        raise InputError(
            f"down migration(s) for {', '.join(edited)} changed after the migration was applied; "
            "a rollback runs only what was reviewed with the migration"
        )
    result = RollbackPlan([RollbackStep(r, parse(downs[r.version])) for r in chosen], target)
    untrusted = [
        f"{step.recorded.version}: {why}"
        for step in result.steps
        if (why := distrust(step.down, (ups or {}).get(step.recorded.version)))
    ]
    if untrusted and not force:
        raise InputError(
            f"down file(s) that cannot be trusted, nothing was touched: {'; '.join(untrusted)}",
            hint="finish the down file and commit it (`schemagate check` proves it), or pass --force "
            "with --reason to run it as it is",
        )
    result.notices += [f"{line}; running it anyway (--force)" for line in untrusted]
    for r in chosen:
        if r.version not in recorded_downs or recorded_downs[r.version] is None:
            result.notices.append(
                f"{r.version}: no down checksum was recorded at apply time; "
                "running the down file as it is in the repository"
            )
    for step in result.steps:
        engine.validate(step.down)
    return result


def distrust(down: ParsedMigration, up: ParsedMigration | None) -> str | None:
    """Why a down file cannot be trusted as it is, or None: marked incomplete by the draft writer,
    or without a statement when its migration changed the schema (or is not in the folder)."""
    if _INCOMPLETE.search(down.migration.text):
        return f"{down.migration.filename} is marked INCOMPLETE (statements in it need a human)"
    if down.body:
        return None
    if up is None:
        return f"{down.migration.filename} has no statement and its migration is not in the folder"
    if any(s.kind in _SCHEMA_KINDS for s in up.body):
        return (
            f"{down.migration.filename} has no statement (only comments) but "
            f"{up.migration.filename} changed the schema"
        )
    return None


def run(
    link: Link,
    rollback: RollbackPlan,
    *,
    settings: engine.Settings,
    context: RunContext,
    progress: Progress,
) -> list[RollbackStep]:
    """Run the steps newest first, each with its history row's removal; stop at the first failure."""
    done: list[RollbackStep] = []
    with history.locked(link, settings.lock_wait_s):
        try:
            for step in rollback.steps:
                _run_step(link.conn, step, settings, context, pooled=link.pooled)
                done.append(step)
                name = f"{step.recorded.version}_{step.recorded.name}"
                progress(f"rolled back {name} with {step.down.migration.filename}")
        except CommitUnknown as exc:  # what became of this step is said; the ones before it stand
            exc.outcome = f"{exc.outcome} ({len(done)} step(s) before it rolled back)"
            raise
        except MigrationFailed as exc:
            now = done[-1] if done else None
            exc.outcome = (
                f"{len(done)} of {len(rollback.steps)} step(s) rolled back"
                f"{f' (last: {now.recorded.version})' if now else ''}, the database is now at "
                f"{_version_before(rollback, len(done))}"
            )
            raise
    return done


def _version_before(rollback: RollbackPlan, completed: int) -> str:
    """Where production stands once `completed` steps are done."""
    if completed < len(rollback.steps):
        return rollback.steps[completed].recorded.version
    return rollback.target


def _run_step(
    conn: Connection, step: RollbackStep, settings: engine.Settings, context: RunContext, *, pooled: bool
) -> None:
    began = time.monotonic()
    recorded, down = step.recorded, step.down

    def record(duration_ms: int) -> None:
        del duration_ms  # the step's own time is measured from its start
        history.delete(
            conn,
            version=recorded.version,
            name=recorded.name,
            down_sha256=down.migration.sha256,
            duration_ms=int((time.monotonic() - began) * 1000),
            context=context,
        )

    try:
        engine.run_file(conn, down, settings, record=record, pooled=pooled)
    except CommitUnknown as exc:  # the step is in when the history row is gone
        raise settle(exc, conn, lambda fresh: not history.is_recorded(fresh, recorded.version)) from None
