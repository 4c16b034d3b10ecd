"""Open connections that are safe for poolers and never leak the password in an error."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import psycopg
from psycopg import generators
from psycopg.abc import PQGen
from psycopg.pq import ExecStatus
from psycopg.pq.abc import PGconn, PGresult

from schemagate import secrets
from schemagate.errors import ConnectionFailure, InputError

Connection = psycopg.Connection[tuple[object, ...]]
APPLICATION_NAME = "schemagate"
POOLER_PORT = 6543


@dataclass(frozen=True)
class Target:
    """Where a URL points, for messages: never the password."""

    host: str
    port: int | None
    database: str

    @classmethod
    def of(cls, url: str) -> Target:
        if "://" not in url:
            return cls("", None, "")
        validate_url(url)  # else a badly encoded password is read, in part, as a host
        # only what follows the last @: whatever the password holds (# ? : too), none of it is here
        scheme, _, host = secrets.split_url(url)
        try:
            parts = urlsplit(f"{scheme}://{host}")
            port = parts.port
        except ValueError:
            return cls("", None, "")
        return cls(parts.hostname or "", port, parts.path.lstrip("/"))

    @property
    def pooled(self) -> bool:
        """Supavisor/PgBouncer in transaction mode: sessions do not survive a transaction."""
        return self.port == POOLER_PORT or "pgbouncer" in self.host

    def __str__(self) -> str:
        where = f"{self.host}:{self.port}" if self.port else self.host or "the database"
        return f"{where}/{self.database}" if self.database else where


@dataclass
class Link:
    """An open connection and where it goes: what the database side needs to know of a target
    (a pooler, say) travels with the connection instead of beside it."""

    conn: Connection
    target: Target

    @property
    def pooled(self) -> bool:
        return self.target.pooled


@contextlib.contextmanager
def link(url: str, *, timeout_s: int = 10) -> Iterator[Link]:
    with connect(url, timeout_s=timeout_s) as conn:
        yield Link(conn, Target.of(url))


def validate_url(url: str) -> None:
    """A URL whose password has an unencoded @ or / is cut in the wrong place by libpq (at the first
    @ or /), which then prints part of the password as a host or a database name: refuse it, saying
    nothing of it. An @ after the host (in the query, say) is as ambiguous, and refused alike."""
    if "://" not in url:
        return
    info = secrets.split_url(url)[1]
    if info is not None and ":" in info and ("@" in info or "/" in info):
        raise InputError(
            "the database URL holds an @ or / that is not percent-encoded, in the password or after "
            "the host: encode special characters in it (@ as %40, / as %2F, : as %3A, # as %23)"
        )


# schemagate's own queries: pg_catalog first, pg_temp named (so searched last, not first), no
# schema a migration can create objects in; see engine.take_back
OWN_PATH = "pg_catalog, pg_temp"
OWN_SEARCH_PATH = f"SET search_path = {OWN_PATH}".encode()
OWN_SEARCH_PATH_LOCAL = f"SET LOCAL search_path = {OWN_PATH}".encode()


@contextlib.contextmanager
def own_search_path(conn: Connection) -> Iterator[None]:
    """Queries whose text depends on the search_path (how a type, a function or a default
    is spelled) read the same whatever path the session had, and run no migration's operator;
    the session's own path comes back afterwards."""
    row = conn.execute(b"SELECT pg_catalog.current_setting('search_path')").fetchone()
    conn.execute(OWN_SEARCH_PATH)
    try:
        yield
    finally:
        path = str(row[0]) if row else ""
        conn.execute(b"SELECT pg_catalog.set_config('search_path', %s, false)", (path,))


def connect(url: str, *, timeout_s: int = 10, own: bool = False) -> Connection:
    """Autocommit, no server-side prepared statements (transaction poolers cannot keep them).
    `own`: a session that runs only schemagate's queries, whatever search_path a migration gave
    the database (`ALTER DATABASE … SET search_path`) or its role."""
    secrets.register_url(url)
    validate_url(url)
    try:
        psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        raise InputError(
            "the database URL is not a connection string: postgresql://user:password@host:port/database"
        ) from None
    try:
        conn = psycopg.connect(
            url,
            autocommit=True,
            prepare_threshold=None,
            connect_timeout=timeout_s,
            application_name=APPLICATION_NAME,
        )
        if own:
            conn.execute(OWN_SEARCH_PATH)
        return conn
    except psycopg.Error as exc:
        raise describe_failure(url, exc) from None
    except Exception as exc:  # malformed URLs surface as ProgrammingError/ValueError
        raise ConnectionFailure(f"invalid database URL: {secrets.redact(str(exc))}") from None


RowHandler = Callable[[list[bytes | None]], None]  # a row's values as the server sent them (text)


