"""history.py and postgres/hardening.py against a real PostgreSQL: the CLI's table and our audit row
by row, the lock and who holds it, and the roles a migration may never reach. The database-backed
part of mutation testing (`python tools/mutation.py --slow`) runs this file against every mutant, so
it starts one small server of its own (well under a second) instead of the suite's Supabase one."""

from __future__ import annotations

import ctypes
import getpass
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import psycopg
import pytest

from schemagate.database import history
from schemagate.database.connection import Connection, Link, Target
from schemagate.database.server import binaries, hardening
from schemagate.database.server.ephemeral import EphemeralPostgres
from schemagate.errors import ConnectionFailure, LockTimeout

SERVER_ACCESS = ("pg_execute_server_program", "pg_read_server_files", "pg_write_server_files")
ADMIN = "supabase_admin"  # not `postgres`: make_plain_owner() creates that role itself
CONTEXT = history.RunContext(applied_by="ci", approver="rev", run_url="https://x/run/1", reason="why")


@pytest.fixture(scope="module")
def pg() -> Iterator[EphemeralPostgres]:
    with EphemeralPostgres(binaries.find(), superuser=ADMIN) as server:
        yield server


@pytest.fixture
def conn(pg: EphemeralPostgres) -> Iterator[Connection]:
    """A connection to a fresh database, in UTC so that times print the same everywhere."""
    with pg.connect() as admin:
        admin.execute("DROP DATABASE IF EXISTS guards WITH (FORCE)")
        admin.execute("CREATE DATABASE guards TEMPLATE template0")
    with pg.connect("guards") as connection:
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute("SET statement_timeout = '20s'")  # a lock that is never given up fails the test
        yield connection


