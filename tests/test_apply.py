"""`schemagate apply` against a real server: transactions, history, drift, locks, timeouts."""

from __future__ import annotations

import threading
from collections.abc import Callable

import psycopg
import pytest

from conftest import Database, Project, Run
from schemagate.database.history import LOCK_KEY

Cli = Callable[..., Run]


def apply(cli: Cli, db: Database, *extra: str) -> Run:
    return cli("apply", "--database-url", db.url, *extra)


def test_applies_pending_in_order_and_records_them_as_the_cli_does(
    cli: Cli, db: Database, project: Project
) -> None:
    project.write("20250101000000_a.sql", "create table a (id int primary key);")
    project.write("20250102000000_b.sql", "-- b\ncreate table b (id int references a on delete cascade);")
    run = apply(cli, db)
    assert run.code == 0, run.text
    assert "applied 20250101000000_a.sql" in run.out and "applied 20250102000000_b.sql" in run.out
    assert db.history() == [("20250101000000", "a"), ("20250102000000", "b")]
    with db.connect(admin=True) as conn:
        statements = conn.execute(
            "select statements from supabase_migrations.schema_migrations where version = '20250102000000'"
        ).fetchone()
        audit = conn.execute(
            "select action, sha256 is not null, duration_ms >= 0 from supabase_migrations.schemagate_audit"
        ).fetchall()
    assert statements == (["-- b\ncreate table b (id int references a on delete cascade)"],)
    assert audit == [("apply", True, True), ("apply", True, True)]
    rerun = apply(cli, db)
    assert rerun.code == 0 and "nothing to apply" in rerun.out


def test_history_table_has_the_cli_shape(cli: Cli, db: Database, project: Project) -> None:
    project.write("1_a.sql", "select 1;")
    assert apply(cli, db).code == 0
    with db.connect(admin=True) as conn:
        columns = conn.execute(
            "select column_name, data_type, is_nullable from information_schema.columns "
            "where table_schema = 'supabase_migrations' and table_name = 'schema_migrations' "
            "order by ordinal_position"
        ).fetchall()
        pk = conn.execute(
            "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid "
            "and a.attnum = any(i.indkey) "
            "where i.indrelid = 'supabase_migrations.schema_migrations'::regclass and i.indisprimary"
        ).fetchall()
    assert columns == [("version", "text", "NO"), ("statements", "ARRAY", "YES"), ("name", "text", "YES")]
    assert pk == [("version",)]


def test_a_failing_statement_rolls_back_its_migration_only(cli: Cli, db: Database, project: Project) -> None:
    project.write("1_ok.sql", "create table ok (id int);")
    project.write("2_bad.sql", "create table half (id int);\n\ninsert into\n  missing_table values (1);\n")
    project.write("3_never.sql", "create table never (id int);")
    run = apply(cli, db)
    assert run.code == 1
    assert 'supabase/migrations/2_bad.sql:4: 42P01 relation "missing_table" does not exist' in run.err
    assert "2_bad.sql was rolled back" in run.err
    assert db.history() == [("1", "ok")]
    assert db.tables() == ["ok"]


def test_plpgsql_errors_point_at_the_line_inside_the_do_block(
    cli: Cli, db: Database, project: Project
) -> None:
    project.write(
        "1_do.sql",
        "select 1;\nDO $$\nBEGIN\n  PERFORM 1;\n  RAISE EXCEPTION 'boom';\nEND $$;\n",
    )
    run = apply(cli, db)
    assert run.code == 1
    assert "1_do.sql:5: P0001 boom" in run.err


def test_syntax_errors_stop_before_the_database_is_touched(cli: Cli, db: Database, project: Project) -> None:
    project.write("1_ok.sql", "create table ok (id int);")
    project.write("2_typo.sql", "create table x (id int);\nselec 1;\n")
    before = db.snapshot()
    run = apply(cli, db)
    assert run.code == 2
    assert '2_typo.sql:2:1: syntax error at or near "selec"' in run.err
    assert db.snapshot() == before
    assert not db.scalar("select to_regclass('supabase_migrations.schema_migrations') is not null")


def test_drift_is_refused_before_anything_is_applied(cli: Cli, db: Database, project: Project) -> None:
    path = project.write("1_a.sql", "create table a (id int);")
    assert apply(cli, db).code == 0
    path.write_text("create table a (id bigint);")
    project.write("2_b.sql", "create table b (id int);")
    run = apply(cli, db)
    assert run.code == 2
    assert "1_a.sql: migration 1 was changed after it was applied" in run.err
    assert db.history() == [("1", "a")] and "b" not in db.tables()


def test_whitespace_and_line_endings_are_not_drift(cli: Cli, db: Database, project: Project) -> None:
    path = project.write("1_a.sql", "create table a (id int);\n")
    assert apply(cli, db).code == 0
    path.write_bytes(b"create table a\r\n  (id int);\r\n")
    assert apply(cli, db).code == 0


