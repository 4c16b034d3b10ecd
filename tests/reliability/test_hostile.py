"""Hostile and broken input, table-driven: each gets an exit code, one clear line naming the file
(and line where there is one), and a database exactly as it was."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Database, Project, Run

Cli = Callable[..., Run]
GOOD = "create table if not exists public.kept (id int);"


def _symlink_outside(project: Project) -> None:
    outside = project.root.parent / "outside.sql"
    outside.write_text("select 1;")
    os.symlink(outside, project.migrations / "20250102000000_link.sql")


# (case, files to add as name -> bytes, or a setup function; expected code; text in the message)
CASES: list[tuple[str, dict[str, bytes] | Callable[[Project], None], int, str]] = [
    # the Supabase CLI skips these with a notice, and so does schemagate (tests/test_discovery.py)
    ("no version", {"add_users.sql": b"select 1;"}, 0, ""),
    ("letters in the version", {"2025a1_users.sql": b"select 1;"}, 0, ""),
    ("duplicate versions", {"20250101000000_again.sql": b"select 1;"}, 2, "is also used by"),
    ("a name with spaces", {"20250102000000_add users.sql": b"select 1;"}, 0, ""),
    ("unicode name", {"20250102000000_ajouter_été.sql": b"select 1;"}, 0, ""),
    ("markdown and mentions", {"20250102000000_**@octocat**.sql": b"select 1;"}, 0, ""),
    ("script tag", {"20250102000000_<script>.sql": b"select 1;"}, 0, ""),
    ("symlink outside the repository", _symlink_outside, 2, "symlink points outside the repository"),
    ("directory named like a migration", lambda p: (p.migrations / "20250102000000_dir.sql").mkdir(), 0, ""),
    ("invalid UTF-8", {"20250102000000_bad.sql": b"select 1;\nselect '\xc3\x28';"}, 2, ":2: invalid UTF-8"),
    ("UTF-16", {"20250102000000_u16.sql": "select 1;".encode("utf-16")}, 2, "file is UTF-16"),
    ("NUL byte", {"20250102000000_nul.sql": b"select 1;\n\x00"}, 2, ":2: file contains a NUL byte"),
    # the CLI applies and records these; so does schemagate (tests/test_interop.py)
    ("empty file", {"20250102000000_empty.sql": b""}, 0, ""),
    ("only comments", {"20250102000000_c.sql": b"-- nothing\n/* at all */\n"}, 0, ""),
    ("psql \\i", {"20250102000000_i.sql": b"select 1;\n\\i other.sql\n"}, 2, ":2:1: syntax error"),
    ("psql \\set", {"20250102000000_s.sql": b"\\set x 1\n"}, 2, "psql meta-commands"),
    ("psql \\copy", {"20250102000000_cp.sql": b"\\copy t from 'x.csv'\n"}, 2, "psql meta-commands"),
    (
        "unterminated dollar quote",
        {"20250102000000_d.sql": b"do $$ begin perform 1;"},
        2,
        "unterminated dollar-quoted string",
    ),
    (
        "syntax error on a known line",
        {"20250102000000_x.sql": b"select 1;\n\nselec 2;\n"},
        2,
        ":3:1: syntax error",
    ),
    (
        "COMMIT without BEGIN",
        {"20250102000000_cm.sql": b"create table public.a (id int);\ncommit;\n"},
        2,
        ":2: COMMIT inside a migration",
    ),
    (
        "CREATE DATABASE",
        {"20250102000000_db.sql": b"create database other;\n"},
        2,
        ":1: CREATE DATABASE acts on the whole server",
    ),
    (
        "ALTER SYSTEM",
        {"20250102000000_sys.sql": b"select 1;\nalter system set work_mem = '1MB';\n"},
        2,
        ":2: ALTER SYSTEM acts on the whole server",
    ),
    (
        "a failing statement",
        {"20250102000000_f.sql": b"create table public.half (id int);\nselect 1/0;\n"},
        1,
        ":2: 22012 division by zero",
    ),
    ("oversized file", {"20250102000000_big.sql": b"select 1;\n" * 1_200_000}, 2, "over the 10 MB limit"),
    ("malformed YAML config", lambda p: _config(p, "rules: [unclosed\n"), 2, "malformed YAML"),
    ("unknown config key", lambda p: _config(p, "lock_timout: 5s\n"), 2, "unknown key 'lock_timout'"),
    (
        "bad supabase value",
        lambda p: _config(p, "supabase: maybe\n"),
        2,
        "supabase must be true, false or auto",
    ),
    ("bad timeout", lambda p: _config(p, "lock_timeout: soon\n"), 2, "lock_timeout must be a duration"),
    ("config that is a list", lambda p: _config(p, "- a\n- b\n"), 2, "config must be a mapping"),
    ("config not UTF-8", lambda p: _config(p, b"rules: {}\n\xff"), 2, "config is not valid UTF-8"),
]


def _config(project: Project, text: str | bytes) -> None:
    path = project.root / ".github" / "schemagate.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)


@pytest.mark.parametrize(("case", "setup", "code", "message"), CASES, ids=[c[0] for c in CASES])
def test_hostile_input(
    case: str,
    setup: dict[str, bytes] | Callable[[Project], None],
    code: int,
    message: str,
    cli: Cli,
    db: Database,
    project: Project,
) -> None:
    project.write("20250101000000_kept.sql", GOOD)
    assert cli("apply", "--database-url", db.url).code == 0
    before = db.snapshot()
    if callable(setup):
        setup(project)
    else:
        for name, content in setup.items():
            (project.migrations / name).write_bytes(content)
    run = cli("apply", "--database-url", db.url)
    assert run.code == code, run.text
    if code == 0:
        return  # an odd but valid name: applied, and its name is printed as it is
    errors = [line for line in run.err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and message in errors[0], run.err
    assert "Traceback" not in run.text
    assert db.snapshot() == before


def test_odd_names_are_applied_and_recorded_verbatim(cli: Cli, db: Database, project: Project) -> None:
    project.write("20250102000000_**@octocat** <script>.sql", "select 1;")
    assert cli("apply", "--database-url", db.url).code == 0
    assert db.history() == [("20250102000000", "**@octocat** <script>")]
    assert Path(project.migrations / "20250102000000_**@octocat** <script>.sql").exists()
