"""Load supabase/seed.sql into a throwaway database, as `supabase db reset` does after the
migrations, so a migration that breaks the seed fails the check."""

from __future__ import annotations

import time
from pathlib import Path

from schemagate.database.apply.engine import Progress, Settings, duration, run_file, validate
from schemagate.database.connection import Connection
from schemagate.files.migrations import read_migration
from schemagate.repofiles import SEED_LIMIT
from schemagate.statements.sql import parse


def seed(conn: Connection, path: Path, settings: Settings, progress: Progress, *, shim: bool) -> None:
    migration = read_migration(path, "0", "seed", SEED_LIMIT, advice="")
    parsed = parse(migration)
    validate(parsed, allow_splits=settings.allow_splits)
    began = time.monotonic()
    run_file(conn, parsed, settings, shim=shim)  # a failure names seed.sql and its line
    progress(f"seeded {path.name} ({duration(time.monotonic() - began)})")