def test_recorded_version_without_a_file_is_refused(cli: Cli, db: Database, project: Project) -> None:
    path = project.write("1_a.sql", "create table a (id int);")
    assert apply(cli, db).code == 0
    path.unlink()
    project.write("2_b.sql", "create table b (id int);")
    run = apply(cli, db)
    assert run.code == 2 and "applied version(s) 1 have no migration file" in run.err
    assert "b" not in db.tables()


def test_versions_without_a_file_get_a_repair_command_that_runs(
    cli: Cli, db: Database, project: Project
) -> None:
    first, second = project.write("1_a.sql", "select 1;"), project.write("2_b.sql", "select 2;")
    assert apply(cli, db).code == 0
    first.unlink()
    second.unlink()
    run = apply(cli, db)
    assert run.code == 2 and "applied version(s) 1, 2 have no migration file" in run.err
    # space-separated, as the Supabase CLI reads its arguments (a comma would be part of "1,")
    assert "`supabase migration repair --status reverted 1 2`" in run.err


def test_out_of_order_needs_include_all(cli: Cli, db: Database, project: Project) -> None:
    project.write("20250102000000_new.sql", "create table new (id int);")
    assert apply(cli, db).code == 0
    project.write("20250101000000_old.sql", "create table old (id int);")
    run = apply(cli, db)
    assert run.code == 2
    assert "migration 20250101000000 is older than the newest applied version 20250102000000" in run.err
    assert "old" not in db.tables()
    assert apply(cli, db, "--include-all").code == 0
    assert "old" in db.tables()


def test_dry_run_prints_the_plan_and_touches_nothing(cli: Cli, db: Database, project: Project) -> None:
    project.write("1_a.sql", "create table a (id int);")
    project.write("2_b.sql", "create index concurrently b on a (id);")
    before = db.snapshot()
    run = apply(cli, db, "--dry-run")
    assert run.code == 0
    assert "2 migration(s) would be applied" in run.out
    assert "2_b.sql  (outside a transaction)" in run.out
    assert db.snapshot() == before


def test_settings_do_not_leak_from_one_file_to_the_next(cli: Cli, db: Database, project: Project) -> None:
    project.write("1_a.sql", "create schema other;\nset search_path = other;\ncreate table inside (id int);")
    project.write("2_b.sql", "create table outside (id int);")
    assert apply(cli, db).code == 0
    assert db.tables("other") == ["inside"]
    assert "outside" in db.tables("public")


def test_whole_file_begin_commit_is_atomic(cli: Cli, db: Database, project: Project) -> None:
    project.write("1_a.sql", "create table t (a int);\ninsert into t values (null);")
    project.write(
        "2_data.sql",
        "BEGIN;\nupdate t set a = 1 where a is null;\ninsert into t values (null);\n"
        "alter table t alter column a set not null;\nCOMMIT;\n",
    )
    run = apply(cli, db)
    assert run.code == 1 and "2_data.sql:4: 23502" in run.err
    assert db.history() == [("1", "a")]
    assert db.scalar("select count(*) from t where a is null") == 1  # the UPDATE was rolled back too


def test_commit_that_splits_a_file_is_refused(cli: Cli, db: Database, project: Project) -> None:
    project.write("1_split.sql", "create table a (id int);\nCOMMIT;\ncreate table b (id int);\n")
    before = db.snapshot()
    run = apply(cli, db)
    assert run.code == 2
    assert "1_split.sql:2: COMMIT inside a migration splits it into several transactions" in run.err
    assert db.snapshot()[1] == before[1]


def test_non_transactional_statements_run_outside_a_transaction(
    cli: Cli, db: Database, project: Project
) -> None:
    project.write("1_a.sql", "create table a (id int);")
    project.write("2_idx.sql", "create index concurrently if not exists a_id on a (id);")
    run = apply(cli, db)
    assert run.code == 0, run.text
    assert "applied 2_idx.sql" in run.out and "(outside a transaction: create index concurrently" in run.out
    assert "a_id" in db.tables()


def test_statement_timeout_is_applied(cli: Cli, db: Database, project: Project) -> None:
    project.write("1_slow.sql", "select pg_sleep(5);")
    run = apply(cli, db, "--statement-timeout", "100ms")
    assert run.code == 1 and "57014 canceling statement due to statement timeout" in run.err
    assert db.history() == []


def test_lock_timeout_is_applied(cli: Cli, db: Database, project: Project) -> None:
    project.write("1_a.sql", "create table a (id int);")
    assert apply(cli, db).code == 0
    project.write("2_b.sql", "alter table a add column b int;")
    with db.connect(admin=True) as holder:
        holder.autocommit = False
        holder.execute("lock table a in access share mode")
        run = apply(cli, db, "--lock-timeout", "200ms", "--lock-retries", "0")
        holder.rollback()
    assert run.code == 1 and "55P03 canceling statement due to lock timeout" in run.err
    assert db.history() == [("1", "a")]


def test_second_run_waits_for_the_lock_then_fails_clearly(cli: Cli, db: Database, project: Project) -> None:
    project.write("1_a.sql", "create table a (id int);")
    with db.connect(admin=True) as holder:
        holder.execute("select pg_advisory_lock(%s, %s)", LOCK_KEY)
        run = apply(cli, db, "--lock-wait", "0.3")
    assert run.code == 4
    assert "another schemagate run holds the migration lock (pid" in run.err
    assert db.history() == []


