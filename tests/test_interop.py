"""The real Supabase CLI and schemagate share one history table and agree on it."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Database, Project, Run
from supabasecli import run_supabase, supabase_cli

Cli = Callable[..., Run]
pytestmark = pytest.mark.interop
_ROW = re.compile(r"^\s*`?\s*(?P<local>\d*)\s*`?\s*\|\s*`?\s*(?P<remote>\d*)\s*`?\s*\|")


def migration_list(db: Database, cwd: Path) -> dict[str, tuple[bool, bool]]:
    out = run_supabase("migration", "list", "--db-url", db.url, cwd=cwd)
    rows: dict[str, tuple[bool, bool]] = {}
    for line in out.splitlines():
        match = _ROW.match(line)
        if match and (match["local"] or match["remote"]):
            rows[match["local"] or match["remote"]] = (bool(match["local"]), bool(match["remote"]))
    return rows


NASTY = """\
-- leading comment; with a semicolon
create table if not exists public.things (id int primary key, label text default 'a;b');

;
CREATE OR REPLACE FUNCTION public.things_count() RETURNS bigint LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN (SELECT count(*) FROM public.things); -- inner; comment
END
$fn$;
/* block comment */ insert into public.things values (1, $q$x;y$q$);
DO $$ BEGIN PERFORM 1; END $$;  -- trailing comment
"""


def test_what_schemagate_applied_the_cli_lists_as_applied(cli: Cli, db: Database, example: Project) -> None:
    assert cli("apply", "--database-url", db.url).code == 0
    listed = migration_list(db, example.root)
    versions = sorted(p.name.split("_")[0] for p in example.migrations.glob("*.sql"))
    assert listed == {v: (True, True) for v in versions}


def test_what_the_cli_pushed_schemagate_does_not_apply_again(
    cli: Cli, db: Database, project: Project
) -> None:
    project.write("20250101000000_nasty.sql", NASTY)
    project.write("20250102000000_plain.sql", "create table public.other (id int);")
    run_supabase("db", "push", "--db-url", db.url, "--yes", cwd=project.root)
    project.write("20250103000000_later.sql", "create table public.later (id int);")
    run = cli("apply", "--database-url", db.url)
    assert run.code == 0, run.text  # no drift: the CLI's statements match ours
    assert [line for line in run.out.splitlines() if line.startswith("applied")] == [
        line for line in run.out.splitlines() if "20250103000000_later.sql" in line
    ]
    assert [v for v, _ in db.history()] == ["20250101000000", "20250102000000", "20250103000000"]
    assert migration_list(db, project.root)["20250103000000"] == (True, True)


def test_statements_are_stored_exactly_as_the_cli_stores_them(
    cli: Cli, db: Database, plain_db: Database, project: Project
) -> None:
    project.write("20250101000000_nasty.sql", NASTY)
    run_supabase("db", "push", "--db-url", db.url, "--yes", cwd=project.root)
    assert cli("apply", "--database-url", plain_db.url).code == 0
    query = "select statements, name from supabase_migrations.schema_migrations"
    with db.connect(admin=True) as by_cli, plain_db.connect(admin=True) as by_us:
        assert by_us.execute(query).fetchall() == by_cli.execute(query).fetchall()


def test_cli_runs_a_down_sql_sibling_as_a_migration(db: Database, project: Project) -> None:
    """Why rollbacks live in supabase/rollbacks/: `supabase db push` executes a .down.sql sibling."""
    project.write("20250101000000_a.sql", "create table public.a (id int);")
    project.write("20250101000000_a.down.sql", "drop table public.a;")
    result = subprocess.run(
        [supabase_cli(), "db", "push", "--db-url", db.url, "--yes"],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode != 0
    assert 'table "a" does not exist' in result.stdout + result.stderr  # it ran the down file


def test_the_cli_agrees_with_the_history_after_a_rollback(cli: Cli, db: Database, project: Project) -> None:
    rollbacks = project.root / "supabase" / "rollbacks"
    rollbacks.mkdir()
    for version, table in (("20250101000000", "a"), ("20250102000000", "b")):
        project.write(f"{version}_{table}.sql", f"create table if not exists public.{table} (id int);")
        (rollbacks / f"{version}_{table}.sql").write_text(f"drop table if exists public.{table};")
    assert cli("apply", "--database-url", db.url).code == 0
    assert cli("rollback", "--database-url", db.url, "--steps", "1", "--reason", "r").code == 0
    assert migration_list(db, project.root) == {
        "20250101000000": (True, True),
        "20250102000000": (True, False),
    }


def test_empty_comment_only_and_skipped_files_are_treated_as_the_cli_treats_them(
    cli: Cli, db: Database, plain_db: Database, project: Project
) -> None:
    """The CLI applies and records an empty or comments-only file, and skips a .sql file whose name
    is not `<digits>_<name>.sql`; schemagate applies the same set and records the same rows."""
    project.write("20250101000000_comments.sql", "-- a\n\n-- b\n/* c */\n")
    project.write("20250102000000_empty.sql", "")
    project.write("20250103000000_.sql", "create table public.unnamed (id int);\n")
    project.write("seed.sql", "create table public.never (id int);\n")
    project.write("local_20250104000000_x.sql", "create table public.never2 (id int);\n")
    pushed = subprocess.run(
        [supabase_cli(), "db", "push", "--db-url", db.url, "--yes"],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert "Skipping migration seed.sql" in pushed.stdout + pushed.stderr
    run = cli("apply", "--database-url", plain_db.url)
    assert run.code == 0, run.text
    assert "seed.sql: skipped, the Supabase CLI never applies it" in run.err
    query = "select version, name, statements from supabase_migrations.schema_migrations order by 1"
    with db.connect(admin=True) as by_cli, plain_db.connect(admin=True) as by_us:
        assert by_us.execute(query).fetchall() == by_cli.execute(query).fetchall()
        assert by_us.execute("select to_regclass('public.never')").fetchone() == (None,)


def test_a_file_that_commits_part_way_applies_on_the_throwaway_database_as_the_cli_applies_it(
    cli: Cli, project: Project
) -> None:
    """`supabase db push` runs a file of several BEGIN ... COMMIT blocks; the check must too, or a
    project with one such merged file can never be checked. The new file is still an error."""
    project.write(
        "20250101000000_parts.sql",
        "begin;\ncreate table public.a (id int);\ncommit;\n"
        "begin;\ncreate table public.b (id int);\ncommit;\n",
    )
    local = cli("local")
    assert local.code == 0, local.text
    check = cli("check", "--format", "json")
    report = json.loads(check.out)
    rules = {f["rule"] for f in report["findings"]}
    assert "apply-failed" not in rules and "commit-splits-migration" in rules
