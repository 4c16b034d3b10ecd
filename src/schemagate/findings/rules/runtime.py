"""Rules proven by running: apply, locks and rewrites observed, idempotency, the round trip."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from schemagate.errors import InputError, SchemagateError, Unverified
from schemagate.findings import Finding, rule

APPLY_FAILED = rule(
    "apply-failed",
    "error",
    "applies",
    "Applies on a fresh Supabase-like database",
    "If it fails here, on a throwaway copy of the whole history, it fails in production.",
    "-- run `schemagate check` locally, fix the statement at the reported line, repeat",
    bad="insert into public.missing (id) values (1);",
    good=(
        "create table if not exists public.present (id bigint primary key);\n"
        "insert into public.present (id) values (1);"
    ),
)
INVALID_MIGRATION_FILE = rule(
    "invalid-migration-file",
    "error",
    "applies",
    "Readable, parseable migration files",
    "The file cannot be read or parsed, so no tool can apply it.",
    "-- fix the file name, encoding or syntax error at the reported line",
    bad="selec 1;",
    good="select 1;",
)
COULD_NOT_VERIFY = rule(
    "could-not-verify",
    "warning",
    "applies",
    "Verified on a database like hosted Supabase",
    "The throwaway database could not give hosted Supabase's verdict on this migration or seed: an "
    "extension hosted offers has no build here, or a stand-in cannot honour the call. That is a gap "
    "of the check's, not a fault of the project's, so it does not fail the build unless the project "
    "asks (`could-not-verify: error`); what it stopped at, and everything after it, is unverified.",
    "-- run the check on a server that has the extension\n"
    "-- (docs/throwaway-database.md lists which extensions are real where)",
    scenario=(
        "A migration creates pg_hashids and a trigger that calls id_encode(); the seed inserts a row. "
        "The throwaway server has no pg_hashids build, only a stand-in that computes no hashids: the "
        "seed could not be verified, and the report says so instead of blaming the seed."
    ),
)
SEED_FAILED = rule(
    "seed-failed",
    "error",
    "applies",
    "supabase/seed.sql still loads",
    "Local development and preview branches load seed.sql after the migrations; a migration that "
    "breaks it breaks everyone's `supabase db reset`.",
    "-- update supabase/seed.sql in the same change",
    scenario=(
        "A migration renames public.profiles.name to full_name; supabase/seed.sql still inserts "
        "into name, and `supabase db reset` fails for everyone."
    ),
)
NOT_IDEMPOTENT = rule(
    "not-idempotent",
    "warning",  # a convention: the CLI records what it applied and runs each migration once
    "idempotent",
    "Runs twice without error",
    "Run a second time (in a transaction that was rolled back) the migration failed: a retried or "
    "half-applied deploy would need manual repair.",
    "CREATE TABLE IF NOT EXISTS ...;\nALTER TABLE ... ADD COLUMN IF NOT EXISTS ...;\n"
    'DROP POLICY IF EXISTS "p" ON t; CREATE POLICY "p" ON t ...;',
    bad=(
        "create table if not exists public.t (id int);\n"
        "alter table public.t add constraint t_positive check (id > 0);"
    ),
    good=(
        "create table if not exists public.t (id int);\n"
        "alter table public.t drop constraint if exists t_positive;\n"
        "alter table public.t add constraint t_positive check (id > 0);"
    ),
)
TABLE_REWRITE = rule(
    "table-rewrite",
    "warning",
    "safety",
    "No table rewrites on existing tables",
    "The migration rewrote a table that already existed (observed: its file node changed) while "
    "holding ACCESS EXCLUSIVE: reads and writes wait for the whole copy.",
    "-- add the column without a volatile default, backfill in batches, then add the constraint\n"
    "ALTER TABLE public.orders ADD COLUMN IF NOT EXISTS status text;",
    bad="alter table public.orders add column if not exists token uuid default gen_random_uuid();",
    good="alter table public.orders add column if not exists note text;",
    before="create table if not exists public.orders (id bigint primary key);",
)
ACCESS_EXCLUSIVE_LOCK = rule(
    "access-exclusive-lock",
    "info",
    "safety",
    "Locks taken on existing tables",
    "ACCESS EXCLUSIVE blocks every read and write on the table until the migration commits; "
    "with lock_timeout set, a busy table makes the deploy fail rather than queue traffic.",
    "-- keep such statements short, and alone in their migration",
    bad="alter table public.orders add column if not exists note text;",
    good="select count(*) from public.orders;",
    before="create table if not exists public.orders (id bigint primary key);",
)
ROUND_TRIP_FAILED = rule(
    "round-trip-failed",
    "error",
    "rollback",
    "up → down → up restores the schema",
    "The reviewed down migration must undo the up migration exactly, or a rollback leaves "
    "production in a state no file describes.",
    "-- undo every statement of the up migration, newest first, in supabase/rollbacks/<file>",
    scenario=(
        "supabase/rollbacks/20251201000000_add_orders.sql drops the table but not the enum type "
        "the migration created: up -> down leaves the type behind."
    ),
)
NO_DOWN_MIGRATION = rule(
    "no-down-migration",
    "info",
    "rollback",
    "A reviewed down migration exists",
    "Without supabase/rollbacks/<file>, `schemagate rollback` refuses to roll this migration back. "
    "The report carries a draft written from the parse tree, proven on the throwaway database "
    "when it is complete.",
    "-- review the draft in the report, then commit it as supabase/rollbacks/<same file name>",
    scenario=(
        "supabase/migrations/20251201000000_add_orders.sql has no "
        "supabase/rollbacks/20251201000000_add_orders.sql; the report carries a draft written "
        "from the parse tree."
    ),
)
INVALID_DIRECTIVE = rule(
    "invalid-directive",
    "error",
    "safety",
    "schemagate comments are well-formed",
    "An ignore without a reason hides a finding with no record of why.",
    "-- schemagate: ignore rls-disabled -- lookup table, public by design",
    bad=(
        "-- schemagate: ignore rls-disabled\n"
        "create table if not exists public.countries (code text primary key);"
    ),
    good=(
        "-- schemagate: ignore rls-disabled -- lookup table, public by design\n"
        "create table if not exists public.countries (code text primary key);"
    ),
)

if TYPE_CHECKING:
    from schemagate.database.apply.observed import Lock
    from schemagate.files.migrations import Migration
    from schemagate.statements.sql import ParsedMigration


def locks_and_rewrites(
    parsed: ParsedMigration, locks: list[Lock], before: dict[int, int], after: dict[int, int]
) -> list[Finding]:
    """ACCESS EXCLUSIVE on tables that existed before the migration, and rewrites of those that
    still exist after it; a table the migration made (or dropped and made again) is neither."""
    findings = []
    held = {lk for lk in locks if lk.mode == "AccessExclusiveLock" and lk.oid in before}
    for lock in sorted(held, key=lambda lk: lk.table):
        rewritten = lock.oid in after and after[lock.oid] != before[lock.oid]
        rule = TABLE_REWRITE if rewritten else ACCESS_EXCLUSIVE_LOCK
        suffix = ", rewrites it" if rewritten else ""
        message = f"takes ACCESS EXCLUSIVE on {lock.table}{suffix}"
        findings.append(Finding(rule, message, parsed.migration.path))
    return findings


def stopped(cause: str, path: Path | None) -> Finding:
    """A limit stopped the run on this file: the migration, as far as anyone knows, failed."""
    return Finding(APPLY_FAILED, cause, path)


def apply_failure(exc: SchemagateError, path: Path, new: bool) -> Finding:
    """A migration that did not apply. A merged one whose file cannot be read is an invalid file,
    not a failure of the change; one whose outcome the server never said could not be verified."""
    made = APPLY_FAILED if new or not isinstance(exc, InputError) else INVALID_MIGRATION_FILE
    if isinstance(exc, Unverified):
        made = COULD_NOT_VERIFY
    # PostgreSQL's DETAIL names the key or row ("Key (id)=(…) is not present"): the report shows it
    return Finding(made, exc.reason, exc.path or path, exc.line, detail=exc.detail)


def seed_failure(exc: SchemagateError) -> Finding:
    made = COULD_NOT_VERIFY if isinstance(exc, Unverified) else SEED_FAILED
    return Finding(made, exc.reason, exc.path, exc.line, detail=exc.detail)


def no_down(migration: Migration, rollbacks_dir: Path) -> Finding:
    """A new transactional migration without a reviewed down file beside the others."""
    return Finding(
        NO_DOWN_MIGRATION,
        f"no reviewed down migration {(rollbacks_dir / migration.filename).as_posix()}; "
        f"`schemagate check --drafts {rollbacks_dir.as_posix()}` writes the "
        "report's draft there to review (the Action's is in .schemagate/drafts/)",
        migration.path,
    )


def invalid_directive(problem: str, path: Path, line: int) -> Finding:
    """A `-- schemagate:` comment that does not say what it means (an ignore without a reason)."""
    return Finding(INVALID_DIRECTIVE, problem, path, line)


def invalid_file(exc: InputError) -> Finding:
    """A file that cannot be read or parsed: the whole report of the run that met it."""
    return Finding(INVALID_MIGRATION_FILE, exc.message, exc.path, exc.line)


def round_trip_broken(
    problem: str, path: Path | None, line: int | None, detail: str | None = None
) -> Finding:
    """A down migration that fails, or does not restore the schema, or after which the up
    migration does not give the same schema again."""
    return Finding(ROUND_TRIP_FAILED, problem, path, line, detail=detail)


def not_idempotent(problem: str, path: Path | None, line: int | None) -> Finding:
    """A statement whose second run, in a transaction rolled back, fails."""
    return Finding(NOT_IDEMPOTENT, problem, path, line)
