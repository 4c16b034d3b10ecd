"""The throwaway server's superusers log in only with a password made for the run: whatever route
a pull request's SQL finds back to the server (a foreign server, dblink, an extension of the
future) arrives as a login that cannot become a superuser."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from schemagate.database.server import sandbox
from schemagate.secrets import redact

LOOPBACK = """
create extension if not exists postgres_fdw;
create foreign data wrapper hole handler postgres_fdw_handler;  -- no validator: a hole, on purpose
create server back foreign data wrapper hole options (host '127.0.0.1', port '{port}', dbname 'postgres');
create user mapping for public server back options (user '{superuser}', password_required 'false');
create foreign table public.who (usename name) server back
  options (schema_name 'pg_catalog', table_name 'pg_user');
grant select on public.who to public;
"""


def _without_password(url: str) -> str:
    info = conninfo_to_dict(url)
    info.pop("password", None)
    return make_conninfo("", **info)


@pytest.mark.parametrize("supabase", [True, False], ids=["supabase", "plain"])
def test_the_superuser_needs_the_runs_password_and_the_migration_role_does_not(supabase: bool) -> None:
    with sandbox.throwaway(supabase=supabase) as box:
        with psycopg.connect(box.admin_url) as conn:
            assert conn.execute(b"SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (
                True,
            )
        with psycopg.connect(box.url) as conn:  # the migration role, as before
            conn.execute(b"SELECT 1")
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(_without_password(box.admin_url))
        assert "***" in redact(box.admin_url), "the run's password is a registered secret"


def test_a_loopback_that_skips_its_password_check_cannot_log_in_as_the_superuser() -> None:
    """Even with the wrapper's own guard gone (a mapping that says password_required false), the
    server refuses the superuser's login that the migration role's query would open."""
    with sandbox.throwaway(supabase=False) as box:
        info = conninfo_to_dict(box.admin_url)
        with psycopg.connect(box.admin_url, autocommit=True) as admin:
            admin.execute(LOOPBACK.format(port=info["port"], superuser=info["user"]).encode())
        with psycopg.connect(box.url) as conn, pytest.raises(psycopg.Error, match="password"):
            conn.execute(b"SELECT usename FROM public.who").fetchall()
