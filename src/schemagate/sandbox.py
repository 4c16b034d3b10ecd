"""A database prepared like production: a throwaway server, or the one a workflow names (a
`services:` container), with the Supabase shim when asked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from schemagate import emptiness
from schemagate.connection import Connection, connect
from schemagate.postgres import binaries, extensions, shim
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
def prepared(
    *,
    supabase: bool,
    url: str | None = None,
    pg_bin: str | None = None,
    major: int | None = None,
    wants: frozenset[tuple[str, str | None]] = frozenset(),
) -> Iterator[Sandbox]:
    """The database a check or a local run applies to: the one at `url`, given the shim when it
    has no auth schema yet, else a throwaway server (see throwaway)."""
    if url is None:
        with throwaway(supabase=supabase, pg_bin=pg_bin, major=major, wants=wants) as box:
            yield box
        return
    with connect(url) as conn:
        emptiness.refuse_unless_empty(conn)  # before the shim or the PR's SQL touches it
        version = conn.execute(b"SHOW server_version").fetchone()
        has_auth = conn.execute(b"SELECT to_regnamespace('auth') IS NOT NULL").fetchone()
        if supabase and not (has_auth and has_auth[0]):
            shim.install(conn)
        notes = _superuser_note(conn)
    yield Sandbox(
        url,
        url,
        str(version[0]) if version else "?",
        "check-database-url",
        0.0,
        supabase,
        notes=notes,
        named=True,
    )


def _superuser_note(conn: Connection) -> tuple[str, ...]:
    """A named database's role that is a superuser runs the PR's SQL with every right on that server."""
    row = conn.execute(b"SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    if not (row and row[1]):
        return ()
    return (
        f"the PR's SQL runs as superuser {row[0]} in the database check-database-url names "
        "(server files and programs within its reach); give it a role that is not a superuser",
    )


@contextmanager
def throwaway(
    *,
    supabase: bool,
    pg_bin: str | None = None,
    major: int | None = None,
    wants: frozenset[tuple[str, str | None]] = frozenset(),
) -> Iterator[Sandbox]:
    """Start a server, prepare it, and remove it however the block ends.

    `wants` are the extensions the migrations create, with the version each asks for: of the
    installed servers, the one that has all of them (real or stand-in) and is nearest to `major`
    runs.
    """
    needs = frozenset(name for name, _ in wants)
    pins = frozenset((name, version) for name, version in wants if version)
    found = binaries.find(pg_bin, major=major, lacks=lambda b: extensions.shortfall(b.bindir, needs))
    superuser = BOOTSTRAP_SUPERUSER if supabase else "postgres"
    with EphemeralPostgres(found, superuser=superuser, supabase=supabase, pins=pins) as server:
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
            notes=tuple(n for n in (_substitution(major, found, needs), *server.notes) if n),
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
