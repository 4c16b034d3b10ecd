"""A database prepared like production: a throwaway server, or the one a workflow names (a
`services:` container), with the Supabase shim when asked."""

from __future__ import annotations

import secrets as secrets_module
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from schemagate import secrets as redaction
from schemagate.database.connection import Connection, connect
from schemagate.database.server import binaries, emptiness, extensions, hardening, shim
from schemagate.database.server.ephemeral import EphemeralPostgres
from schemagate.errors import InputError

BOOTSTRAP_SUPERUSER = "supabase_admin"
# A plain project's cluster: its superuser is nobody the project's SQL knows
PLAIN_SUPERUSER = "schemagate_admin"
AS_SUPERUSER_NOTE = (
    "the migrations ran as a superuser (superuser: true in the config): a superuser can run "
    "programs and read files as the throwaway server's OS user, so only a trusted branch should "
    "be checked this way"
)


@dataclass(frozen=True)
class Sandbox:
    url: str  # where migrations run: as `postgres`, a non-superuser unless `superuser` was asked
    admin_url: str
    server_version: str
    source: str
    startup_seconds: float
    shim: bool
    # what differs from what was asked: another major, another version of an extension
    notes: tuple[str, ...] = ()
    named: bool = False  # the workflow's database (check-database-url), not a throwaway one

    @property
    def server(self) -> str:
        """The server, as a report names it."""
        where = "check-database-url" if self.named else self.source
        return f"PostgreSQL {self.server_version} ({where})"

    @property
    def banner(self) -> str:
        """What a command says once the database is ready."""
        if self.named:
            return f"{self.server}" + (", Supabase shim" if self.shim else "")
        return f"{self.server} ready in {self.startup_seconds:.1f} s" + (
            ", Supabase shim" if self.shim else ""
        )


@contextmanager
def beside(box: Sandbox, name: str) -> Iterator[str]:
    """An empty database named `name` beside the check's, shaped the same way (the shim when the
    check has it), as the migration role's URL; dropped afterwards, and first if a killed run
    left one behind."""
    with connect(box.admin_url) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())
        admin.execute(f"CREATE DATABASE {name}".encode())
    try:
        if box.shim:
            with connect(make_conninfo(box.admin_url, dbname=name)) as conn:
                shim.install(conn)
        yield make_conninfo(box.url, dbname=name)
    finally:
        with connect(box.admin_url) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())


@contextmanager
def prepared(
    *,
    supabase: bool,
    url: str | None = None,
    pg_bin: str | None = None,
    major: int | None = None,
    wants: frozenset[tuple[str, str | None]] = frozenset(),
    superuser: bool = False,
) -> Iterator[Sandbox]:
    """The database a check or a local run applies to: the one at `url`, given the shim when it
    has no auth schema yet, else a throwaway server (see throwaway)."""
    if url is None:
        with throwaway(
            supabase=supabase, pg_bin=pg_bin, major=major, wants=wants, superuser=superuser
        ) as box:
            yield box
        return
    with connect(url) as conn:
        emptiness.refuse_unless_empty(conn)  # before the shim or the PR's SQL touches it
        version = conn.execute(b"SHOW server_version").fetchone()
        has_auth = conn.execute(b"SELECT to_regnamespace('auth') IS NOT NULL").fetchone()
        install = supabase and not (has_auth and has_auth[0])
        as_role = _named_migration_role(conn, shim_on=supabase, superuser=superuser)
        if install:
            shim.install(conn)
        migrations_url = _login_as(conn, url, as_role) if as_role else url
    yield Sandbox(
        migrations_url,
        url,
        str(version[0]) if version else "?",
        "check-database-url",
        0.0,
        supabase,
        notes=(_superuser_note(url),) if superuser and not as_role and _is_superuser(url) else (),
        named=True,
    )