class Recording:
    """A real connection that also notes each statement it is sent, for the statements' exact text."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sent: list[bytes] = []

    def execute(self, query: bytes, params: Any = None) -> psycopg.Cursor[tuple[object, ...]]:
        self.sent.append(query)
        return self.conn.execute(query, params)

    def transaction(self) -> AbstractContextManager[psycopg.Transaction]:
        return self.conn.transaction()


def scalar(conn: Connection, sql: str, *params: object) -> object:
    row = conn.execute(sql.encode(), params or None).fetchone()
    return row[0] if row else None


def advisory_locks(conn: Connection) -> list[tuple[object, ...]]:
    return conn.execute(
        "SELECT pid, classid, objid, objsubid FROM pg_locks "
        "WHERE locktype = 'advisory' AND granted ORDER BY pid"
    ).fetchall()


def audit(conn: Connection) -> list[tuple[object, ...]]:
    return conn.execute(
        "SELECT version, name, action, sha256, down_sha256, duration_ms, applied_by, approver, run_url, "
        f"reason FROM {history.AUDIT} ORDER BY id"
    ).fetchall()


# the run's context ---------------------------------------------------------------------------
def test_the_local_context_names_the_actor_or_the_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTOR", "octocat")
    assert history.RunContext.local() == history.RunContext(applied_by="octocat")
    monkeypatch.setenv("GITHUB_ACTOR", "")
    assert history.RunContext.local().applied_by == getpass.getuser()
    monkeypatch.delenv("GITHUB_ACTOR")
    assert history.RunContext.local().applied_by == getpass.getuser()


def test_a_login_that_cannot_be_found_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    def nobody() -> str:
        raise KeyError("no passwd entry")

    monkeypatch.setattr(getpass, "getuser", nobody)
    assert history._login() == "unknown"


# the tables ----------------------------------------------------------------------------------
def test_ensure_creates_the_cli_s_table_and_the_audit_and_leaves_the_session_as_it_was(
    conn: Connection,
) -> None:
    assert not history.exists(conn)
    conn.execute("SET lock_timeout = '7s'")
    history.ensure(conn)
    history.ensure(conn)  # twice is fine: every statement is IF NOT EXISTS
    assert history.exists(conn)
    columns = conn.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'supabase_migrations' ORDER BY table_name, ordinal_position"
    ).fetchall()
    assert [c for c in columns if c[0] == "schema_migrations"] == [
        ("schema_migrations", "version", "text", "NO"),
        ("schema_migrations", "statements", "ARRAY", "YES"),
        ("schema_migrations", "name", "text", "YES"),
    ]
    assert [c[1] for c in columns if c[0] == "schemagate_audit"] == [
        "id", "version", "name", "action", "sha256", "down_sha256", "at", "duration_ms", "applied_by",
        "approver", "run_url", "reason",
    ]  # fmt: skip
    assert scalar(conn, "SHOW lock_timeout") == "0"  # reset, not left at the CLI's 4s
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(f"INSERT INTO {history.AUDIT} (version, action) VALUES ('1', 'other')")
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_ensure_waits_for_the_migration_lock(conn: Connection, pg: EphemeralPostgres) -> None:
    """Two first runs at once serialise on the lock instead of racing on CREATE … IF NOT EXISTS."""
    with pg.connect("guards") as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", history.LOCK_KEY)
        conn.execute("SET lock_timeout = '100ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            history.ensure(conn)
    assert not history.exists(conn)


def test_ensure_sends_the_cli_s_statements_in_the_cli_s_order(conn: Connection) -> None:
    recording = Recording(conn)
    history.ensure(recording)  # type: ignore[arg-type]
    assert recording.sent[:6] == [
        b"SELECT pg_advisory_xact_lock(%s, %s)",
        b"SET lock_timeout = '4s'",
        b"CREATE SCHEMA IF NOT EXISTS supabase_migrations",
        b"CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations "
        b"(version text NOT NULL PRIMARY KEY)",
        b"ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS statements text[]",
        b"ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS name text",
    ]
    assert recording.sent[6:] == [
        history._CREATE_AUDIT.encode(),
        b"SET LOCAL lock_timeout = DEFAULT",
        b"RESET lock_timeout",
    ]


def test_recorded_is_every_row_in_version_order_with_when_schemagate_applied_it(conn: Connection) -> None:
    assert history.recorded(conn) == []
    conn.execute(
        "CREATE SCHEMA supabase_migrations; CREATE TABLE supabase_migrations.schema_migrations "
        "(version text PRIMARY KEY, statements text[], name text)"
    )
    conn.execute(
        f"INSERT INTO {history.TABLE} VALUES ('10', '{{a,b}}', 'ten'), ('9', NULL, NULL), ('x', '{{}}', 'x')"
    )
    assert history.recorded(conn) == [  # without our audit table: no times; as the files sort
        history.Recorded("x", "x", ()),
        history.Recorded("10", "ten", ("a", "b")),
        history.Recorded("9", "", ()),
    ]
    history.ensure(conn)
    conn.execute(
        f"INSERT INTO {history.AUDIT} (version, action, at) VALUES ('10', 'apply', '2025-01-01'), "
        "('10', 'apply', '2025-03-01'), ('10', 'rollback', '2025-06-01'), ('9', 'rollback', '2025-06-01')"
    )
    found = {r.version: r.applied_at for r in history.recorded(conn)}
    assert found == {"x": None, "9": None, "10": datetime.fromisoformat("2025-03-01T00:00:00+00:00")}


def test_insert_writes_the_cli_s_row_and_our_audit_row(conn: Connection) -> None:
    history.ensure(conn)
    history.insert(
        conn, version="1", name="one", statements=["a", "b"], sha256="s", duration_ms=7, context=CONTEXT,
        down_sha256="d",
    )  # fmt: skip
    history.insert(conn, version="2", name="two", statements=[], sha256="t", duration_ms=0, context=CONTEXT)
    assert conn.execute(f"SELECT * FROM {history.TABLE} ORDER BY version").fetchall() == [
        ("1", ["a", "b"], "one"),
        ("2", [], "two"),
    ]
    assert audit(conn) == [
        ("1", "one", "apply", "s", "d", 7, "ci", "rev", "https://x/run/1", "why"),
        ("2", "two", "apply", "t", None, 0, "ci", "rev", "https://x/run/1", "why"),
    ]
    assert history.is_recorded(conn, "1") and not history.is_recorded(conn, "3")


def test_delete_removes_the_row_and_audits_the_rollback_of_a_row_that_was_there(conn: Connection) -> None:
    history.ensure(conn)
    history.insert(conn, version="1", name="one", statements=[], sha256="s", duration_ms=1, context=CONTEXT)
    history.delete(conn, version="1", name="one", down_sha256="d", duration_ms=5, context=CONTEXT)
    history.delete(conn, version="9", name="nine", down_sha256="d", duration_ms=5, context=CONTEXT)
    assert not history.is_recorded(conn, "1")
    assert audit(conn)[1:] == [("1", "one", "rollback", None, "d", 5, "ci", "rev", "https://x/run/1", "why")]


def test_down_checksums_are_the_last_apply_s_per_version(conn: Connection) -> None:
    assert history.down_checksums(conn) == {}
    history.ensure(conn)
    for version, down in (("1", "old"), ("1", "new"), ("2", None), ("3", "three"), ("3", "")):
        history.insert(
            conn, version=version, name="n", statements=[], sha256="s", duration_ms=1, context=CONTEXT,
            down_sha256=down,
        )  # fmt: skip
        history.repair_reverted(conn, version)
    history.delete(conn, version="1", name="n", down_sha256="rolled", duration_ms=1, context=CONTEXT)
    conn.execute(f"INSERT INTO {history.AUDIT} (version, action, down_sha256) VALUES ('1', 'rollback', 'r')")
    assert history.down_checksums(conn) == {"1": "new", "2": None, "3": None}


def test_repair_applied_inserts_or_replaces_the_row(conn: Connection) -> None:
    history.ensure(conn)
    history.repair_applied(conn, "1", "one", ["a"])
    history.repair_applied(conn, "1", "uno", ["b", "c"])
    history.repair_applied(conn, "2", "two", [])
    assert conn.execute(f"SELECT * FROM {history.TABLE} ORDER BY version").fetchall() == [
        ("1", ["b", "c"], "uno"),
        ("2", [], "two"),
    ]
    assert audit(conn) == []  # a repair is the CLI's, not an apply of ours
    assert history.repair_reverted(conn, "1") is True
    assert history.repair_reverted(conn, "1") is False
    assert not history.is_recorded(conn, "1") and history.is_recorded(conn, "2")


# the lock ------------------------------------------------------------------------------------
def _link(conn: Connection, port: int) -> Link:
    return Link(conn, Target("127.0.0.1", port, "guards"))


def test_locked_holds_the_session_lock_for_the_block_and_releases_it(conn: Connection) -> None:
    pid = conn.info.backend_pid
    with history.locked(_link(conn, 5432), 1.0):
        assert advisory_locks(conn) == [(pid, 0x5347, 1, 2)]
    assert advisory_locks(conn) == []
    with pytest.raises(RuntimeError), history.locked(_link(conn, 5432), 1.0):
        raise RuntimeError("a failed migration")
    assert advisory_locks(conn) == []


def test_locked_through_a_pooler_takes_no_session_lock(conn: Connection) -> None:
    with history.locked(_link(conn, 6543), 1.0):
        assert advisory_locks(conn) == []


def test_locked_refuses_a_read_only_database(conn: Connection) -> None:
    conn.execute("SET default_transaction_read_only = on")
    with pytest.raises(ConnectionFailure), history.locked(_link(conn, 5432), 1.0):
        pytest.fail("a read-only database is never locked and migrated")
    assert advisory_locks(conn) == []


def test_locked_survives_a_lost_session(conn: Connection, pg: EphemeralPostgres) -> None:
    """A lost session has released its lock with itself: the block's end raises nothing more."""
    lost = pg.connect("guards")
    with history.locked(_link(lost, 5432), 1.0):
        lost.close()
    dropped = pg.connect("guards")
    with history.locked(_link(dropped, 5432), 1.0):
        conn.execute("SELECT pg_terminate_backend(%s)", (dropped.info.backend_pid,))
    assert advisory_locks(conn) == []


