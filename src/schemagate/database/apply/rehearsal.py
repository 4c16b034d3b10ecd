"""A plan the approver reads before a deploy: for each pending migration, the locks it takes on
which tables, how big those tables are in production, and how long its rewrites and index builds
will hold them there.

Production is only read (its history, and each table's `reltuples` and total relation size; the
rows of a table never analyzed are counted, up to a million).
The recorded migrations are applied to a throwaway database of the same major; each pending one
then runs there, its tables first given synthetic rows (as many as production has, up to a
sample), with its locks read from `pg_locks` inside its transaction and its rewrites seen as a
changed file node. The time it took is scaled by production's rows over the sample's: a rewrite
or an index build is about linear in the rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from schemagate.config import Config
from schemagate.database import history
from schemagate.database.apply import engine, observed, replay, retries
from schemagate.database.connection import Connection
from schemagate.database.history.plan import MigrationPlan
from schemagate.database.rows import synthetic
from schemagate.database.server import replica
from schemagate.errors import SchemagateError
from schemagate.statements.sql import ParsedMigration
from schemagate.statements.tree import relation

SAMPLE_ROWS = 20_000
# never the project's tables: the catalogs, the history, and the shim's own (`schemagate`), which
# its event triggers write to while a migration runs on the throwaway database
_CATALOGS = {"pg_catalog", "information_schema", "supabase_migrations", "schemagate"}
# a table production never analyzed has no row estimate (reltuples -1): its rows are counted, up
# to this many, rather than said to be none
COUNTED_AT_MOST = 1_000_000
_STRENGTH = [
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
]
_SIZES = b"""
SELECT format('%%s.%%I', c.relnamespace::regnamespace, c.relname), c.reltuples::bigint,
       pg_total_relation_size(c.oid)
FROM pg_class c WHERE c.relkind IN ('r', 'p', 'm')
  AND format('%%s.%%I', c.relnamespace::regnamespace, c.relname) = ANY (%s)
