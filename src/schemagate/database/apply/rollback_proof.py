"""A rollback rehearsed before production is touched: on a throwaway database shaped like
production, the migrations up to the target are applied and the schema is taken; then the
migrations to roll back, then their down files, newest first; the schema must be the same again.

A down file that leaves a table behind, drops one too many or fails outright would do the same on
production; here it costs a throwaway server, and the refusal names the first difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemagate.config import Config
from schemagate.database.apply import engine
from schemagate.database.apply.rollback import RollbackPlan
from schemagate.database.catalog import snapshot
from schemagate.database.connection import Connection
from schemagate.database.server import replica
from schemagate.errors import SchemagateError
from schemagate.statements.sql import ParsedMigration


@dataclass
class Proof:
    differences: list[str] = field(default_factory=list)  # what the down files leave different
    failed: str | None = None  # a down file failed on the replica: why
    why_not: str | None = None  # the rehearsal could not run: why

    @property
    def holds(self) -> bool:
        return not self.differences and self.failed is None and self.why_not is None

    def cause(self, target: str) -> str:
        """One line: why the rollback is refused."""
        if self.failed is not None:
            return f"a down file fails on a throwaway replica of the database: {self.failed}"
        if self.why_not is not None:
            return f"the down files could not be rehearsed on a throwaway replica: {self.why_not}"
        shown = ", ".join(self.differences[:3])
        if len(self.differences) > 3:
            shown += f" and {len(self.differences) - 3} more"
        return f"the down files do not bring the schema back to {target} as its migrations built it: {shown}"


def prove(
    config: Config,
    production: Connection,
    local: list[ParsedMigration],
    rollback: RollbackPlan,
    applied: list[str],
    pg_bin: str | None = None,
) -> Proof:
    """The rollback replayed on a replica: `applied` are the versions production recorded, in order."""
    by_version = {p.migration.version: p for p in local}
    if lost := [v for v in applied if v not in by_version]:
        return Proof(why_not=f"no migration file for {', '.join(lost[:5])} to replay")
    rolled = {step.recorded.version for step in rollback.steps}
    kept = [by_version[v] for v in applied if v not in rolled]
    again = [by_version[v] for v in applied if v in rolled]
    of = replica.shape(production)
    try:
        with replica.replica(config, of, kept, pg_bin) as (_, conn, _baseline):
            return _replay(conn, config, of, again, rollback)
    except SchemagateError as exc:  # the server or a migration: nothing was proven either way
        return Proof(why_not=exc.reason)


def _replay(
    conn: Connection, config: Config, of: replica.Shape, again: list[ParsedMigration], rollback: RollbackPlan
) -> Proof:
    settings = engine.Settings.of(config, throwaway=True)
    expected = snapshot.take(conn)
    for parsed in again:
        engine.run_file(conn, parsed, settings, shim=of.supabase)
    for step in rollback.steps:
        try:
            engine.run_file(conn, step.down, settings, shim=of.supabase)
        except SchemagateError as exc:
            return Proof(failed=str(exc))
    found = snapshot.take(conn)
    left = [f"{_named(line)} left behind" for line in sorted(found.lines - expected.lines, key=_big_first)]
    gone = [f"{_named(line)} removed" for line in sorted(expected.lines - found.lines, key=_big_first)]
    return Proof(differences=left + gone)


def _big_first(line: str) -> tuple[int, str]:
    kind = line.split(":", 1)[0]
    return (_ORDER.index(kind) if kind in _ORDER else len(_ORDER), line)


def _named(line: str) -> str:
    """A snapshot line as a few words: `relation: public.c r rls=f …` is `relation public.c`."""
    kind, _, definition = line.partition(": ")
    if kind in {"index", "trigger"}:  # pg_get_*def: the whole definition names it
        return definition if len(definition) <= 100 else definition[:99] + "…"
    return f"{kind} {definition.split(' ', 1)[0]}"


_ORDER = ["schema", "extension", "relation", "type", "function", "view", "column", "constraint", "index"]
