"""`schemagate fix`: the check's mechanical fixes written into the new migrations, and only those."""

from __future__ import annotations

import json
from pathlib import Path

from checking import commit_base, git
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


def _feature_branch(project: Project) -> tuple[Path, Path]:
    """A merged migration on main, and one committed on a feature branch off it."""
    merged = project.write("20251101000000_merged.sql", ORDERS.replace("orders", "merged"))
    commit_base(project)
    git(project.root, "branch", "-M", "main")
    git(project.root, "checkout", "-q", "-b", "feature")
    branch = project.write("20251201000000_orders.sql", ORDERS)
    commit_base(project)
    return merged, branch


def test_on_a_feature_branch_fix_edits_what_the_branch_committed(project: Project) -> None:
    merged, branch = _feature_branch(project)
    fork = git(project.root, "rev-parse", "main")
    run = run_process("fix", cwd=project.root)
    assert run.code == 0, run.text
    assert f"base: {fork[:12]}, the merge-base of HEAD and main" in run.out
    assert branch.read_text() == FIXED and "fixed 3 statements in 1 file" in run.out
    assert merged.read_text() == ORDERS.replace("orders", "merged")


def test_check_on_a_feature_branch_judges_what_the_branch_adds_and_all_judges_everything(
    project: Project,
) -> None:
    _feature_branch(project)
    run = run_process("check", "--format", "json", cwd=project.root)
    assert "the merge-base of HEAD and main" in run.err  # the base is said, beside the report
    judged = {m["version"] for m in json.loads(run.out)["migrations"]}
    assert judged == {"20251201000000"}
    every = run_process("check", "--all", "--format", "json", cwd=project.root)
    assert {m["version"] for m in json.loads(every.out)["migrations"]} == {
        "20251101000000",
        "20251201000000",
    }


def test_outside_git_fix_edits_only_the_newest_migration_unless_all(project: Project) -> None:
    older = project.write("20251101000000_merged.sql", ORDERS.replace("orders", "merged"))
    newest = project.write("20251201000000_orders.sql", ORDERS)
    run = run_process("fix", "--dry-run", cwd=project.root)
    assert run.code == 0, run.text
    assert "base: none (no git history here)" in run.out
    assert "only the newest migration, 20251201000000_orders.sql, is edited" in run.out
    assert "would fix 3 statements in 1 file" in run.out and "merged" not in run.out.split("look merged")[1]
    every = run_process("fix", "--all", cwd=project.root)
    assert every.code == 0 and "fixed 6 statements in 2 files" in every.out
    assert newest.read_text() == FIXED and older.read_text() == FIXED.replace("orders", "merged")
