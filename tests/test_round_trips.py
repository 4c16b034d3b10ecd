"""Apply at the floor: a transactional migration costs three exchanges with the server (its
prologue and body; its history row; its COMMIT and the session's settings taken back), and a
failure's line still comes from the server's position in the body sent after the prologue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import Database
from exchanges import SENT, SentCursor, count_streamed
from schemagate.database import history
from schemagate.database.apply import engine
from schemagate.database.connection import connect
from schemagate.errors import MigrationFailed
from schemagate.files.migrations import Migration
from schemagate.statements.sql import parse


@pytest.fixture(autouse=True)
def _streamed_too(monkeypatch: pytest.MonkeyPatch) -> None:
    count_streamed(monkeypatch)


def _parsed(sql: str) -> Any:
    path = Path("supabase/migrations/20250101000000_m.sql")
    return parse(Migration("20250101000000", "m", path, sql, ""))


TABLE = """create table public.floor (id bigint primary key);
create index floor_id_idx on public.floor (id);
comment on table public.floor is 'x';
"""


def test_a_migration_and_its_history_row_take_three_exchanges(db: Database) -> None:
    parsed = _parsed(TABLE)
    with connect(db.url) as conn:
        history.ensure(conn)
        record = engine.recorder(conn, parsed, history.RunContext.local())
        conn.cursor_factory = SentCursor
        SENT.clear()
        engine.run_file(conn, parsed, engine.Settings(), record=record)
        assert len(SENT) == 3
        row = conn.execute(b"SELECT current_setting('search_path')").fetchone()
    assert db.history() == [("20250101000000", "m")]
    assert row is not None and "pg_catalog" in str(row[0])  # taken back with the COMMIT


FAILING = """create table public.floor2 (id bigint primary key);
insert into public.floor2
  (nope)
  values (1);
"""


def test_a_failure_is_placed_by_the_server_s_position_past_the_prologue(db: Database) -> None:
    parsed = _parsed(FAILING)
    with connect(db.url) as conn, pytest.raises(MigrationFailed) as failed:
        engine.run_file(conn, parsed, engine.Settings())
    assert failed.value.line == 3  # the column list, not the statement's first line
    assert "floor2" not in db.tables()  # rolled back whole
