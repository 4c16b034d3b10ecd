"""What the PR's SQL may take of the check's database: a statement, the whole check, temp files.

The limits are tiny here so that nothing waits on a clock of its own: a migration that never ends is
stopped by the check, and the test only reads what the check says.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from conftest import Database, Project, Run, run_process

# a migration that unsets its statement_timeout and catches the cancel a timeout sends: only
# something outside its session can end it
STUBBORN = """
set statement_timeout = 0;
do $$
begin
  loop
    begin
      perform pg_sleep(0.05);
    exception when query_canceled then
      null;
    end;
  end loop;
end $$;
"""
PLAIN_LOOP = "do $$ begin loop end loop; end $$;\n"
STATEMENT_CAUSE = "stopped after 1 s: the check's statement limit (check_statement_timeout)"
CHECK_CAUSE = "stopped after 1 s: the check's time limit (check_timeout)"


def configure(project: Project, text: str) -> None:
    config = project.root / ".github" / "schemagate.yml"
    config.parent.mkdir(exist_ok=True)
    config.write_text(text)


def active_elsewhere(db: Database) -> list[str]:
    """Statements still running in the check's database, other than this query."""
    with db.connect(admin=True) as conn:
        rows = conn.execute(
            b"select query from pg_stat_activity where datname = current_database() "
            b"and state = 'active' and pid <> pg_backend_pid()"
        ).fetchall()
    return [str(r[0]) for r in rows]


def test_a_migration_that_unsets_its_timeout_and_catches_the_cancel_is_stopped(
    cli: Callable[..., Run], db: Database, project: Project
) -> None:
    configure(project, "check_statement_timeout: 1s\n")
    project.write("20251201000000_ok.sql", "create table if not exists public.a (id int primary key);")
    project.write("20251202000000_stubborn.sql", STUBBORN)
    run = cli("check", "--check-database-url", db.url, "--format", "json")
    assert run.code == 1, run.text
    assert STATEMENT_CAUSE in run.out
    assert '"verdict": "fail"' in run.out
    report = json.loads(run.out)
    stopped = [f for f in report["findings"] if f["message"] == STATEMENT_CAUSE]
    assert [f["file"] for f in stopped] == ["supabase/migrations/20251202000000_stubborn.sql"]
    assert not active_elsewhere(db)  # the loop is gone, not left running in the database


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A temp folder of the check's own, which a server run as another OS user can enter."""
    folder = Path(tempfile.mkdtemp(prefix="bounds-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_plain_endless_loop_on_a_throwaway_server_is_stopped_and_the_server_removed(
    project: Project, scratch: Path
) -> None:
    configure(project, "check_statement_timeout: 1s\n")
    project.write("20251201000000_loop.sql", PLAIN_LOOP)
    run = run_process("check", cwd=project.root, env={"TMPDIR": str(scratch)})
    assert run.code == 1, run.text
    assert STATEMENT_CAUSE in run.out and "20251201000000_loop.sql" in run.out
    assert "Traceback" not in run.text
    assert not list(scratch.glob("schemagate-pg-*"))  # the throwaway server and its files are gone


def test_the_whole_check_stops_at_its_own_limit(
    cli: Callable[..., Run], db: Database, project: Project
) -> None:
    configure(project, "check_timeout: 1s\n")  # statements may still run for 5 min each
    project.write("20251201000000_stubborn.sql", STUBBORN)
    run = cli("check", "--check-database-url", db.url)
    assert run.code == 1, run.text
    assert CHECK_CAUSE in run.out and "FAIL" in run.out
    assert not active_elsewhere(db)


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("check_statement_timeout: 0s", "more than 0 and at most 6h"),
        ("check_timeout: 100h", "more than 0 and at most 6h"),
        ("check_timeout: 30", "a duration with its unit"),
        ("check_statement_timeout: forever", "a duration with its unit"),
    ],
)
def test_limits_the_pr_cannot_lift(cli: Callable[..., Run], project: Project, line: str, said: str) -> None:
    """The config file comes with the PR: no limit may be switched off or raised past a job's."""
    configure(project, line + "\n")
    project.write("20251201000000_x.sql", "select 1;")
    run = cli("check", "--check-database-url", "postgresql://nobody@127.0.0.1:1/x")
    assert run.code == 2 and said in run.err and "Traceback" not in run.text
    assert len(run.err.strip().splitlines()) == 1


def test_temp_files_are_bounded_and_the_migration_role_cannot_raise_the_bound(db: Database) -> None:
    with db.connect() as conn:
        assert conn.execute(b"show temp_file_limit").fetchone() == ("1GB",)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(b"set temp_file_limit = '100GB'")


# a temp table is no temp file: temp_file_limit does not count it, and a table fills the disk alike
FILLER = """
create temp table filler (pad text);
do $$
begin
  loop  -- 1 MB of incompressible text a row, until something outside the session stops it
    insert into filler
      select string_agg(md5(random()::text), '') from generate_series(1, 32768);
  end loop;
end $$;
"""


@pytest.mark.slow  # writes past the disk limit, end to end
@pytest.mark.parametrize("table", ["temp", "plain"])
def test_a_migration_that_fills_the_disk_is_stopped_at_the_disk_limit(
    cli: Callable[..., Run], project: Project, table: str
) -> None:
    configure(project, "check_disk_limit: 200MB\ncheck_statement_timeout: 10min\n")
    filler = FILLER if table == "temp" else FILLER.replace("create temp table", "create table public.")
    project.write("20251201000000_filler.sql", filler)
    run = cli("check", "--format", "json")
    assert run.code == 1, run.text
    report = json.loads(run.out)
    cause = "stopped at 200 MB of data: the check's disk limit (check_disk_limit)"
    stopped = [f for f in report["findings"] if f["message"] == cause]
    assert [f["file"] for f in stopped] == ["supabase/migrations/20251201000000_filler.sql"], run.out


def test_the_disk_limit_is_a_size() -> None:
    from schemagate.bounds import size_problem

    assert size_problem("check_disk_limit", "4GB") is None
    assert "a size in MB or GB" in str(size_problem("check_disk_limit", "lots"))
    assert "at most 1024GB" in str(size_problem("check_disk_limit", "2000GB"))
