"""Make a vanilla PostgreSQL database look like a hosted Supabase project."""

from __future__ import annotations

from importlib import resources

import psycopg

SHIM_VERSION = 2
# The role hosted Supabase runs migrations as: no superuser, exactly these attributes.
MIGRATION_ROLE = "postgres"


def shim_sql() -> str:
    return resources.files("schemagate.postgres.shim").joinpath("supabase.sql").read_text("utf-8")


def install(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """Install the shim into the connected database; the connection must be a superuser's."""
    conn.execute(shim_sql().encode())
