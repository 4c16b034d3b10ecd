"""The two front ends over one command layer: what a new user meets first, the same everywhere."""

from __future__ import annotations

import argparse
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Database, Project, Run
from schemagate.cli import build_parser
from schemagate.errors import ApiError

Cli = Callable[..., Run]


@pytest.mark.parametrize(
    ("url", "fragments"),
    [
        ("postgresql://postgres:Tr0ub4dor@horse@127.0.0.1:1/db", ["Tr0ub4dor", "horse"]),
        ("postgresql://postgres:ab/cd@127.0.0.1:1/db", ["ab/cd", "cd@", "postgres/cd"]),
    ],
)
def test_a_password_with_an_unencoded_at_or_slash_shows_no_fragment(
    cli: Cli, project: Project, url: str, fragments: list[str]
) -> None:
    project.write("20250101000000_a.sql", "select 1;")
    run = cli("apply", "--database-url", url)
    assert run.code == 2, run.text
    assert "percent-encode" in run.err or "percent-encoded" in run.err
    assert not any(fragment in run.text for fragment in fragments), run.text


def test_a_database_url_that_is_no_url_is_bad_input(cli: Cli, project: Project) -> None:
    project.write("20250101000000_a.sql", "select 1;")
    run = cli("status", "--database-url", "not a url")
    assert run.code == 2, run.text
    assert "is not a connection string" in run.err


def test_rules_off_as_the_readme_writes_it(cli: Cli, project: Project) -> None:
    (project.root / ".github").mkdir()
    (project.root / ".github" / "schemagate.yml").write_text("rules: {missing-table-comment: off}\n")
    project.write("20250101000000_a.sql", "create table if not exists public.a (id bigint primary key);")
    run = cli("lint", "--format", "json")
    assert run.code in (0, 1), run.text
    assert '"missing-table-comment"' not in run.out


def test_every_config_mistake_is_said_at_once_with_its_line_and_a_near_miss(
    cli: Cli, project: Project
) -> None:
    (project.root / ".github").mkdir()
    (project.root / ".github" / "schemagate.yml").write_text(
        "lock_timout: 5s\nrules:\n  rls-disabld: error\n  missing-timestamps: loud\n"
    )
    project.write("20250101000000_a.sql", "select 1;")
    run = cli("lint")
    assert run.code == 2
    (error,) = run.err.splitlines()
    assert error.startswith("error: 3 mistakes in ")
    assert "line 1: unknown key 'lock_timout' (did you mean 'lock_timeout'?)" in error
    assert "line 3: unknown rule id 'rls-disabld' (did you mean 'rls-disabled'?)" in error
    assert "line 4: rules.missing-timestamps: severity must be one of" in error


@pytest.mark.parametrize("command", [["local"], ["lint"], ["check"]])
def test_one_bad_file_is_one_exit_code_from_every_command(
    cli: Cli, project: Project, command: list[str]
) -> None:
    project.write("20250101000000_bad.sql", b"select 1;\nselect '\xff';\n")
    run = cli(*command)
    assert run.code == 2, run.text


def test_commands_work_from_any_folder_of_the_project(
    cli: Cli, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.write("20250101000000_a.sql", "create table public.a (id bigint primary key);")
    monkeypatch.chdir(project.root / "supabase")
    assert "20250101000000_a.sql" in cli("lint").out
    monkeypatch.chdir(project.migrations)
    created = cli("new", "add_things")
    assert created.code == 0, created.text
    (made,) = [p for p in project.migrations.glob("*_add_things.sql")]
    assert made.parent == project.migrations
    assert not (project.migrations / "supabase").exists()


def test_status_names_the_database_and_rollback_where_it_now_is(
    cli: Cli, db: Database, project: Project
) -> None:
    rollbacks = project.root / "supabase" / "rollbacks"
    rollbacks.mkdir()
    for version in ("20250101000000", "20250102000000"):
        project.write(f"{version}_t.sql", f"create table if not exists public.t{version} (id int);")
        (rollbacks / f"{version}_t.sql").write_text(f"drop table if exists public.t{version};")
    assert cli("apply", "--database-url", db.url).code == 0
    status = cli("status", "--database-url", db.url)
    assert status.out.splitlines()[0] == f"database: 127.0.0.1:{db.server.port}/{db.name}"
    back = cli("rollback", "--database-url", db.url, "--steps", "1", "--reason", "r")
    assert back.out.splitlines()[-1] == "1 migration(s) rolled back; the database is now at 20250101000000"
    assert "production" not in back.out


def _actions(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.Action]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += [(f"{name} {a.dest}", a) for a in sub._actions if a.dest != "help"]
    return found


def test_every_subcommand_and_option_says_what_it_does() -> None:
    parser = build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert all(choice.help for choice in subs._choices_actions)
    assert [name for name, action in _actions(parser) if not action.help] == []


def test_a_github_error_keeps_its_status_and_place_across_processes() -> None:
    made = ApiError("rate limited", 429, path=Path("x.sql"), line=3)
    back = pickle.loads(pickle.dumps(made))
    assert (type(back), back.message, back.status, back.path, back.line) == (
        ApiError,
        "rate limited",
        429,
        Path("x.sql"),
        3,
    )
