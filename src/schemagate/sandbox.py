"""A throwaway database prepared like production: a new server, the Supabase shim when asked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from schemagate.postgres import binaries, shim
from schemagate.postgres.ephemeral import EphemeralPostgres

BOOTSTRAP_SUPERUSER = "supabase_admin"


@dataclass(frozen=True)
class Sandbox:
    url: str  # where migrations run: as `postgres`, a non-superuser in shim mode
    admin_url: str
    server_version: str
    source: str
    startup_seconds: float
    shim: bool


@contextmanager
def throwaway(*, supabase: bool, pg_bin: str | None = None, major: int | None = None) -> Iterator[Sandbox]:
    """Start a server, prepare it, and remove it however the block ends."""
    found = binaries.find(pg_bin, major=major)
    superuser = BOOTSTRAP_SUPERUSER if supabase else "postgres"
    with EphemeralPostgres(found, superuser=superuser, supabase=supabase) as server:
        if supabase:
            with server.connect() as conn:
                shim.install(conn)
        yield Sandbox(
            url=server.url(user=shim.MIGRATION_ROLE),
            admin_url=server.url(),
            server_version=server.version,
            source=found.source,
            startup_seconds=server.startup_seconds,
            shim=supabase,
        )
