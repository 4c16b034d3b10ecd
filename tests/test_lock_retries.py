"""Lock timeouts ridden out: a migration that fails on lock_timeout is tried again in a fresh
transaction; a lock held past the last try fails with its holder named; nothing else is retried."""

from __future__ import annotations

import threading

import psycopg
import pytest

from conftest import Database, Project, Run
from schemagate.database.apply import engine
from schemagate.database.connection import link
from schemagate.database.history import RunContext
from schemagate.errors import MigrationFailed

FIRST = ("1_orders.sql", "create table public.orders (id int);")
SECOND = ("2_note.sql", "alter table public.orders add column note text;")


def _apply(
    db: Database, project: Project, retries: int, lines: list[str], on_line: object = None
) -> engine.Result:
    settings = engine.Settings(lock_timeout="100ms", lock_retries=retries, retry_backoff_s=0)

    def progress(line: str) -> None:
        lines.append(line)
        if callable(on_line):
            on_line(line)

    with link(db.url) as target:
        local = engine.load(project.migrations)
        return engine.apply(target, local, settings=settings, context=RunContext.local(), progress=progress)


def _holding(db: Database) -> psycopg.Connection[tuple[object, ...]]:
    """Another session, in a transaction that holds a lock on public.orders until it ends."""
    holder = psycopg.connect(db.admin_url, application_name="nightly-report")
    holder.execute("lock table public.orders in access share mode")
    return holder


@pytest.fixture
def orders(db: Database, project: Project) -> Database:
    project.write(*FIRST)
    _apply(db, project, 0, [])
    project.write(*SECOND)
    return db


def test_a_lock_held_past_one_timeout_but_not_past_the_retries_is_ridden_out(
    orders: Database, project: Project
) -> None:
    holder = _holding(orders)
    lines: list[str] = []

    def release_after_the_first_timeout(line: str) -> None:
        if "lock timeout" in line:
            holder.rollback()  # the lock goes only after a try has failed on it

    result = _apply(orders, project, 3, lines, release_after_the_first_timeout)
    holder.close()
    assert [a.parsed.migration.filename for a in result.applied] == ["2_note.sql"]
    retried = [line for line in lines if "lock timeout" in line]
    assert len(retried) == 1 and retried[0].startswith("2_note.sql: lock timeout, try 1 of 4 rolled back")
    assert "(nightly-report, idle in transaction" in retried[0] and "on public.orders" in retried[0]
    assert orders.history() == [("1", "orders"), ("2", "note")]


def test_a_lock_held_past_every_try_fails_naming_its_holder_and_applies_nothing(
    orders: Database, project: Project
) -> None:
    holder = _holding(orders)
    pid = holder.info.backend_pid
    lines: list[str] = []
    with pytest.raises(MigrationFailed) as failed:
        _apply(orders, project, 2, lines)
    holder.close()
    assert failed.value.sqlstate == "55P03"
    assert failed.value.hint is not None and failed.value.hint.startswith("gave up after 3 tries: pid ")
    assert f"pid {pid} (nightly-report" in failed.value.hint
    assert len([line for line in lines if "lock timeout" in line]) == 2  # each try logged
    assert orders.history() == [("1", "orders")]
    columns = "select array_agg(attname::text) from pg_attribute where attrelid = 'public.orders'::regclass"
    assert "note" not in orders.scalar(columns)  # type: ignore[operator]


def test_other_failures_are_never_retried(db: Database, project: Project) -> None:
    project.write(
        "1_bad.sql", "create table public.t (id int);\ninsert into public.t values ('not a number');"
    )
    lines: list[str] = []
    with pytest.raises(MigrationFailed) as failed:
        _apply(db, project, 3, lines)
    assert failed.value.sqlstate == "22P02" and lines == []


def test_a_file_outside_a_transaction_is_not_retried(orders: Database, project: Project) -> None:
    project.write("2_note.sql", "create index concurrently if not exists orders_id on public.orders (id);")
    holder = psycopg.connect(orders.admin_url)
    holder.execute("lock table public.orders in share row exclusive mode")
    lines: list[str] = []
    with pytest.raises(MigrationFailed) as failed:
        _apply(orders, project, 3, lines)
    holder.close()
    assert failed.value.sqlstate == "55P03" and not [line for line in lines if "lock timeout" in line]


def test_the_cli_rides_out_a_lock_with_its_flag(cli: object, orders: Database, project: Project) -> None:
    holder = _holding(orders)

    def release_after_one_timeout() -> None:
        # the apply's own lock wait appears, then goes when lock_timeout cancels it: then release
        with psycopg.connect(orders.admin_url, autocommit=True) as watcher:
            waiting = "select exists (select 1 from pg_locks where locktype = 'relation' and not granted)"
            while not watcher.execute(waiting).fetchone()[0]:  # type: ignore[index]
                pass
            while watcher.execute(waiting).fetchone()[0]:  # type: ignore[index]
                pass
        holder.rollback()

    thread = threading.Thread(target=release_after_one_timeout)
    thread.start()
    run: Run = cli("apply", "--database-url", orders.url, "--lock-timeout", "200ms", "--lock-retries", "2")  # type: ignore[operator]
    thread.join()
    holder.close()
    assert run.code == 0, run.text
    assert "2_note.sql: lock timeout, try 1 of 3 rolled back; next in 1 s" in run.text
    assert orders.history() == [("1", "orders"), ("2", "note")]


def test_a_bad_retry_count_is_a_clear_error(cli: object, orders: Database) -> None:
    run: Run = cli("apply", "--database-url", orders.url, "--lock-retries", "-1")  # type: ignore[operator]
    assert run.code == 2 and "lock" in run.err and "retries" in run.err, run.text
    assert orders.history() == [("1", "orders")]
