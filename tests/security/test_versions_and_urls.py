"""Versions, file names and database URLs as an attacker writes them, and a connection cut right
after COMMIT: versions match as text (as the Supabase CLI matches them), names end where they end,
no fragment of a password reaches any output, and a lost COMMIT is reported as what happened."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from conftest import Database, Project, Run
from schemagate import secrets
from schemagate.files.migrations import discover, parse_name

Cli = Callable[..., Run]


def _history_row(db: Database, version: str, name: str = "x", statements: list[str] | None = None) -> None:
    with db.connect(admin=True) as conn:
        conn.execute(
            "insert into supabase_migrations.schema_migrations (version, name, statements) "
            "values (%s, %s, %s)",
            (version, name, statements or []),
        )


# versions ---------------------------------------------------------------------------------------
def test_a_history_row_with_a_leading_zero_does_not_hide_a_migration(
    cli: Cli, db: Database, project: Project
) -> None:
    project.write("20250101000000_first.sql", "create table public.first (id int);")
    assert cli("apply", "--database-url", db.url).code == 0
    # the row the file would write, under a version that is the same number and other text
    _history_row(db, "020250103000000", "never_ran", ["create table public.never_ran (id int)"])
    project.write("20250103000000_never_ran.sql", "create table public.never_ran (id int)")
    status = cli("status", "--database-url", db.url)
    rows = {line.split()[0]: line for line in status.out.splitlines() if line[:1].isdigit()}
    assert "pending" in rows["20250103000000"], status.text
    assert "missing" in rows["020250103000000"], status.text
    applied = cli("apply", "--database-url", db.url)
    assert applied.code == 2, applied.text  # the CLI's verdict too: remote version not found locally
    assert "020250103000000 have no migration file" in applied.err
    assert "never_ran" not in db.tables()


@pytest.mark.parametrize("version", ["9" * 4400, "²", "٣"], ids=["4400 digits", "superscript", "arabic"])
@pytest.mark.parametrize("command", ["status", "apply", "doctor"])
def test_any_history_version_is_a_clear_answer_never_a_traceback(
    cli: Cli, db: Database, project: Project, version: str, command: str
) -> None:
    project.write("3_three.sql", "select 1;")
    assert cli("apply", "--database-url", db.url).code == 0
    _history_row(db, version)
    run = cli(command, "--database-url", db.url)
    assert "Traceback" not in run.text
    assert run.code in {1, 2}, run.text  # a history row without its file: drift, said in one line
    if command == "apply":
        errors = [line for line in run.err.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and "no migration file" in errors[0], run.err
    # "٣" is the number 3 to int(), never the text "3": the file's row still counts as applied
    assert db.history()[0] == ("3", "three")


# file names -------------------------------------------------------------------------------------
def test_a_name_ending_in_a_newline_is_no_migration(cli: Cli, db: Database, project: Project) -> None:
    project.write("20250101000000_ok.sql", "select 1;")
    project.write("20250102000000_evil.sql\n", "create table public.evil (id int);")
    assert parse_name("20250102000000_evil.sql\n") is None
    assert [m.filename for m in discover(project.migrations).migrations] == ["20250101000000_ok.sql"]
    assert cli("apply", "--database-url", db.url).code == 0
    assert db.history() == [("20250101000000", "ok")]
    assert "evil" not in db.tables()


def test_a_new_migration_name_ending_in_a_newline_is_refused(cli: Cli, project: Project) -> None:
    run = cli("new", "add_things\n")
    assert run.code == 2, run.text
    assert "use lower_snake_case" in run.err
    assert not any("\n" in p.name for p in project.migrations.iterdir())


# database URLs ----------------------------------------------------------------------------------
# (URL, its password): each password holds an unencoded @ and a / further on, which libpq reads as
# a host and a database name. An unencoded @ alone, a / alone, # ? : or spaces, a query password
# and a broken port already held before (tests/test_front_ends.py covers two).
URLS = [
    ("postgresql://postgres:Kx7@Qm/Zp9w@127.0.0.1:1/db", "Kx7@Qm/Zp9w"),
    ("postgresql://postgres:Ic2@Ox/Fa@127.0.0.1:1/db?sslmode=disable", "Ic2@Ox/Fa"),
    ("postgresql://postgres:Bq2@Lw9:5432/Hv4@127.0.0.1:1/db", "Bq2@Lw9:5432/Hv4"),
    ("postgresql://postgres:Wn4@Ob:6543/Xe1@127.0.0.1:1/db", "Wn4@Ob:6543/Xe1"),
    ("postgres://postgres:Cy6@[::1]/Dk5@127.0.0.1:1/db", "Cy6@[::1]/Dk5"),
]
HASHES = ["postgresql://postgres:Hj4#Lm8Rt2@127.0.0.1:1/db", "postgresql://postgres:Ty8#Ew5Ko@127.0.0.1:1/db"]


def _fragments(password: str, size: int = 4) -> set[str]:
    return {password[i : i + size] for i in range(len(password) - size + 1)}


def _leaks(text: str, password: str) -> set[str]:
    return {f for f in _fragments(password) if f in text}


@pytest.mark.parametrize(("url", "password"), URLS, ids=[u for u, _ in URLS])
def test_masking_a_url_keeps_no_fragment_of_its_password(url: str, password: str) -> None:
    secrets.register_url(url)
    assert not _leaks(secrets.mask_url(url), password)
    assert not _leaks(secrets.redact(f"could not use {url} today"), password)


@pytest.mark.parametrize(("url", "password"), URLS, ids=[u for u, _ in URLS])
@pytest.mark.parametrize("command", ["status", "apply"])
def test_no_fragment_of_a_password_in_any_output(
    cli: Cli, project: Project, url: str, password: str, command: str
) -> None:
    project.write("20250101000000_a.sql", "select 1;")
    run = cli(command, "--database-url", url)
    assert run.code in {2, 3}, run.text  # bad input, or the (unreachable) database
    assert "Traceback" not in run.text
    assert not _leaks(run.text, password), run.text


@pytest.mark.parametrize("url", HASHES)
def test_a_hash_in_a_password_does_not_make_the_user_the_host(cli: Cli, project: Project, url: str) -> None:
    run = cli("status", "--database-url", url)
    assert run.code == 3, run.text
    assert "cannot connect to 127.0.0.1:1/db" in run.err, run.err


# a connection cut right after COMMIT -------------------------------------------------------------
COMMIT = b"COMMIT"  # how the text of the simple query message that commits starts
COMMITTED = b"C\x00\x00\x00\x0bCOMMIT\x00"  # its CommandComplete
MARKER = b"cut_after_this"


class CommitCutter:
    """A TCP proxy to the test server that cuts the connection at the first COMMIT after a query
    naming MARKER: before it reaches the server ("before"), or once the server has answered it
    and before the answer reaches schemagate ("after"). With `refuse_after`, no connection is
    accepted once it has cut. Every step waits on the bytes themselves, never on a clock."""

    def __init__(self, port: int, when: str, *, refuse_after: bool = False) -> None:
        self.target, self.when, self.refuse_after = port, when, refuse_after
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut = threading.Event()
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            self.sockets += [client, server]
            cutting = threading.Event()
            threading.Thread(target=self._upstream, args=(client, server, cutting), daemon=True).start()
            threading.Thread(target=self._downstream, args=(server, client, cutting), daemon=True).start()

    def _drop(self, *ends: socket.socket) -> None:
        if self.refuse_after:  # first, so that no reconnection can come before it
            _shut(self.listener)
        self.cut.set()  # before the client can see the cut and finish
        for end in ends:  # shutdown wakes the other pump, blocked in recv, where close would not
            _shut(end)

    def _upstream(self, client: socket.socket, server: socket.socket, cutting: threading.Event) -> None:
        armed = False
        while data := _recv(client):
            if armed and not self.cut.is_set() and _commits(data):
                if self.when == "before":
                    return self._drop(client, server)
                cutting.set()  # the server's answer to this COMMIT never reaches the client
            armed = armed or MARKER in data
            server.sendall(data)
        server.close()

    def _downstream(self, server: socket.socket, client: socket.socket, cutting: threading.Event) -> None:
        answer = b""
        while data := _recv(server):
            if cutting.is_set():
                answer += data
                if COMMITTED in answer:
                    return self._drop(client, server)
                continue
            client.sendall(data)
        client.close()

    def close(self) -> None:
        for end in self.sockets:
            _shut(end)


def _commits(data: bytes) -> bool:
    """Whether one send is a simple query message (Q, 4 length bytes, text) that starts with COMMIT,
    alone or with what runs after it in the same exchange."""
    return data[:1] == b"Q" and data[5:].lstrip().upper().startswith(COMMIT)


def _shut(end: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already gone
        end.shutdown(socket.SHUT_RDWR)  # on a listener too: a blocked accept() returns
    end.close()


def _recv(end: socket.socket) -> bytes:
    try:
        return end.recv(65536)
    except OSError:
        return b""


@pytest.fixture
def cutter(db: Database) -> Iterator[Callable[..., CommitCutter]]:
    made: list[CommitCutter] = []

    def make(when: str, *, refuse_after: bool = False) -> CommitCutter:
        made.append(CommitCutter(db.server.port, when, refuse_after=refuse_after))
        return made[-1]

    yield make
    for proxy in made:
        proxy.close()


@pytest.mark.timeout(120)  # a guard only: every step waits on bytes, not on a clock
@pytest.mark.parametrize(
    ("when", "refuse_after", "said", "in_history"),
    [
        ("after", False, "2_cut.sql was committed, rerun", True),
        ("before", False, "2_cut.sql was not committed, rerun", False),
        ("after", True, "whether 2_cut.sql was committed is unknown: could not reconnect", True),
    ],
    ids=["committed", "not committed", "unknown"],
)
def test_a_connection_cut_at_commit_is_reported_as_what_happened(
    cli: Cli,
    db: Database,
    project: Project,
    cutter: Callable[..., CommitCutter],
    when: str,
    refuse_after: bool,
    said: str,
    in_history: bool,
) -> None:
    project.write("1_first.sql", "create table public.first (id int);")
    project.write("2_cut.sql", f"create table public.{MARKER.decode()} (id int);")
    proxy = cutter(when, refuse_after=refuse_after)
    url = f"postgresql://postgres@127.0.0.1:{proxy.port}/{db.name}?sslmode=disable&gssencmode=disable"
    run = cli("apply", "--database-url", url)
    assert proxy.cut.is_set(), run.text
    assert run.code == 1, run.text
    assert "Traceback" not in run.text
    errors = [line for line in run.err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "lost during COMMIT" in errors[0] and said in errors[0], run.err
    assert (("2", "cut") in db.history()) is in_history
    assert ("1", "first") in db.history()
