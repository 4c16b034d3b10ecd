"""`schemagate rollback`: reviewed down files, newest first, refusals before anything runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Database, Project, Run
from schemagate.database.apply import rollback
from schemagate.database.history import Recorded
from schemagate.errors import InputError
from schemagate.files.migrations import discover

Cli = Callable[..., Run]


def three(project: Project) -> Path:
    rollbacks = project.root / "supabase" / "rollbacks"
    rollbacks.mkdir(exist_ok=True)
    for version, table in (("20250101000000", "a"), ("20250102000000", "b"), ("20250103000000", "c")):
        project.write(f"{version}_{table}.sql", f"create table if not exists public.{table} (id int);")
        (rollbacks / f"{version}_{table}.sql").write_text(f"drop table if exists public.{table};\n")
    return rollbacks


def test_one_step(cli: Cli, db: Database, project: Project) -> None:
    three(project)
    assert cli("apply", "--database-url", db.url).code == 0
    run = cli("rollback", "--database-url", db.url, "--steps", "1", "--reason", "bad deploy")
    assert run.code == 0, run.text
    assert "rolled back 20250103000000_c with 20250103000000_c.sql" in run.out
    assert run.out.splitlines()[-1] == "1 migration(s) rolled back; the database is now at 20250102000000"
    assert [v for v, _ in db.history()] == ["20250101000000", "20250102000000"]
    assert "c" not in db.tables() and "b" in db.tables()
    with db.connect(admin=True) as conn:
        audit = conn.execute(
            "select version, action, reason, down_sha256 is not null "
            "from supabase_migrations.schemagate_audit where action = 'rollback'"
        ).fetchall()
    assert audit == [("20250103000000", "rollback", "bad deploy", True)]


def test_to_a_version_rolls_back_everything_newer(cli: Cli, db: Database, project: Project) -> None:
    three(project)
    assert cli("apply", "--database-url", db.url).code == 0
    run = cli("rollback", "--database-url", db.url, "--to", "20250101000000", "--reason", "r")
    assert run.code == 0, run.text
    assert [line.split()[2] for line in run.out.splitlines() if line.startswith("rolled back")] == [
        "20250103000000_c",
        "20250102000000_b",
    ]
    assert [v for v, _ in db.history()] == ["20250101000000"]
    assert db.tables() == ["a"]
    again = cli("apply", "--database-url", db.url)  # and forward again
    assert again.code == 0 and db.tables() == ["a", "b", "c"]


def test_dry_run_touches_nothing(cli: Cli, db: Database, project: Project) -> None:
    three(project)
    assert cli("apply", "--database-url", db.url).code == 0
    before = db.snapshot()
    run = cli("rollback", "--database-url", db.url, "--to", "0", "--dry-run")
    assert run.code == 0
    assert "dry run: 3 step(s), newest first; the database would be at none" in run.out
    assert db.snapshot() == before


def test_refuses_when_a_down_file_is_missing(cli: Cli, db: Database, project: Project) -> None:
    rollbacks = three(project)
    assert cli("apply", "--database-url", db.url).code == 0
    (rollbacks / "20250102000000_b.sql").unlink()
    before = db.snapshot()
    run = cli("rollback", "--database-url", db.url, "--steps", "2", "--reason", "r")
    assert run.code == 2
    assert "no reviewed down migration for 20250102000000" in run.err and "draft" in run.err
    # the file to add by its name, and a draft command that covers merged migrations (`--all`)
    assert "add supabase/rollbacks/20250102000000_b.sql" in run.err
    assert "`schemagate check --all --drafts supabase/rollbacks`" in run.err
    assert db.snapshot() == before


def test_refuses_when_a_down_file_changed_after_apply(cli: Cli, db: Database, project: Project) -> None:
    rollbacks = three(project)
    assert cli("apply", "--database-url", db.url).code == 0
    (rollbacks / "20250103000000_c.sql").write_text("drop table if exists public.c cascade;\n")
    before = db.snapshot()
    run = cli("rollback", "--database-url", db.url, "--steps", "1", "--reason", "r")
    assert run.code == 2
    assert "down migration(s) for 20250103000000 changed after the migration was applied" in run.err
    assert db.snapshot() == before


def test_a_failing_step_stops_and_says_where_production_stands(
    cli: Cli, db: Database, project: Project
) -> None:
    rollbacks = three(project)
    (rollbacks / "20250102000000_b.sql").write_text("select 1;\ndrop table public.never_existed;\n")
    assert cli("apply", "--database-url", db.url).code == 0
    args = ("rollback", "--database-url", db.url, "--to", "20250101000000", "--reason", "r")
    before = db.snapshot()
    refused = cli(*args)  # the rehearsal on a replica sees the failure first
    assert refused.code == 2, refused.text
    assert "a down file fails on a throwaway replica of the database" in refused.err
    assert "20250102000000_b.sql:2: 42P01" in refused.err and "nothing was touched" in refused.err
    assert db.snapshot() == before
    run = cli(*args, "--force")  # forced, production fails as the replica did
    assert run.code == 1
    assert "rolling back anyway (--force)" in run.err
    assert "rollbacks/20250102000000_b.sql:2: 42P01" in run.err
    where = "1 of 2 step(s) rolled back (last: 20250103000000), the database is now at 20250102000000"
    assert where in run.err
    assert [v for v, _ in db.history()] == ["20250101000000", "20250102000000"]  # consistent with the catalog
    assert db.tables() == ["a", "b"]


def test_unknown_version_is_a_clear_error(cli: Cli, db: Database, project: Project) -> None:
    three(project)
    assert cli("apply", "--database-url", db.url).code == 0
    run = cli("rollback", "--database-url", db.url, "--to", "20240101000000", "--reason", "r")
    assert run.code == 2 and "version 20240101000000 is not applied here" in run.err


def test_a_down_sql_sibling_is_refused_with_the_reason(project: Project) -> None:
    project.write("20250101000000_a.sql", "select 1;")
    project.write("20250101000000_a.down.sql", "select 1;")
    with pytest.raises(InputError, match="down migrations belong in supabase/rollbacks/"):
        discover(project.migrations)


DRAFT = """-- Draft down migration for 20250103000000_c.sql, generated by schemagate from its parse tree.
-- Review it, then commit it as supabase/rollbacks/20250103000000_c.sql.
-- INCOMPLETE: these statements have no exact inverse and need a human:
--   line 2: UPDATE has no exact inverse

