"""The check's limits, enforced from outside the sessions the PR's SQL runs in.

A server-side statement_timeout is not enough: a migration can `SET statement_timeout = 0` and a
plpgsql block can catch `query_canceled` and loop on. A thread with a connection of its own polls
pg_stat_activity and ends, with pg_terminate_backend (which nothing can catch), every backend of the
run that has been on one statement longer than check_statement_timeout, and every backend of the
run once the whole check is past check_timeout or its databases take more than check_disk_limit
(a table or a temp table filled from generate_series; temp_file_limit counts neither). The check
then reads `cause` to say why.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from types import TracebackType

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from schemagate.bounds import Limits
from schemagate.database.connection import Connection, connect
from schemagate.errors import SchemagateError

# every other session of the run (and its parallel workers), not the server's own processes
# (an autovacuum worker is not the PR's): the database's on a server the workflow runs, the
# server's on our own
_OVERDUE = b"""
SELECT pid FROM pg_stat_activity
 WHERE pid <> pg_backend_pid()
   AND (%(whole_server)s OR datname = current_database())
   AND (backend_type = 'client backend' OR leader_pid IS NOT NULL)
   AND (%(all)s OR (state = 'active'
        AND query_start < clock_timestamp() - make_interval(secs => %(limit)s)))
"""


# what the run's databases take on disk, temp tables included (their files live there too)
_SIZE = b"""
SELECT coalesce(sum(pg_database_size(oid)), 0) FROM pg_database
 WHERE datallowconn AND (%(whole_server)s OR datname = current_database())
"""


# What a database's owner may give every session in it (ALTER DATABASE … SET), and the pull
# request's SQL owns the throwaway server's: a role that can end nothing, or a timeout that ends
# the watchdog's own queries or session. Startup options outrank a database's settings.
_SESSION_OPTIONS = (
    "-c role=none -c statement_timeout=0 -c lock_timeout=0 -c idle_session_timeout=0"
    " -c idle_in_transaction_session_timeout=0"
)
_SESSION_OPTIONS_17 = " -c transaction_timeout=0"  # a setting PostgreSQL 16 and older refuse


class LimitReached(SchemagateError):
    """The check was stopped at one of its limits; the message says which."""


class Watchdog:
    """`with Watchdog(url, limits, began, whole_server=...) as dog:` watches while the block runs.

    `url` must be able to end the run's backends: a superuser's on a throwaway server, the run's own
    role on a database a workflow names. `began` is when the check started (time.monotonic()).
    """

    def __init__(self, url: str, limits: Limits, began: float, *, whole_server: bool) -> None:
        self.url = url
        self.limits = limits
        self.deadline = began + limits.check_s
        self.whole_server = whole_server
        self.cause: str | None = None  # set once by the thread, before it ends anything
        self.ended: list[int] = []  # the backends it ended, for tests and logs
        self._stop = threading.Event()
        self._wake = threading.Event()  # stop, or let go of the session: now, not at the next poll
        self._away = threading.Event()  # asked to hold no session (released())
        self._gone = threading.Event()  # holds none
        self._thread = threading.Thread(target=self._watch, name="schemagate-watchdog", daemon=True)
        self._poll_s = min(1.0, max(0.05, limits.statement_s / 5))
        self._major_17 = False  # the server has transaction_timeout: learnt at the first connection

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    @contextlib.contextmanager
    def released(self) -> Iterator[None]:
        """No session of the watchdog's while the block runs: a database someone is connected to
        cannot be copied (the pgTAP files' copies of the throwaway server's `postgres`). Nothing of
        the pull request's runs meanwhile; the watch resumes after."""
        if not self._thread.is_alive():
            yield
            return
        self._gone.clear()
        self._away.set()
        self._wake.set()
        self._gone.wait(timeout=10)
        try:
            yield
        finally:
            self._away.clear()
            self._wake.set()

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def checkpoint(self) -> None:
        """Between steps: go no further once a limit stopped the run, or the check is past its own."""
        if self.expired:
            self.cause = self.cause or self.limits.check_cause
        if self.cause:
            raise LimitReached(self.cause)

    def overran(self, sqlstate: str | None, seconds: float) -> None:
        """A statement the server cancelled at its statement_timeout after the check's limit: the
        first line held (see engine.Settings.of), and the run stops as if the watchdog had ended it."""
        if sqlstate == "57014" and seconds >= self.limits.statement_s and self.cause is None:
            self.cause = self.limits.statement_cause

    # the thread ----------------------------------------------------------------------------------
    def _watch(self) -> None:
        conn: Connection | None = None
        try:
            while not self._nap(0 if conn is None and not self._away.is_set() else self._poll_s):
                if self._away.is_set():
                    if conn is not None:
                        conn.close()
                        conn = None
                    self._gone.set()
                    continue
                conn = conn if conn is not None and not conn.closed else self._connect()
                if conn is not None:
                    self._sweep(conn)
        finally:
            if conn is not None:
                conn.close()

    def _nap(self, seconds: float) -> bool:
        """Wait for the next round; True once stopped."""
        self._wake.wait(seconds)
        self._wake.clear()
        return self._stop.is_set()

    def _connect(self) -> Connection | None:
        try:
            conn = connect(self._session_url(), own=True)  # as a superuser: no migration's search_path
            if not self._major_17 and conn.info.server_version >= 170000:
                self._major_17 = True
                conn.close()
                conn = connect(self._session_url(), own=True)
            return conn
        except SchemagateError:
            self._stop.wait(self._poll_s)  # the database went away: the run will say so
            return None

    def _session_url(self) -> str:
        """The URL with options that undo the database's settings for this session."""
        given = str(conninfo_to_dict(self.url).get("options") or "")
        ours = _SESSION_OPTIONS + (_SESSION_OPTIONS_17 if self._major_17 else "")
        return make_conninfo(self.url, options=f"{given} {ours}".strip())

    def _sweep(self, conn: Connection) -> None:
        expired = self.expired
        params = {"whole_server": self.whole_server, "all": expired, "limit": self.limits.statement_s}
        try:
            size = conn.execute(_SIZE, params).fetchone()
            full = size is not None and int(str(size[0])) > self.limits.disk_bytes
            params["all"] = expired or full
            pids = [int(str(row[0])) for row in conn.execute(_OVERDUE, params).fetchall()]
        except psycopg.Error:
            conn.close()  # reconnect on the next round
            return
        if full and self.cause is None:
            self.cause = self.limits.disk_cause  # and the next checkpoint stops the run
        if pids and self.cause is None:
            self.cause = self.limits.check_cause if expired else self.limits.statement_cause
        for pid in pids:
            with contextlib.suppress(psycopg.Error):  # gone already, or not ours to end
                conn.execute(b"SELECT pg_terminate_backend(%s)", (pid,))
                self.ended.append(pid)
