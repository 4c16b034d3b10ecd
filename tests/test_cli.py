"""The CLI's commands end to end: local, status, new, --help."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Database, Project, Run, run_process

Cli = Callable[..., Run]


def test_local_applies_the_bundled_example_with_its_seed(example: Project) -> None:
    run = run_process("local", cwd=example.root)
    assert run.code == 0, run.text
    lines = run.out.splitlines()
    assert lines[0].startswith("PostgreSQL ") and "ready in" in lines[0] and "Supabase shim" in lines[0]
    assert [line.split()[1] for line in lines if line.startswith("applied ")] == [
        "20251119184000_add_multi_tenancy.sql",
        "20251120170000_add_user_preferences.sql",
        "20251121090000_add_events.sql",
        "20251122100000_backfill_event_kinds.sql",
    ]
    assert any(line.startswith("seeded seed.sql") for line in lines)
    assert lines[-1].startswith("4 migration(s) applied on a throwaway database")


def test_a_migration_that_breaks_the_seed_fails_local(cli: Cli, example: Project) -> None:
    example.write(
        "20251123000000_rename_theme.sql",
        "alter table public.user_preferences rename column theme to ui_theme;",
    )
    run = cli("local")
    assert run.code == 1
    assert (
        'supabase/seed.sql:16: 42703 column "theme" of relation "user_preferences" does not exist' in run.err
    )


def test_a_failure_on_a_throwaway_database_prints_the_servers_detail(cli: Cli, project: Project) -> None:
    project.write("1_a.sql", "create table if not exists public.a (id int primary key);")
    (project.root / "supabase" / "seed.sql").write_text("insert into public.a values (1), (1);\n")
    run = cli("local", "--supabase", "false")
    assert run.code == 1, run.text
    err = run.err.splitlines()
    assert err[0].startswith("error: supabase/seed.sql:1: 23505 duplicate key value"), err
    assert err[1] == "  Key (id)=(1) already exists."  # which row: the seed's own


def test_a_failure_in_production_keeps_its_rows_out_of_the_output(
    cli: Cli, db: Database, project: Project
) -> None:
    project.write("1_a.sql", "create table if not exists public.a (email text);")
    assert cli("apply", "--database-url", db.url, "--on-drift", "off").code == 0
    with db.connect() as conn:
        conn.execute(b"insert into public.a values ('bob@example.com'), ('bob@example.com')")
    project.write("2_unique.sql", "create unique index if not exists a_email on public.a (email);")
    run = cli("apply", "--database-url", db.url, "--on-drift", "off")
    assert run.code == 1, run.text
    assert "could not create unique index" in run.err
    assert "bob@example.com" not in run.text  # production's DETAIL names the row: not printed


def test_local_without_the_shim_runs_as_the_databases_owner(cli: Cli, project: Project) -> None:
    project.write(  # event triggers need a superuser, which migrations never are unless declared
        "1_a.sql",
        "create function f() returns event_trigger language plpgsql as $$ begin end $$;\n"
        "create event trigger e on ddl_command_end execute function f();",
    )
    run = cli("local", "--supabase", "false")
    assert run.code == 1, run.text
    assert "Supabase shim" not in run.out
    assert "permission denied to create event trigger" in run.err
    assert "superuser: true" in run.err
    (project.root / ".github").mkdir()
    (project.root / ".github" / "schemagate.yml").write_text("superuser: true\n")
    run = cli("local", "--supabase", "false")
    assert run.code == 0, run.text
    assert "ran as a superuser" in run.text


def test_status_shows_every_state(cli: Cli, db: Database, project: Project) -> None:
    project.write("1_applied.sql", "create table a (id int);")
    drifting = project.write("2_drifted.sql", "create table b (id int);")
    gone = project.write("3_missing.sql", "create table c (id int);")
    assert cli("apply", "--database-url", db.url).code == 0
    drifting.write_text("create table b (id bigint);")
    gone.unlink()
    project.write("4_pending.sql", "create table d (id int);")
    run = cli("status", "--database-url", db.url, "--on-drift", "off")  # the history's states alone
    assert run.code == 2
    rows = {line.split()[0]: line.split() for line in run.out.splitlines()[2:-1]}
    assert rows["1"][1:4] == ["applied", "yes", "yes"] and rows["1"][-1] == "applied"
    assert rows["2"][-1] == "drifted"
    assert rows["3"][1:4] == ["missing", "no", "yes"] and rows["3"][-1] == "missing"
    assert rows["4"][1:4] == ["pending", "yes", "no"] and rows["4"][-1] == "pending"
    assert run.out.splitlines()[-1] == (
        "1 pending, 2 drifted or missing; `schemagate doctor` prints the commands that reconcile them"
    )


def test_status_on_a_fresh_database_lists_everything_pending(
    cli: Cli, db: Database, project: Project
) -> None:
    project.write("1_a.sql", "select 1;")
    run = cli("status", "--database-url", db.url)
    last = run.out.splitlines()[-1]
    assert run.code == 0 and last == "1 pending, 0 drifted or missing, the catalog matches its migrations"
    assert db.history() == []


def test_new_creates_a_timestamped_migration_that_passes_local(cli: Cli, project: Project) -> None:
    project.write("29991231235959_future.sql", "select 1;")
    run = cli("new", "add_user_notes", "--with-down")
    assert run.code == 0, run.text
    created = sorted(p.name for p in project.migrations.iterdir())
    assert created == ["29991231235959_future.sql", "30000101000000_add_user_notes.sql"]
    assert (project.root / "supabase" / "rollbacks" / "30000101000000_add_user_notes.sql").exists()
    text = (project.migrations / "30000101000000_add_user_notes.sql").read_text()
    assert "CREATE TABLE IF NOT EXISTS public.user_notes" in text
    assert cli("local").code == 0


def test_new_add_column_to_table_scaffolds_the_column_not_a_table(cli: Cli, project: Project) -> None:
    project.write("20250101000000_profiles.sql", "create table public.profiles (id uuid primary key);")
    run = cli("new", "add_avatar_column_to_profiles", "--with-down")
    assert run.code == 0, run.text
    (made,) = project.migrations.glob("*_add_avatar_column_to_profiles.sql")
    text = made.read_text()
    assert "ALTER TABLE public.profiles ADD COLUMN IF NOT EXISTS avatar text;" in text
    assert "CREATE TABLE" not in text and "avatar_column_to_profiles" not in text.split("\n", 1)[1]
    down = (project.root / "supabase" / "rollbacks" / made.name).read_text()
    assert "ALTER TABLE public.profiles DROP COLUMN IF EXISTS avatar;" in down
    assert cli("local").code == 0


def test_new_with_a_name_that_names_no_table_writes_no_table(cli: Cli, project: Project) -> None:
    run = cli("new", "backfill_event_kinds", "--with-down")
    assert run.code == 0, run.text
    (made,) = project.migrations.glob("*_backfill_event_kinds.sql")
    assert "CREATE TABLE" not in made.read_text() and "backfill_event_kinds" in made.read_text()
    down = (project.root / "supabase" / "rollbacks" / made.name).read_text()
    assert "-- INCOMPLETE:" in down  # rollback refuses it until someone writes the undo


def test_new_rejects_a_bad_name(cli: Cli, project: Project) -> None:
    run = cli("new", "Add Users!")
    assert run.code == 2 and "use lower_snake_case" in run.err
    assert list(project.migrations.iterdir()) == []


def test_help_prints_the_usage_and_what_the_tool_does_not_a_docstring() -> None:
    run = run_process("--help", cwd=Path.cwd())
    assert run.code == 0
    assert run.out.startswith("usage: schemagate ")
    assert "Check, deploy and roll back Supabase migrations." in run.out
    assert "commands.py" not in run.out and "parse the arguments" not in run.out