drop table if exists public.c;
"""


def test_refuses_a_down_file_marked_incomplete(cli: Cli, db: Database, project: Project) -> None:
    rollbacks = three(project)
    (rollbacks / "20250103000000_c.sql").write_text(DRAFT)
    assert cli("apply", "--database-url", db.url).code == 0
    before = db.snapshot()
    run = cli("rollback", "--database-url", db.url, "--steps", "1", "--reason", "r")
    assert run.code == 2, run.text
    assert "down file(s) that cannot be trusted, nothing was touched" in run.err
    assert "20250103000000: 20250103000000_c.sql is marked INCOMPLETE" in run.err
    assert "--force" in run.err
    assert db.snapshot() == before and len(db.history()) == 3


def test_refuses_a_down_file_of_comments_only_unless_forced(cli: Cli, db: Database, project: Project) -> None:
    rollbacks = three(project)
    (rollbacks / "20250103000000_c.sql").write_text("-- drop the table c here\n")
    assert cli("apply", "--database-url", db.url).code == 0
    before = db.snapshot()
    run = cli("rollback", "--database-url", db.url, "--steps", "1", "--reason", "r")
    assert run.code == 2, run.text
    assert "20250103000000_c.sql has no statement (only comments) but 20250103000000_c.sql" in run.err
    assert db.snapshot() == before and len(db.history()) == 3
    forced = cli("rollback", "--database-url", db.url, "--steps", "1", "--reason", "known", "--force")
    assert forced.code == 0, forced.text
    assert "has no statement (only comments)" in forced.err and "running it anyway (--force)" in forced.err
    assert len(db.history()) == 2 and "c" in db.tables()  # as forced: the row gone, the table left


def test_an_empty_down_file_of_a_data_migration_is_trusted(cli: Cli, db: Database, project: Project) -> None:
    rollbacks = three(project)
    project.write("20250104000000_d.sql", "insert into public.a values (1);")
    (rollbacks / "20250104000000_d.sql").write_text("-- the row may stay\n")
    assert cli("apply", "--database-url", db.url).code == 0
    run = cli("rollback", "--database-url", db.url, "--steps", "1", "--reason", "r")
    assert run.code == 0, run.text
    assert len(db.history()) == 3


def test_a_reason_is_required(cli: Cli, db: Database, project: Project) -> None:
    three(project)
    assert cli("apply", "--database-url", db.url).code == 0
    run = cli("rollback", "--database-url", db.url, "--steps", "1")
    assert run.code == 2
    assert "a rollback needs a reason (--reason)" in run.err
    assert len(db.history()) == 3
    assert cli("rollback", "--database-url", db.url, "--steps", "1", "--dry-run").code == 0


@pytest.mark.parametrize(
    ("down", "said"),
    [
        ("select 1;\n", "relation public.c left behind, column public.c.id left behind"),
        ("drop table public.c;\ndrop table public.b;\n", "relation public.b removed"),
    ],
)
def test_the_rehearsal_refuses_a_down_file_that_does_not_restore_the_target(
    cli: Cli, db: Database, project: Project, down: str, said: str
) -> None:
    rollbacks = three(project)
    (rollbacks / "20250103000000_c.sql").write_text(down)
    assert cli("apply", "--database-url", db.url).code == 0
    before = db.snapshot()
    run = cli("rollback", "--database-url", db.url, "--steps", "1", "--reason", "r")
    assert run.code == 2, run.text
    assert len(run.err.strip().splitlines()) == 1  # one line: the cause, and nothing ran
    assert "the down files do not bring the schema back to 20250102000000" in run.err and said in run.err
    assert "nothing was touched" in run.err
    assert db.snapshot() == before and len(db.history()) == 3


def test_a_missing_down_file_is_named_from_the_history_when_the_migration_file_is_gone() -> None:
    recorded = [Recorded("20250101000000", "a", ()), Recorded("20250102000000", "orders", ())]
    with pytest.raises(InputError) as refused:
        rollback.plan(recorded, {}, {}, steps=1, rollbacks=Path("db/down"))
    assert "add db/down/20250102000000_orders.sql" in refused.value.message
    assert "`schemagate check --all --drafts db/down`" in refused.value.message
