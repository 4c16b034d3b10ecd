"""Make a vanilla PostgreSQL database look like a hosted Supabase project.

The shim is SQL, one file per room of a project (roles, extensions, auth, storage, realtime,
webhooks, supautils' rules), run in the order of their names by a superuser. Each file is
idempotent, so a database that already has part of it can take it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources

import psycopg
from psycopg import sql

from schemagate.database.server.hardening import reserve_server_access
from schemagate.database.server.hosted import ALLOWED_SETTING_FAMILIES, ALLOWED_SETTINGS
from schemagate.statements.sql import ParsedMigration, settings_altered

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


def role_settings(migrations: Iterable[ParsedMigration]) -> frozenset[str]:
    """The settings of a family supautils lets postgres set (`pgrst.*`, `plan_filter.*`) that the
    migrations set with ALTER ROLE ... SET: supautils runs that as its superuser (supabase/supautils
    src/supautils.c, T_AlterRoleSetStmt, matching `pgrst.*` as a prefix in src/utils.c).
    PostgreSQL grants SET on a parameter by name only, so the shim grants these names, the ones the
    project uses. Not those it also sets with ALTER DATABASE ... SET: supautils lifts no ALTER
    DATABASE, and PostgreSQL refuses a setting of a module it does not know to all but a superuser,
    so hosted refuses that statement, and so must the grant-less throwaway database."""
    found = list(migrations)
    named = settings_altered(found, "AlterRoleSetStmt") - settings_altered(found, "AlterDatabaseSetStmt")
    return frozenset(n for n in named if any(n.startswith(family) for family in ALLOWED_SETTING_FAMILIES))


def grant_role_settings(conn: psycopg.Connection[tuple[object, ...]], names: Iterable[str]) -> None:
    """Let postgres ALTER ROLE ... SET these (role_settings' names); a superuser's connection."""
    grant = sql.SQL("GRANT SET ON PARAMETER {} TO {}")
    for name in sorted(names):
        conn.execute(grant.format(sql.Identifier(name), sql.Identifier(MIGRATION_ROLE)))
