"""Helpers for tests of `schemagate check`: a git base, and a check against the test database."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import TEMPLATE, Database, Project, _new_database
from schemagate.commands import checking as check
from schemagate.config import Config
from schemagate.database.server import shim
from schemagate.report.model import Report

GOOD = """
create table if not exists public.things (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index if not exists things_user_id_idx on public.things (user_id);
alter table public.things enable row level security;
drop policy if exists "own things" on public.things;
create policy "own things" on public.things for select to authenticated
  using ((select auth.uid()) = user_id);
comment on table public.things is 'Things a user owns.';
"""


@contextmanager
def fresh_database(db: Database) -> Iterator[Database]:
    """Another Supabase-shaped database on the same server, for a second check."""
    other = Database(db.server, _new_database(db.server, TEMPLATE))
    with db.server.connect(other.name) as conn:
        shim.install(conn)
    try:
        yield other
    finally:
        with db.server.connect() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {other.name} WITH (FORCE)")


def git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def commit_base(project: Project) -> str:
    """Make the project a real git repository and commit what is there: the PR's base."""
    fake = project.root / ".git"
    if fake.is_dir() and not (fake / "HEAD").exists():
        shutil.rmtree(fake)
        git(project.root, "init", "-q")
        git(project.root, "config", "user.email", "test@example.invalid")
        git(project.root, "config", "user.name", "test")
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "--allow-empty", "-m", "base")
    return git(project.root, "rev-parse", "HEAD")


def run_check(db: Database, *, base: str | None = None, config: Config | None = None) -> Report:
    options = check.Options(base=base, database_url=db.url)
    return check.run(config or Config(), options, lambda _line: None)


def rule_ids(report: Report) -> set[str]:
    return {f.rule.id for f in report.findings}