def run_streaming(conn: Connection, query: bytes, each: RowHandler | None = None) -> None:
    """Run `query` (one statement or several, sent as conn.execute sends them) and read the rows it
    returns one at a time as they arrive (libpq's single-row mode), handing each to `each` (its
    values as text) or dropping it. conn.execute has libpq read a whole result before psycopg sees a
    row, and the pull request's `select repeat('x', 1000) from generate_series(1, 1e8)` is 100 GB.
    A server's error is raised as conn.execute raises it; when `each` raises, the statement is
    cancelled and the exception passes on once the server is done. COPY to the client is read and
    dropped, COPY from it ends at once with the server's error (nothing here sends rows)."""
    pgconn = conn.pgconn
    failure: BaseException | None = None
    with conn.lock:
        pgconn.send_query(query)
        pgconn.set_single_row_mode()
        conn.wait(generators.send(pgconn))
        while (res := _next_result(conn, failure)) is not None:
            status = res.status
            if status == ExecStatus.COPY_OUT:
                conn.wait(_copy_dropped(pgconn))
            elif status in (ExecStatus.COPY_IN, ExecStatus.COPY_BOTH):
                while not pgconn.put_copy_end(b"COPY FROM STDIN has no data here"):
                    conn.wait(generators.send(pgconn))
                conn.wait(generators.send(pgconn))
            elif failure is not None:
                continue  # the rest of the answer, until the server is ready again
            elif status == ExecStatus.FATAL_ERROR:
                failure = psycopg.errors.error_from_result(res, encoding=conn.info.encoding)
            elif status == ExecStatus.SINGLE_TUPLE and each is not None:
                try:
                    each([res.get_value(0, column) for column in range(res.nfields)])
                except Exception as exc:  # raised below, once the server is done
                    failure = exc
                    conn.cancel_safe()
    if failure is not None:
        raise failure


def _next_result(conn: Connection, failure: BaseException | None) -> PGresult | None:
    """The next result of the query; None at its end, or when the server closed the connection
    after an error it sent (a FATAL one: that error is the one to raise, as psycopg raises it)."""
    try:
        result: PGresult | None = conn.wait(generators.fetch(conn.pgconn))
    except psycopg.DatabaseError:
        if isinstance(failure, psycopg.Error):
            return None
        raise
    return result


def _copy_dropped(pgconn: PGconn) -> PQGen[None]:
    """Read a COPY to the client to its end, keeping nothing, waiting without blocking."""
    while (size := pgconn.get_copy_data(1)[0]) >= 0:
        if size == 0:  # nothing yet
            while not (yield generators.WAIT_R):
                continue
            pgconn.consume_input()


def reopen(lost: Connection, *, timeout_s: int = 10) -> Connection:
    """A new connection to where a lost one went, with its parameters and password: to look at
    what it left behind. psycopg errors pass through: the caller knows what not reaching it means."""
    conninfo = lost.info.dsn  # all but the password
    if lost.info.password:
        conninfo = psycopg.conninfo.make_conninfo(conninfo, password=lost.info.password)
    return psycopg.connect(
        conninfo,
        autocommit=True,
        prepare_threshold=None,
        connect_timeout=timeout_s,
        application_name=APPLICATION_NAME,
    )


def _ipv6_only(host: str) -> bool:
    try:
        families = {info[0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return families == {socket.AF_INET6}


def describe_failure(url: str, exc: BaseException) -> ConnectionFailure:
    """What failed and where, and the fix as its hint when we know it."""
    target = Target.of(url)
    lines = [line.strip() for line in secrets.redact(str(exc)).splitlines() if line.strip()]
    detail = lines[-1] if lines else type(exc).__name__
    for line in lines:
        if "FATAL" in line or "failed" in line:
            detail = line.split("FATAL:", 1)[-1].strip()
            break
    lowered = " ".join(lines).lower()
    unreachable = "network is unreachable" in lowered or "cannot assign requested address" in lowered
    hint = None
    if unreachable and (target.host.startswith("db.") or _ipv6_only(target.host)):
        hint = (
            "this host is IPv6-only and this network has no IPv6; use the Supabase pooler URL "
            "instead (Project Settings > Database > Connection pooling, …pooler.supabase.com:6543 or :5432)"
        )
    elif "password authentication failed" in lowered:
        hint = "check the password in the database URL secret"
    elif "tenant or user not found" in lowered:
        # Supavisor finds the project by the user name: postgres.<project-ref>, not postgres
        hint = (
            "the Supabase pooler needs the user as postgres.<project-ref>: copy the URL from the "
            "dashboard's Connect > Session pooler"
        )
    return ConnectionFailure(f"cannot connect to {target}: {detail}", hint=hint)


def check_writable(link: Link) -> None:
    row = link.conn.execute(
        "SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only')"
    ).fetchone()
    assert row is not None
    in_recovery, read_only = row
    if in_recovery:
        raise ConnectionFailure(f"{link.target} is a read-only standby; point at the primary")
    if read_only == "on":
        raise ConnectionFailure(f"{link.target} is read-only (default_transaction_read_only = on)")