"""


@dataclass
class Table:
    table: str
    lock: str | None  # the strongest lock the migration held on it, as pg_locks names it
    rewrite: bool = False
    index: bool = False  # the migration builds an index on it
    rows: int | None = None  # in production; None: no such table there yet, or never analyzed
    bytes: int | None = None
    sample_rows: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "table": self.table,
            "lock": self.lock,
            "rewrite": self.rewrite,
            "index": self.index,
            "rows": self.rows,
            "bytes": self.bytes,
            "sample_rows": self.sample_rows,
        }


@dataclass
class RehearsalStep:
    file: str
    transactional: bool
    tables: list[Table] = field(default_factory=list)
    measured_s: float = 0.0  # on the throwaway database, with the sample's rows
    half_s: float | None = None  # the same, with half the sample's rows, rolled back
    estimate_s: float | None = None  # scaled to production's rows
    risk: str = "low"
    why: str = ""
    note: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "transactional": self.transactional,
            "tables": [t.to_json() for t in self.tables],
            "measured_seconds": round(self.measured_s, 4),
            "half_sample_seconds": None if self.half_s is None else round(self.half_s, 4),
            "estimated_seconds": None if self.estimate_s is None else round(self.estimate_s, 3),
            "risk": self.risk,
            "why": self.why,
            "note": self.note,
        }


@dataclass
class DeployRehearsal:
    target: str
    lock_timeout: str
    lock_retries: int
    steps: list[RehearsalStep] = field(default_factory=list)
    refused: str | None = None  # why the deploy would apply nothing (drift, missing files)

    def to_json(self) -> dict[str, object]:
        return {
            "target": self.target,
            "lock_timeout": self.lock_timeout,
            "lock_retries": self.lock_retries,
            "refused": self.refused,
            "migrations": [s.to_json() for s in self.steps],
        }


def build(
    config: Config,
    production: Connection,
    target: str,
    local: list[ParsedMigration],
    *,
    pg_bin: str | None = None,
    sample: int = SAMPLE_ROWS,
) -> DeployRehearsal:
    """The plan for the pending migrations, read from production and rehearsed elsewhere."""
    settings = engine.Settings.of(config, throwaway=True)
    found = DeployRehearsal(target, config.lock_timeout, config.lock_retries)
    plan = MigrationPlan.build(local, history.recorded(production))
    try:
        plan.verify(include_all=False)
    except SchemagateError as exc:
        found.refused = exc.reason
    recorded = {r.version for r in plan.recorded}
    of = replica.shape(production)
    applied = [p for p in local if p.migration.version in recorded]
    with replica.replica(config, of, applied, pg_bin) as (_, conn, _):
        for parsed in plan.pending:
            found.steps.append(_step(conn, production, parsed, settings, of.supabase, sample, config))
    return found


def _sizes(production: Connection, tables: list[str]) -> dict[str, tuple[int | None, int | None]]:
    """Each table's rows and bytes in production: the planner's estimate, or, where there is none
    or it says empty (never analyzed since its rows came), a count of at most COUNTED_AT_MOST."""
    found: dict[str, tuple[int | None, int | None]] = {}
    for table, estimate, size in production.execute(_SIZES, (tables,)).fetchall():
        rows = int(str(estimate))
        if rows <= 0:
            rows = _counted(production, str(table))
        found[str(table)] = (rows, int(str(size)))
    return found


def _counted(production: Connection, table: str) -> int:
    # `table` is the catalog's own format('%s.%I') of the name: quoted where it needs to be
    query = f"SELECT count(*) FROM (SELECT FROM {table} LIMIT %s) AS counted"
    row = production.execute(query.encode(), (COUNTED_AT_MOST,)).fetchone()
    return int(str(row[0])) if row else 0


def _step(
    conn: Connection,
    production: Connection,
    parsed: ParsedMigration,
    settings: engine.Settings,
    supabase: bool,
    sample: int,
    config: Config,
) -> RehearsalStep:
    step = RehearsalStep(parsed.migration.filename, parsed.transactional)
    named = retries.tables(parsed)
    sizes = _sizes(production, named)
    halves = _fill(conn, step, sizes, sample, half=True)
    half_s = _rehearsed(conn, parsed, settings, supabase) if halves and parsed.transactional else None
    samples = _fill(conn, step, sizes, sample, half=False)
    locks: list[observed.Lock] = []
    before = observed.relfilenodes(conn)
    began = time.monotonic()
    try:
        watch = lambda c: locks.extend(observed.held_locks(c))  # noqa: E731 - read inside its transaction
        engine.run_file(conn, parsed, settings, shim=supabase, observe=watch)
    except SchemagateError as exc:
        step.note = f"it does not run on the throwaway database: {exc.reason}"
        step.risk, step.why = "unknown", "the migration failed on the throwaway database"
        return step
    step.measured_s = time.monotonic() - began
    after = observed.relfilenodes(conn)
    indexed = _indexed(parsed)
    strongest: dict[str, observed.Lock] = {}
    for lock in locks:
        if lock.table.split(".", 1)[0] in _CATALOGS:
            continue  # the lock query's own
        held = strongest.get(lock.table)
        if held is None or _STRENGTH.index(lock.mode) > _STRENGTH.index(held.mode):
            strongest[lock.table] = lock
    for table in sorted(set(strongest) | indexed | set(sizes)):
        held = strongest.get(table)
        oid = held.oid if held else -1
        rewritten = oid in before and oid in after and before[oid] != after[oid]
        rows, size = sizes.get(table, (None, None))
        mode = held.mode if held else None
        step.tables.append(Table(table, mode, rewritten, table in indexed, rows, size, samples.get(table, 0)))
    step.half_s = half_s
    _estimate(step, config, half_s)
    return step


def _fill(
    conn: Connection,
    step: RehearsalStep,
    sizes: dict[str, tuple[int | None, int | None]],
    sample: int,
    *,
    half: bool,
) -> dict[str, int]:
    """Synthetic rows for each table the migration names that production has rows in: half the
    sample first (for the rehearsal), then all of it. The rows each table then has."""
    filled = {}
    for table, (rows, _) in sizes.items():
        there = _count(conn, table)
        if not rows or there is None:
            continue
        wanted = min(rows, sample) // (2 if half else 1)
        if half and there > wanted:
            # an earlier step filled it past half the sample: a "half" timing here would be a
            # second full one, and the line through two equal points is noise times the rows
            continue
        why_not = synthetic.fill(conn, table, wanted - there) if there < wanted else None
        if why_not:
            step.note = f"{table}: {why_not}"
        else:
            filled[table] = max(there, wanted)  # an earlier step may have filled it already
    return filled


def _rehearsed(
    conn: Connection, parsed: ParsedMigration, settings: engine.Settings, supabase: bool
) -> float | None:
    """The migration's time at half the sample, in a transaction that is rolled back: with the
    full sample's time, two points of a line, whose slope is the cost per row and whose start is
    the fixed cost a plain ratio would scale up too."""
    began = time.monotonic()
    try:
        with replay.rolled_back(conn, settings):
            replay.execute_each(conn, parsed, shim=supabase)
    except SchemagateError:
        return None
    return time.monotonic() - began


def _count(conn: Connection, table: str) -> int | None:
    """Rows the throwaway table has (an earlier step may have given it some); None: no table."""
    found = conn.execute(b"SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
    if not (found and found[0]):
        return None
    row = conn.execute(f"SELECT count(*) FROM {table}".encode()).fetchone()
    return int(str(row[0])) if row else 0


def _indexed(parsed: ParsedMigration) -> set[str]:
    return {relation(s.node.get("relation")) for s in parsed.body if s.node_type == "IndexStmt"}


def _estimate(step: RehearsalStep, config: Config, half_s: float | None) -> None:
    """Production's time: the line through the half and full sample's times, at production's rows
    (the busiest table's), or the full sample's time scaled by the rows when there is one point;
    then what that means for traffic on the tables it locks."""
    heavy = [t for t in step.tables if (t.rewrite or t.index) and t.rows and t.sample_rows]
    busiest = max(heavy, key=lambda t: (t.rows or 0) / t.sample_rows, default=None)
    if busiest is None or not busiest.rows or busiest.rows <= busiest.sample_rows:
        step.estimate_s = step.measured_s
    elif half_s is not None and step.measured_s > half_s:
        per_row = (step.measured_s - half_s) / (busiest.sample_rows - busiest.sample_rows // 2)
        step.estimate_s = step.measured_s + per_row * (busiest.rows - busiest.sample_rows)
    else:
        step.estimate_s = step.measured_s * busiest.rows / busiest.sample_rows
    exclusive = [t for t in step.tables if t.lock == "AccessExclusiveLock" and t.rows]
    writes = {"ShareLock", "ShareRowExclusiveLock", "ExclusiveLock"}
    blocking = [t for t in step.tables if t.lock in writes and t.rows]
    if exclusive:
        names = ", ".join(t.table for t in exclusive)
        big = any(t.rows and t.rows >= 1_000_000 for t in exclusive)
        step.risk = "high" if step.estimate_s >= 1 or big else "medium"
        step.why = (
            f"holds ACCESS EXCLUSIVE on {names} for about {step.estimate_s:.2g} s: every read and write "
            f"there waits, and it waits up to lock_timeout {config.lock_timeout} behind any running "
            f"query ({config.lock_retries} retries)"
        )
    elif blocking:
        names = ", ".join(t.table for t in blocking)
        step.risk = "medium" if step.estimate_s >= 1 else "low"
        step.why = f"blocks writes to {names} for about {step.estimate_s:.2g} s (reads go on)"
    else:
        step.why = "takes no lock that blocks reads or writes on a table with rows"
