"""Load the seed files ([db.seed] sql_paths, else supabase/seed.sql) into a throwaway database,
as `supabase db reset` does after the migrations, so a migration that breaks a seed fails the check."""

from __future__ import annotations

import time
from pathlib import Path

from schemagate.database import Progress
from schemagate.database.apply.engine import Settings, duration, run_file, validate
from schemagate.database.connection import Connection
from schemagate.files.migrations import read_migration
from schemagate.repofiles import SEED_LIMIT
from schemagate.statements.sql import parse


def seed(
    conn: Connection,
    path: Path,
    settings: Settings,
    progress: Progress,
    *,
    shim: bool,
    root: Path | None = None,
) -> None:
    """One seed file; `root` is the checkout its path may not leave (sql_paths come from the
    pull request too)."""
    migration = read_migration(path, "0", "seed", SEED_LIMIT, root=root, advice="")
    parsed = parse(migration)
    validate(parsed, allow_splits=settings.allow_splits)
    began = time.monotonic()
    run_file(conn, parsed, settings, shim=shim)  # a failure names seed.sql and its line
    progress(f"seeded {path.name} ({duration(time.monotonic() - began)})")