def test_waiting_run_proceeds_when_the_lock_is_released(cli: Cli, db: Database, project: Project) -> None:
    project.write("1_a.sql", "create table a (id int);")
    holder = db.connect(admin=True)
    holder.execute("select pg_advisory_lock(%s, %s)", LOCK_KEY)
    waiting = threading.Event()

    def release_when_waiting() -> None:
        # release only once the apply is blocked on the lock, observed in pg_locks
        with db.connect(admin=True) as watcher:
            while not watcher.execute(
                "select exists (select 1 from pg_locks where locktype = 'advisory' and not granted)"
            ).fetchone()[0]:  # type: ignore[index]
                pass
        waiting.set()
        holder.close()

    thread = threading.Thread(target=release_when_waiting)
    thread.start()
    run = apply(cli, db, "--lock-wait", "60")
    thread.join()
    assert waiting.is_set()
    assert run.code == 0 and db.history() == [("1", "a")]


def test_read_only_database_is_a_clear_error(cli: Cli, db: Database, project: Project) -> None:
    project.write("1_a.sql", "create table a (id int);")
    with db.connect(admin=True) as conn:
        conn.execute(f"alter database {db.name} set default_transaction_read_only = on")
    run = apply(cli, db)
    assert run.code == 3
    assert "is read-only (default_transaction_read_only = on)" in run.err
    assert "Traceback" not in run.text


def test_unreachable_database_is_a_clear_error_without_the_password(cli: Cli, project: Project) -> None:
    project.write("1_a.sql", "select 1;")
    run = cli("apply", "--database-url", "postgresql://postgres:hunter2-secret@127.0.0.1:1/postgres")
    assert run.code == 3
    assert run.err.startswith("error: cannot connect to 127.0.0.1:1/postgres")
    assert "hunter2-secret" not in run.text


def test_wrong_password_is_a_clear_error_without_the_password(
    cli: Cli, db: Database, project: Project
) -> None:
    server = db.server
    assert server.workdir is not None
    hba = server.workdir / "pg_hba.conf"  # outside the data folder (hba_file)
    original = hba.read_text()
    hba.write_text("host all guarded 127.0.0.1/32 scram-sha-256\n" + original)
    with db.connect(admin=True) as conn:
        conn.execute("create role guarded login password 'right-password'")
        conn.execute("select pg_reload_conf()")
    try:
        project.write("1_a.sql", "select 1;")
        url = f"postgresql://guarded:Wr0ng-Passw0rd@127.0.0.1:{server.port}/{db.name}"
        run = cli("apply", "--database-url", url)
    finally:
        hba.write_text(original)
        with db.connect(admin=True) as conn:
            conn.execute("select pg_reload_conf()")
            conn.execute("drop role guarded")
    assert run.code == 3
    assert 'password authentication failed for user "guarded"' in run.err
    assert "check the password in the database URL secret" in run.err
    assert "Wr0ng-Passw0rd" not in run.text


def test_database_url_from_the_environment(
    cli: Cli, db: Database, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.write("1_a.sql", "create table a (id int);")
    monkeypatch.setenv("DATABASE_URL", db.url)
    assert cli("apply").code == 0
    assert db.history() == [("1", "a")]


def test_no_database_is_a_usage_error(cli: Cli, project: Project) -> None:
    project.write("1_a.sql", "select 1;")
    run = cli("apply")
    assert run.code == 2 and "no database: pass --database-url or set DATABASE_URL" in run.err


def test_connections_never_prepare_statements(db: Database) -> None:
    from schemagate.database.connection import connect

    with connect(db.url) as conn:
        assert conn.prepare_threshold is None
        for _ in range(10):
            conn.execute(b"select %s::int", (1,))
        assert conn.execute(b"select count(*) from pg_prepared_statements").fetchone() == (0,)


def test_ipv6_only_host_gets_the_pooler_hint() -> None:
    from schemagate.database.connection import describe_failure

    error = psycopg.OperationalError(
        'connection to server at "db.abcd.supabase.co" (2a05:d014::1), port 5432 failed: '
        "Network is unreachable"
    )
    failure = describe_failure("postgresql://postgres:pw@db.abcd.supabase.co:5432/postgres", error)
    assert (
        failure.hint is not None
        and "IPv6-only" in failure.hint
        and "pooler.supabase.com:6543" in failure.hint
    )
    assert "pw" not in str(failure)


def test_a_pooler_url_without_the_project_ref_gets_its_fix() -> None:
    from schemagate.database.connection import describe_failure

    error = psycopg.OperationalError(
        'connection to server at "aws-0-eu-central-1.pooler.supabase.com" (3.1.2.3), port 5432 failed: '
        "FATAL:  Tenant or user not found"
    )
    url = "postgresql://postgres:pw@aws-0-eu-central-1.pooler.supabase.com:5432/postgres"
    failure = describe_failure(url, error)
    assert failure.hint is not None and "postgres.<project-ref>" in failure.hint
    assert "Tenant or user not found" in str(failure) and "pw" not in str(failure)
