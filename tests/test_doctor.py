"""The history doctor against the real Supabase CLI: each disagreement it names is one the CLI's
`migration list` shows (or, for edited statements, cannot see), and the command it prints, run
with the real CLI or with schemagate, reconciles the two."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable

import pytest

from checking import commit_base
from conftest import Database, Project, Run
from supabasecli import run_supabase
from test_interop import migration_list

Cli = Callable[..., Run]
pytestmark = pytest.mark.interop

A, B, C = "20251101000000", "20251102000000", "20251103000000"


@pytest.fixture
def applied(cli: Cli, db: Database, project: Project) -> Database:
    project.write(f"{A}_orders.sql", "create table if not exists public.orders (id bigint primary key);")
    project.write(f"{B}_notes.sql", "create table if not exists public.notes (id bigint primary key);")
    project.write(f"{C}_tags.sql", "create table if not exists public.tags (id bigint primary key);")
    (project.root / "supabase" / "config.toml").write_text('project_id = "doctor"\n')
    commit_base(project)
    assert cli("apply", "--database-url", db.url, "--on-drift", "off").code == 0
    return db


def _doctor(cli: Cli, db: Database) -> Run:
    return cli("doctor", "--database-url", db.url)


def _commands(run: Run, when: str) -> tuple[str, str]:
    """The Supabase CLI's command and ours, printed under the fix whose condition starts `when`."""
    lines = run.out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith(f"if {when}"))
    supabase = lines[at + 1].strip()
    ours = (
        lines[at + 2].strip().removeprefix("or: ") if lines[at + 2].strip().startswith("or: ") else supabase
    )
    return supabase, ours


def _run(command: str, db: Database, project: Project) -> None:
    command = command.split("  #", 1)[0]
    if command.startswith("supabase "):
        run_supabase(*shlex.split(command)[1:], "--db-url", db.url, "--yes", cwd=project.root)
    elif command.startswith("schemagate "):
        done = subprocess.run(
            [*shlex.split(command), "--database-url", db.url],
            cwd=project.root,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    else:
        subprocess.run(command, shell=True, cwd=project.root, check=True)


@pytest.mark.parametrize("tool", ["supabase", "schemagate"])
def test_a_version_without_its_file_is_named_and_reverting_it_reconciles(
    tool: str, cli: Cli, applied: Database, project: Project
) -> None:
    (project.migrations / f"{C}_tags.sql").unlink()
    assert migration_list(applied, project.root)[C] == (False, True)  # the CLI: remote only
    run = _doctor(cli, applied)
    assert run.code == 2 and f"missing-file: {C} (tags) is in production's history and has no file" in run.out
    supabase, ours = _commands(run, "the migration was undone")
    assert supabase == f"supabase migration repair --status reverted {C}"
    assert ours == f"schemagate repair --status reverted {C}"
    before = applied.tables()
    _run(supabase if tool == "supabase" else ours, applied, project)
    assert _doctor(cli, applied).code == 0
    assert C not in migration_list(applied, project.root)
    assert applied.tables() == before  # a repair changes the history, never the schema


@pytest.mark.parametrize("tool", ["supabase", "schemagate"])
def test_an_old_file_never_applied_is_named_and_marking_it_applied_reconciles(
    tool: str, cli: Cli, applied: Database, project: Project
) -> None:
    project.write("20251001000000_by_hand.sql", "create table if not exists public.by_hand (id int);")
    assert migration_list(applied, project.root)["20251001000000"] == (True, False)
    run = _doctor(cli, applied)
    assert "out-of-order: 20251001000000_by_hand.sql is older than 20251103000000" in run.out
    supabase, ours = _commands(run, "it already ran in production by hand")
    _run(supabase if tool == "supabase" else ours, applied, project)
    assert _doctor(cli, applied).code == 0
    assert migration_list(applied, project.root)["20251001000000"] == (True, True)
    assert applied.history()[0] == ("20251001000000", "by_hand")


def test_two_files_with_one_version_are_named_and_the_move_reconciles(
    cli: Cli, applied: Database, project: Project
) -> None:
    project.write(f"{B}_twin.sql", "create table if not exists public.twin (id int);")
    commit_base(project)  # committed, as a merged file would be
    assert sorted(line for line in migration_list(applied, project.root)) == [A, B, C]  # the CLI: one row
    run = _doctor(cli, applied)
    assert f"duplicate-version: version {B} is used by 2 files ({B}_notes.sql, {B}_twin.sql)" in run.out
    move, _ = _commands(run, f"{B}_notes.sql keeps the version")
    assert move.startswith("git mv ") and move.endswith("20251103000001_twin.sql")
    _run(move, applied, project)
    assert _doctor(cli, applied).code == 0  # the twin is now a pending migration, after the others
    assert migration_list(applied, project.root)["20251103000001"] == (True, False)


@pytest.mark.parametrize("tool", ["supabase", "schemagate"])
def test_an_edited_applied_file_is_named_though_the_cli_sees_nothing(
    tool: str, cli: Cli, applied: Database, project: Project
) -> None:
    project.write(
        f"{B}_notes.sql", "create table if not exists public.notes (id bigint primary key, body text);"
    )
    assert migration_list(applied, project.root)[B] == (True, True)  # versions alone agree
    run = _doctor(cli, applied)
    assert f"statements-differ: {B}_notes.sql differs from the statements production recorded" in run.out
    supabase, ours = _commands(run, "production ran the file as it is now")
    assert supabase == f"supabase migration repair --status applied {B}"
    _run(supabase if tool == "supabase" else ours, applied, project)
    assert _doctor(cli, applied).code == 0


def test_the_doctor_changes_nothing(cli: Cli, applied: Database, project: Project) -> None:
    (project.migrations / f"{C}_tags.sql").unlink()
    project.write("20251001000000_by_hand.sql", "select 1;")
    before = applied.snapshot()
    assert _doctor(cli, applied).code == 2
    assert applied.snapshot() == before
    assert "2 problem(s); nothing was changed" in _doctor(cli, applied).out


def test_a_clean_history_says_so(cli: Cli, applied: Database) -> None:
    run = _doctor(cli, applied)
    assert run.code == 0 and "the history and the folder agree" in run.out
