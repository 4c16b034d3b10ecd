"""The idempotency proof's cost: a second run that passes is one exchange for its whole body, and
only a second run that fails goes statement by statement to find every failing statement."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Database
from exchanges import SENT, SentCursor, count_streamed
from schemagate.database.apply import replay
from schemagate.database.apply.engine import Settings
from schemagate.database.connection import connect
from schemagate.errors import MigrationFailed
from schemagate.files.migrations import Migration
from schemagate.findings import proofs
from schemagate.statements.sql import parse

IDEMPOTENT = """create table if not exists public.notes (id bigint primary key, body text);
create index if not exists notes_body_idx on public.notes (body);
comment on table public.notes is 'Notes.';
grant select on public.notes to authenticated;
"""

TWICE_FAILING = """create table public.tags (id bigint primary key);
comment on table public.tags is 'Tags.';
create index tags_id_idx on public.tags (id);
"""


@pytest.fixture(autouse=True)
def _streamed_too(monkeypatch: pytest.MonkeyPatch) -> None:
    count_streamed(monkeypatch)


def _rehearse(db: Database, sql: str, name: str = "m") -> tuple[list[tuple[str, int | None]], list[bytes]]:
    path = Path(f"supabase/migrations/20250101000000_{name}.sql")
    parsed = parse(Migration("20250101000000", name, path, sql, ""))
    with connect(db.url) as conn:
        conn.execute(sql.encode())  # the first run, as the check applied it
        conn.cursor_factory = SentCursor
        SENT.clear()
        found = proofs.rehearse(conn, parsed, Settings(), True)
    return [(f.rule.id, f.line) for f in found], list(SENT)


def test_a_second_run_that_passes_is_one_exchange_without_savepoints(db: Database) -> None:
    found, sent = _rehearse(db, IDEMPOTENT)
    assert found == []
    assert not any(b"SAVEPOINT" in query for query in sent)
    assert sum(b"create table" in query for query in sent) == 1  # the whole body, once


def test_a_second_run_that_fails_still_names_every_failing_statement(db: Database) -> None:
    found, sent = _rehearse(db, TWICE_FAILING)
    assert found == [("not-idempotent", 1), ("not-idempotent", 3)]
    # each statement with its savepoint and release in one exchange, each failure one more
    assert sum(b"SAVEPOINT" in query for query in sent) == 3 + 2


POSITIONED = """create table public.k (a int);
insert into public.k
  (a)
  values (1);
alter table public.k rename column a to b;
"""


def test_a_failure_s_line_comes_from_the_server_s_position_past_the_savepoint(db: Database) -> None:
    found, _ = _rehearse(db, POSITIONED)
    # the insert's second run fails at its column list, on the file's third line
    assert found == [("not-idempotent", 1), ("not-idempotent", 3), ("not-idempotent", 5)]


def test_a_replay_that_passes_is_one_exchange_and_one_that_fails_names_its_line(db: Database) -> None:
    with connect(db.url) as conn:
        conn.cursor_factory = SentCursor
        with replay.rolled_back(conn, Settings()):
            SENT.clear()
            replay.execute_each(conn, parse(Migration("1", "m", Path("m.sql"), IDEMPOTENT, "")))
            assert sum(b"create" in query for query in SENT) == 1  # the whole body, once
        conn.execute(b"create table public.k2 (a int)")
        wrong = "select 1;\ninsert into public.k2\n  (b)\n  values (1);\n"
        with replay.rolled_back(conn, Settings()), pytest.raises(MigrationFailed) as failed:
            replay.execute_each(conn, parse(Migration("1", "m", Path("m.sql"), wrong, "")))
    assert failed.value.line == 3  # the insert's column list, located statement by statement


# a baseline as pg_dump writes it: its preamble, then objects none of which is written to run twice
DUMPED = "SET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\n" + "".join(
    f"CREATE TABLE public.d{i} (id bigint NOT NULL);\n" for i in range(40)
)


@pytest.mark.parametrize(("name", "sql"), [("baseline", DUMPED), ("remote_schema", DUMPED.split("\n", 2)[2])])
def test_a_pulled_baseline_is_judged_once_at_its_first_failing_statement(
    db: Database, name: str, sql: str
) -> None:
    found, sent = _rehearse(db, sql, name)
    first = 3 if name == "baseline" else 1  # the first CREATE TABLE
    assert found == [("not-idempotent", first)]
    # the whole body once, then statements up to the first failure: not one savepoint each
    assert sum(b"SAVEPOINT schemagate_statement" in query for query in sent) == first + 1


def test_the_same_statements_in_an_ordinary_migration_are_each_named(db: Database) -> None:
    found, _ = _rehearse(db, DUMPED.split("\n", 2)[2], "add_tables")
    assert len(found) == 40