def _is_superuser(url: str) -> bool:
    with connect(url) as conn:
        row = conn.execute(b"SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    return bool(row and row[0])


def _named_migration_role(conn: Connection, *, shim_on: bool, superuser: bool) -> str | None:
    """Who runs the migrations in a database the workflow names, when not the URL's own role: a
    superuser's URL runs them as `postgres` (no superuser there, as the shim makes it), or is
    refused, unless the project declared that its migrations need a superuser."""
    row = conn.execute(
        b"SELECT current_user, r.rolsuper, (SELECT rolsuper FROM pg_roles WHERE rolname = 'postgres') "
        b"FROM pg_roles r WHERE r.rolname = current_user"
    ).fetchone()
    if row is None or not row[1] or superuser:
        return None
    user, postgres_is_superuser = str(row[0]), row[2]
    if shim_on and user != shim.MIGRATION_ROLE and not postgres_is_superuser:
        return shim.MIGRATION_ROLE
    raise InputError(
        f"check-database-url connects as {user}, a superuser, and the pull request's SQL would run "
        "with a superuser's rights on that server (its programs and files): use a role that is no "
        "superuser, or Supabase's own image (supabase/postgres), where postgres is none, or say "
        "superuser: true in the config if the migrations need one"
    )


def _login_as(conn: Connection, url: str, role: str) -> str:
    """A URL that logs in as `role`, with a password made for this run (the database is a
    throwaway the workflow started: nothing else logs in as that role)."""
    password = secrets_module.token_urlsafe(24)
    redaction.register(password)
    conn.execute(
        sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(password))
    )
    return make_conninfo(url, user=role, password=password)


def _superuser_note(url: str) -> str:
    """A named database's role that is a superuser runs the PR's SQL with every right on that server."""
    return (
        f"the PR's SQL runs as a superuser ({conninfo_to_dict(url).get('user') or 'the URL’s user'}) "
        "in the database check-database-url names, as the config's superuser: true asks: server "
        "files and programs are within its reach"
    )


@contextmanager
def throwaway(
    *,
    supabase: bool,
    pg_bin: str | None = None,
    major: int | None = None,
    wants: frozenset[tuple[str, str | None]] = frozenset(),
    superuser: bool = False,
) -> Iterator[Sandbox]:
    """Start a server, prepare it, and remove it however the block ends.

    `wants` are the extensions the migrations create, with the version each asks for: of the
    installed servers, the one that has all of them (real or stand-in) and is nearest to `major`
    runs. Migrations run as `postgres`, no superuser (hardening), unless `superuser` is asked.
    """
    needs = frozenset(name for name, _ in wants)
    pins = frozenset((name, version) for name, version in wants if version)
    found = binaries.find(pg_bin, major=major, lacks=lambda b: extensions.shortfall(b.bindir, needs))
    bootstrap = BOOTSTRAP_SUPERUSER if supabase else PLAIN_SUPERUSER
    with EphemeralPostgres(found, superuser=bootstrap, supabase=supabase, pins=pins) as server:
        with server.connect() as conn:
            if supabase:
                shim.install(conn)
            else:
                hardening.make_plain_owner(conn)
        server.require_password()
        notes = (_substitution(major, found, needs), *server.notes, AS_SUPERUSER_NOTE if superuser else None)
        yield Sandbox(
            url=server.url() if superuser else server.url(user=shim.MIGRATION_ROLE),
            admin_url=server.url(),
            server_version=server.version,
            source=found.source,
            startup_seconds=server.startup_seconds,
            shim=supabase,
            notes=tuple(n for n in notes if n),
        )


def _substitution(major: int | None, found: binaries.PgBinaries, needs: frozenset[str]) -> str | None:
    """What to say when the server that runs is not the major that was asked for."""
    if major is None or found.major == major:
        return None
    asked = f"PostgreSQL {major} was asked for (postgres-version or supabase/config.toml)"
    nearest = binaries.find(major=major)
    if nearest.bindir != found.bindir:
        missing = sorted(needs - extensions.available(nearest.bindir))
        partial = sorted((needs & extensions.PARTIAL) - extensions.real(nearest.bindir))
        why = [f"lacks {', '.join(missing)}"] if missing else []
        why += [f"has only a stand-in for {', '.join(partial)}"] if partial else []
        return (
            f"{asked}; the nearest server here, {nearest.version} ({nearest.source}), "
            f"{' and '.join(why)}, so this ran on {found.version} ({found.source})"
        )
    return (
        f"{asked} but is not installed here; this ran on the nearest installed major, "
        f"{found.version} ({found.source})"
    )