def test_acquire_lock_sends_the_wait_as_a_lock_timeout_and_resets_it(conn: Connection) -> None:
    recording = Recording(conn)
    history.acquire_lock(recording, 2.5)  # type: ignore[arg-type]
    assert recording.sent == [
        b"SET lock_timeout = '2500ms'",
        b"SELECT pg_advisory_lock(%s, %s)",
        b"RESET lock_timeout",
    ]
    assert advisory_locks(conn) == [(conn.info.backend_pid, 0x5347, 1, 2)]
    history.release_lock(conn)
    assert advisory_locks(conn) == []


def test_a_held_lock_names_its_holder_and_the_wait(conn: Connection, pg: EphemeralPostgres) -> None:
    with psycopg.connect(pg.url(ADMIN, "guards"), autocommit=True, application_name="other-run") as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", history.LOCK_KEY)
        pid = other.info.backend_pid
        since = scalar(conn, "SELECT backend_start FROM pg_stat_activity WHERE pid = %s", pid)
        assert isinstance(since, datetime)
        with pytest.raises(LockTimeout) as caught:
            history.acquire_lock(conn, 0.2)
    assert caught.value.message == (
        f"another schemagate run holds the migration lock (pid {pid}, other-run, "
        f"connected since {since:%Y-%m-%d %H:%M:%S} UTC); waited 0.2s (raise --lock-wait to wait longer)"
    )
    assert scalar(conn, "SHOW lock_timeout") == "0"


def test_the_holder_without_a_name_or_hidden_from_us(conn: Connection, pg: EphemeralPostgres) -> None:
    assert history._holder(conn) == ""
    conn.execute("CREATE ROLE outsider LOGIN")
    with psycopg.connect(pg.url(ADMIN, "guards"), autocommit=True, application_name="") as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", history.LOCK_KEY)
        pid = other.info.backend_pid
        since = scalar(conn, "SELECT backend_start FROM pg_stat_activity WHERE pid = %s", pid)
        assert history._holder(conn) == f" (pid {pid}, connected since {since:%Y-%m-%d %H:%M:%S %Z})"
        with psycopg.connect(pg.url("outsider", "guards"), autocommit=True) as outsider:
            assert history._holder(outsider) == f" (pid {pid})"  # another role's session shows no more
        other.execute("SELECT pg_advisory_unlock(%s, %s)", history.LOCK_KEY)
        other.execute("SELECT pg_advisory_lock(%s, %s)", (history.LOCK_KEY[0], 2))  # not ours
        assert history._holder(conn) == ""


