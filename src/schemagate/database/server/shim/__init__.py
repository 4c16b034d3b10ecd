"""Make a vanilla PostgreSQL database look like a hosted Supabase project.

The shim is SQL, one file per room of a project (roles, extensions, auth, storage, realtime,
webhooks, supautils' rules), run in the order of their names by a superuser. Each file is
idempotent, so a database that already has part of it can take it again.
"""

from __future__ import annotations

from importlib import resources

import psycopg

from schemagate.database.server.hardening import reserve_server_access
from schemagate.supabase import ALLOWED_SETTINGS

SHIM_VERSION = 5
# The role hosted Supabase runs migrations as: no superuser, exactly these attributes.
MIGRATION_ROLE = "postgres"


def shim_sql() -> str:
    files = sorted(
        (f for f in resources.files("schemagate.database.server.shim").iterdir() if f.name.endswith(".sql")),
        key=lambda f: f.name,
    )
    return "\n".join(f.read_text("utf-8") for f in files)


def install(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """Install the shim into the connected database; the connection must be a superuser's."""
    allowed = ",".join(sorted(ALLOWED_SETTINGS))
    conn.execute("SELECT set_config('schemagate.allowed_settings', %s, false)", (allowed,))
    conn.execute(shim_sql().encode())
    conn.execute(b"RESET schemagate.allowed_settings")
    reserve_server_access(conn)
