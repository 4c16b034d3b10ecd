"""File rules: names, order and immutability, from the files and git alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from schemagate.errors import SchemagateError
from schemagate.files.changes import BaseFile, Changes
from schemagate.files.migrations import EXPECTED, Migration, version_order
from schemagate.findings import Finding, Severity, rule
from schemagate.statements.sql import normalize, parse

SKIPPED_MIGRATION_FILE = rule(
    "skipped-migration-file",
    "warning",
    "name",
    "Every .sql file in migrations/ is a migration",
    "The Supabase CLI applies only files named `<digits>_<name>.sql` and skips the rest with a "
    "notice, so this file never reaches any database: a data script or draft left here is dead code that "
    "looks alive.",
    "-- give it a timestamped name with `schemagate new NAME`, or move it out of supabase/migrations\n"
    "-- (seed data belongs in supabase/seed.sql)",
    scenario=(
        "supabase/migrations/seed.sql: not named <digits>_<name>.sql, so `supabase db push` prints "
        '"Skipping migration seed.sql..." and no database ever runs it.'
    ),
)

TIMESTAMPED_FILE_NAME = rule(
    "timestamped-file-name",
    "warning",
    "name",
    "File name starts with a timestamp",
    "The convention `YYYYMMDDHHMMSS_name.sql` (what `supabase migration new` writes) keeps versions "
    "unique across branches and makes their order the order they were written; small integers "
    "collide between branches.",
    "-- rename the file with `schemagate new NAME`, e.g.\n-- 20251120170000_add_user_preferences.sql",
    scenario=(
        "supabase/migrations/2_add_users.sql: version 2 is not a YYYYMMDDHHMMSS timestamp, and "
        "another branch's 2_… collides with it."
    ),
)
OUT_OF_ORDER_VERSION = rule(
    "out-of-order-version",
    "error",
    "name",
    "Version newer than every merged migration",
    "The Supabase CLI skips a pending version older than the newest applied one "
    "(`supabase db push` refuses it without --include-all), so production would never get it.",
    "-- give the file a newer timestamp than the base branch's newest migration",
    scenario=(
        "The base branch's newest migration is 20251201000000_b.sql and the pull request adds "
        "20251115000000_a.sql (written earlier, merged later): `supabase db push` skips it on a "
        "database that already has 20251201000000."
    ),
)
EDITED_MERGED_MIGRATION = rule(
    "edited-merged-migration",
    "error",
    "history",
    "Merged migrations are not edited",
    "A merged migration has already run in production; editing it changes nothing there and "
    "makes every environment disagree (a merged migration is immutable). An edit of comments or "
    "layout alone is an info: the statements are still those production ran.",
    "-- restore the file, and put the change in a new migration:\n-- schemagate new fix_previous_change",
    scenario=(
        "A pull request changes a line of supabase/migrations/20250101000000_create_orders.sql, "
        "which the base branch has: production ran the old text, so the edit reaches no database "
        "that already has it."
    ),
)
DELETED_MERGED_MIGRATION = rule(
    "deleted-merged-migration",
    "error",
    "history",
    "Merged migrations are not deleted",
    "Production recorded this version; without its file the history has a hole, and deploys stop on drift.",
    "-- restore the file; undo its effect with a new migration instead",
    scenario=(
        "A pull request deletes supabase/migrations/20250101000000_create_orders.sql, which the "
        "base branch has: production recorded that version, and the next deploy stops on the "
        "missing file."
    ),
)


def _is_timestamp(version: str) -> bool:
    if len(version) != 14:  # the file name's pattern already made it all digits
        return False
    v = version
    try:  # strptime would be several times slower per file
        datetime(int(v[0:4]), int(v[4:6]), int(v[6:8]), int(v[8:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return False
    return True


def check(new: list[Migration], changes: Changes, root: Path, skipped: Sequence[Path] = ()) -> list[Finding]:
    findings = [
        Finding(SKIPPED_MIGRATION_FILE, f"{path.name} is skipped: {EXPECTED}", path, None)
        for path in skipped
        if changes.is_added(path)
    ]
    for migration in new:
        if not _is_timestamp(migration.version):
            findings.append(
                Finding(
                    TIMESTAMPED_FILE_NAME,
                    f"{migration.filename}: version {migration.version} is not a YYYYMMDDHHMMSS timestamp",
                    migration.path,
                    1,
                )
            )
        if changes.base_newest is not None and migration.order <= version_order(changes.base_newest):
            findings.append(
                Finding(
                    OUT_OF_ORDER_VERSION,
                    f"{migration.filename}: version {migration.version} is not newer than "
                    f"the base branch's newest migration ({changes.base_newest})",
                    migration.path,
                    1,
                )
            )
    for migration, before in changes.edited:
        findings.append(_edited(migration, before))
    for gone in changes.deleted:
        findings.append(
            Finding(
                DELETED_MERGED_MIGRATION,
                f"{Path(gone.path).name} was merged already and is deleted in this change",
                root / gone.path,
                None,
            )
        )
    return findings


def _edited(migration: Migration, before: BaseFile) -> Finding:
    """An edit of a merged file: an error, or an info when its statements are still those
    production ran."""
    if _statements_unchanged(migration, before):
        said = "only its comments or layout changed in this change, so production's history still matches it"
        return Finding(
            EDITED_MERGED_MIGRATION,
            f"{migration.filename} was merged already; {said}",
            migration.path,
            1,
            severity=Severity.INFO,
        )
    message = f"{migration.filename} was merged already and is edited in this change"
    return Finding(EDITED_MERGED_MIGRATION, message, migration.path, 1)


def _statements_unchanged(migration: Migration, before: BaseFile) -> bool:
    """Whether an edit of a merged file left its statements as production ran them (comments and
    whitespace aside, as `apply` compares them with the history)."""
    try:
        merged = replace(migration, text=before.content.decode("utf-8").removeprefix("\ufeff"))
        return normalize(parse(merged).history_statements) == normalize(parse(migration).history_statements)
    except (UnicodeDecodeError, SchemagateError):  # unreadable or unparsable: an edit like any other
        return False
