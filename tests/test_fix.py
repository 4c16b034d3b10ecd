"""`schemagate fix`: the check's mechanical fixes written into the new migrations, and only those."""

from __future__ import annotations

from checking import commit_base
from conftest import Project, run_process

ORDERS = """create table public.orders (id bigint primary key);
alter table public.orders add column note text;
CREATE INDEX orders_note_idx ON public.orders (note);
"""
FIXED = """create table if not exists public.orders (id bigint primary key);
alter table public.orders enable row level security;
alter table public.orders add column if not exists note text;
CREATE INDEX IF NOT EXISTS orders_note_idx ON public.orders (note);
"""


def test_fix_writes_the_fixes_and_the_check_then_finds_none_of_them(project: Project) -> None:
    base = commit_base(project)
    path = project.write("20251201000000_orders.sql", ORDERS)
    run = run_process("fix", "--base", base, cwd=project.root)
    assert run.code == 0, run.text
    assert path.read_text() == FIXED
    assert "fixed 3 statements in 1 file" in run.out
    assert "+alter table public.orders enable row level security;" in run.out  # the diff is printed
    # what needs the author's words is left to them, and said so
    assert "left to you" in run.out and "missing-table-comment" in run.out
    check = run_process("check", "--base", base, "--format", "json", cwd=project.root)
    fixed = {"rls-disabled", "create-without-if-not-exists", "add-column-without-guard", "not-idempotent"}
    assert not fixed & {f for f in check.out.split('"rule": "')[1:] for f in [f.split('"')[0]]}
    # and a second fix has nothing left to do
    again = run_process("fix", "--base", base, cwd=project.root)
    assert again.code == 0 and "fixed 0 statements in 0 files" in again.out
    assert path.read_text() == FIXED


def test_fix_never_edits_a_merged_migration(project: Project) -> None:
    merged = project.write("20251101000000_merged.sql", ORDERS)
    commit_base(project)  # merged: in HEAD, which fix compares with by default
    new = project.write("20251201000000_new.sql", "create table public.notes (id bigint primary key);\n")
    run = run_process("fix", cwd=project.root)
    assert run.code == 0, run.text
    assert merged.read_text() == ORDERS
    assert new.read_text().startswith("create table if not exists public.notes")


def test_a_dry_run_prints_the_diff_and_writes_nothing(project: Project) -> None:
    base = commit_base(project)
    path = project.write("20251201000000_orders.sql", ORDERS)
    run = run_process("fix", "--base", base, "--dry-run", cwd=project.root)
    assert run.code == 0 and "would fix 3 statements in 1 file" in run.out
    assert "-create table public.orders (id bigint primary key);" in run.out
    assert path.read_text() == ORDERS


def test_windows_line_endings_stay_as_they_were(project: Project) -> None:
    base = commit_base(project)
    path = project.write("20251201000000_orders.sql", ORDERS.replace("\n", "\r\n").encode())
    assert run_process("fix", "--base", base, cwd=project.root).code == 0
    assert path.read_bytes() == FIXED.replace("\n", "\r\n").encode()


def test_an_unreadable_migration_is_bad_input_and_nothing_is_written(project: Project) -> None:
    base = commit_base(project)
    good = project.write("20251201000000_orders.sql", ORDERS)
    project.write("20251202000000_broken.sql", "create table (;\n")
    run = run_process("fix", "--base", base, cwd=project.root)
    assert run.code == 2 and "syntax error" in run.text
    assert good.read_text() == ORDERS
