"""What keeps a pull request's SQL inside the throwaway database: the role migrations run as has no
route to a superuser's rights, with the Supabase shim or without it.

A superuser of the throwaway server can run programs and read files as the server's OS user (COPY
... TO PROGRAM, pg_read_file), which on a runner means the checkout, its token and the job's other
secrets. So a migration never runs as one, and nothing a migration can do may make it one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `schemagate lint` imports this module and should start without psycopg
    import psycopg

    Connection = psycopg.Connection[tuple[object, ...]]

# The predefined roles that reach the server's OS: run programs, read and write its files.
# PostgreSQL 15 lets any CREATEROLE role grant them (16 asks for ADMIN OPTION); hosted Supabase's
# supautils refuses that (reserved_memberships), and so does the throwaway server: marked as
# superuser roles, they can be granted by a superuser only, on every major. Being NOLOGIN roles
# with no members, the mark gives nobody anything.
SERVER_ACCESS_ROLES = ("pg_execute_server_program", "pg_read_server_files", "pg_write_server_files")

# How a plain PostgreSQL project's migrations run: as the database's owner, which is no superuser,
# like the master user of RDS or Cloud SQL (CREATEDB, CREATEROLE; trusted extensions only).
PLAIN_OWNER = "postgres"


def reserve_server_access(conn: Connection) -> None:
    """Only a superuser may grant the server-access roles, and nobody else holds them. Needs a
    superuser's connection."""
    conn.execute(
        b"UPDATE pg_catalog.pg_authid SET rolsuper = true WHERE rolname = ANY(%s) AND NOT rolsuper",
        (list(SERVER_ACCESS_ROLES),),
    )
    held = conn.execute(
        b"SELECT g.rolname, m.rolname FROM pg_catalog.pg_auth_members a "
        b"JOIN pg_catalog.pg_roles g ON g.oid = a.roleid JOIN pg_catalog.pg_roles m ON m.oid = a.member "
        b"WHERE g.rolname = ANY(%s) AND NOT m.rolsuper",
        (list(SERVER_ACCESS_ROLES),),
    ).fetchall()
    for granted, member in held:
        conn.execute(f'REVOKE "{granted}" FROM "{member}" CASCADE'.encode())


def make_plain_owner(conn: Connection) -> None:
    """The connected database owned by PLAIN_OWNER, a login role without superuser. Needs a
    superuser's connection."""
    conn.execute(
        b"DO $plain$ BEGIN "
        b"IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'postgres') THEN "
        b"CREATE ROLE postgres LOGIN CREATEDB CREATEROLE; END IF; END $plain$"
    )
    database = conn.execute(b"SELECT current_database()").fetchone()
    name = str(database[0]) if database else "postgres"
    conn.execute(f'ALTER DATABASE "{name}" OWNER TO {PLAIN_OWNER}'.encode())
    # pg_dump's output sets it, and RDS lets its master user do the same
    conn.execute(f"GRANT SET ON PARAMETER session_replication_role TO {PLAIN_OWNER}".encode())
    reserve_server_access(conn)


def hide_process_environment() -> None:
    """Make this process's /proc files (environ, mem) unreadable to other processes of the same OS
    user. Run as a non-root user, the throwaway server is that user too; the job's token and
    database URLs sit in our environment. Linux's PR_SET_DUMPABLE; elsewhere nothing to do."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name or not hasattr(ctypes, "CDLL"):
        return
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        return


_PR_SET_DUMPABLE = 4