def test_the_lock_in_a_transaction_ends_with_it(conn: Connection) -> None:
    with conn.transaction():
        history.lock_in_transaction(conn)
        assert advisory_locks(conn) == [(conn.info.backend_pid, 0x5347, 1, 2)]
    assert advisory_locks(conn) == []


# hardening -----------------------------------------------------------------------------------
@pytest.fixture
def cluster() -> Iterator[EphemeralPostgres]:
    """Roles belong to the whole cluster: a server of its own for each test that changes them."""
    with EphemeralPostgres(binaries.find(), superuser=ADMIN) as server:
        yield server


def _members(conn: Connection) -> set[tuple[str, str]]:
    rows = conn.execute(
        "SELECT g.rolname, m.rolname FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid "
        "JOIN pg_roles m ON m.oid = a.member WHERE g.rolname LIKE 'pg\\_%\\_server\\_%'"
    ).fetchall()
    return {(str(g), str(m)) for g, m in rows}


def _supers(conn: Connection) -> dict[str, bool]:
    rows = conn.execute(
        "SELECT rolname, rolsuper FROM pg_roles WHERE rolname = ANY(%s)",
        (list(hardening.SERVER_ACCESS_ROLES),),
    )
    return {str(n): bool(s) for n, s in rows.fetchall()}


def test_server_access_is_reserved_for_superusers(cluster: EphemeralPostgres) -> None:
    with cluster.connect() as conn:
        conn.execute('CREATE ROLE "Alice" LOGIN CREATEROLE; CREATE ROLE bob; CREATE ROLE boss SUPERUSER')
        conn.execute('GRANT pg_read_server_files TO "Alice" WITH ADMIN OPTION')
        conn.execute("GRANT pg_execute_server_program, pg_write_server_files TO boss")
        conn.execute('SET ROLE "Alice"; GRANT pg_read_server_files TO bob; RESET ROLE')
        assert _supers(conn) == dict.fromkeys(SERVER_ACCESS, False)
        hardening.reserve_server_access(conn)
        assert _supers(conn) == dict.fromkeys(SERVER_ACCESS, True)
        assert _members(conn) == {("pg_execute_server_program", "boss"), ("pg_write_server_files", "boss")}
        hardening.reserve_server_access(conn)  # again: nothing left to do, and no error
        assert _members(conn) == {("pg_execute_server_program", "boss"), ("pg_write_server_files", "boss")}


def test_a_plain_project_s_database_is_owned_by_a_login_without_superuser(cluster: EphemeralPostgres) -> None:
    with cluster.connect() as admin:
        admin.execute('CREATE DATABASE "My-App"')
        admin.execute("CREATE ROLE carol; GRANT pg_write_server_files TO carol")
    with cluster.connect("My-App") as conn:
        hardening.make_plain_owner(conn)
        hardening.make_plain_owner(conn)  # the role is there now: made once
        role = conn.execute(
            "SELECT rolcanlogin, rolcreatedb, rolcreaterole, rolsuper FROM pg_roles "
            "WHERE rolname = 'postgres'"
        ).fetchone()
        assert role == (True, True, True, False)
        assert (
            scalar(conn, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'My-App'")
            == "postgres"
        )
        assert scalar(conn, "SELECT has_parameter_privilege('postgres', 'session_replication_role', 'SET')")
        assert _supers(conn) == dict.fromkeys(SERVER_ACCESS, True)
        assert _members(conn) == set()
    with (
        cluster.connect("postgres", user="postgres") as owner,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        owner.execute("GRANT pg_execute_server_program TO postgres")


# prctl(2): the in-process CLI tests hide this process too, so each test starts from dumpable
PR_GET_DUMPABLE, PR_SET_DUMPABLE = 3, 4


@pytest.fixture
def libc() -> Iterator[ctypes.CDLL]:
    library = ctypes.CDLL(None)
    library.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    yield library
    library.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)


def test_the_process_environment_is_hidden_from_the_same_user(libc: ctypes.CDLL) -> None:
    assert libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1
    hardening.hide_process_environment()
    assert libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0


def test_without_a_c_library_nothing_is_done(libc: ctypes.CDLL, monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes.util

    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    hardening.hide_process_environment()
    assert libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1
