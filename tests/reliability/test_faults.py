"""The engine on its worst day: a killed backend, and two runs at once. Nothing lost, nothing twice."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import Database, Project, run_process


def _apply_process(db: Database, project: Project) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "schemagate.cli", "apply", "--database-url", db.url],
        cwd=project.root,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ),
    )


def _terminate_when_sleeping(db: Database, process: subprocess.Popen[str]) -> None:
    with db.connect(admin=True) as watcher:
        while True:
            assert process.poll() is None, process.communicate()
            row = watcher.execute(
                "select pid from pg_stat_activity where datname = current_database() "
                "and query like '%pg_sleep%' and pid <> pg_backend_pid() and state = 'active'"
            ).fetchone()
            if row:
                watcher.execute("select pg_terminate_backend(%s)", row)
                return


def _switch_on(db: Database, name: str) -> None:
    """A setting the migrations read, the database's own (no object in its catalog, which a deploy
    compares with the migrations'): the fault happens while it is on, in sessions started since."""
    with db.connect(admin=True) as conn:
        conn.execute(f"alter database {db.name} set schemagate_test.{name} = 'on'")


def _switch_off(db: Database, name: str) -> None:
    with db.connect(admin=True) as conn:
        conn.execute(f"alter database {db.name} reset schemagate_test.{name}")


def _is_on(name: str) -> str:
    return f"current_setting('schemagate_test.{name}', true) = 'on'"


@pytest.mark.slow  # a killed backend, then a whole rerun
def test_backend_killed_mid_migration_loses_nothing_and_a_rerun_finishes(
    db: Database, project: Project
) -> None:
    _switch_on(db, "slow_switch")
    project.write("1_first.sql", "create table public.first (id int);")
    project.write(
        "2_killed.sql",
        "create table public.half_done (id int);\n"
        f"select pg_sleep(case when {_is_on('slow_switch')} then 60 else 0 end);\n",
    )
    project.write("3_after.sql", "create table public.after (id int);")
    process = _apply_process(db, project)
    _terminate_when_sleeping(db, process)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "2_killed.sql" in err and "57P01" in err and "the connection was lost" in err
    assert "Traceback" not in err
    assert db.history() == [("1", "first")]
    assert "half_done" not in db.tables() and "first" in db.tables()

    _switch_off(db, "slow_switch")
    rerun = run_process("apply", "--database-url", db.url, cwd=project.root)
    assert rerun.code == 0, rerun.text
    assert db.history() == [("1", "first"), ("2", "killed"), ("3", "after")]


def test_two_runs_at_once_apply_every_migration_exactly_once(db: Database, project: Project) -> None:
    count = 15
    for i in range(1, count + 1):
        project.write(f"{i}_m{i}.sql", f"create table public.m{i} (id int);\nselect pg_sleep(0.02);")
    first, second = _apply_process(db, project), _apply_process(db, project)
    outputs = [p.communicate(timeout=120) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    applied = [
        line.split()[1] for out, _ in outputs for line in out.splitlines() if line.startswith("applied ")
    ]
    assert sorted(applied) == sorted(f"{i}_m{i}.sql" for i in range(1, count + 1))  # none twice
    with db.connect(admin=True) as conn:
        audit = conn.execute(
            "select version, count(*) from supabase_migrations.schemagate_audit group by version"
        ).fetchall()
    assert len(audit) == count and all(n == 1 for _, n in audit)


def test_connection_dropped_right_after_a_commit_applies_each_exactly_once(
    db: Database, project: Project
) -> None:
    """The session dies as migration 2 starts, after 1 committed: a rerun applies 2 and 3, never 1."""
    _switch_on(db, "kill_switch")
    project.write("1_a.sql", "create table public.a (id int);")
    project.write(
        "2_b.sql",
        f"select pg_terminate_backend(pg_backend_pid()) where {_is_on('kill_switch')};\n"
        "create table public.b (id int);\n",
    )
    project.write("3_c.sql", "create table public.c (id int);")
    dropped = run_process("apply", "--database-url", db.url, cwd=project.root)
    assert dropped.code == 1
    assert "2_b.sql" in dropped.err and "the connection was lost" in dropped.err
    assert "Traceback" not in dropped.text
    assert db.history() == [("1", "a")]

    _switch_off(db, "kill_switch")
    rerun = run_process("apply", "--database-url", db.url, cwd=project.root)
    assert rerun.code == 0, rerun.text
    assert [line.split()[1] for line in rerun.out.splitlines() if line.startswith("applied ")] == [
        "2_b.sql",
        "3_c.sql",
    ]
    with db.connect(admin=True) as conn:
        audit = conn.execute(
            "select version, count(*) from supabase_migrations.schemagate_audit group by version order by 1"
        ).fetchall()
    assert audit == [("1", 1), ("2", 1), ("3", 1)]
