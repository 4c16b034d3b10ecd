"""supabase/config.toml comes with the pull request, and so do its [db.seed] sql_paths patterns and
the symlinks they go through: expanding them is bounded, and lists no folder outside the repository.

`glob.glob` followed every symlink to a folder: `seeds/root -> /` with `seeds/root/*/*/*/*/*.sql`
walked the runner's disk (and /proc's links back to /) for as long as the job lived, before any
database or watchdog was there to stop it, and ten links to `.` with twenty `*` is 10^20 names.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from conftest import Project

EXPAND = "from schemagate.config import load, seed_files; print(len(seed_files(load(None))))"


def _expand(project: Project, patterns: str) -> str:
    """seed_files as a process of its own (unbounded, it would never come back); what it said."""
    (project.root / "supabase" / "config.toml").write_text(
        textwrap.dedent(f"""
        [db.seed]
        enabled = true
        sql_paths = [{patterns}]
        """)
    )
    done = subprocess.run(
        [sys.executable, "-c", EXPAND], cwd=project.root, capture_output=True, text=True, timeout=60
    )
    return done.stdout + done.stderr


def test_a_pattern_through_a_symlink_to_the_root_lists_nothing_outside(project: Project) -> None:
    seeds = project.root / "supabase" / "seeds"
    seeds.mkdir()
    (seeds / "root").symlink_to("/")
    said = _expand(project, '"seeds/root/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*.sql"')
    assert "lists a folder outside the repository" in said, said


def test_an_absolute_pattern_lists_nothing_outside(project: Project) -> None:
    said = _expand(project, '"/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*.sql"')
    assert "lists a folder outside the repository" in said, said


def test_links_in_a_loop_inside_the_repository_stop_at_the_bound(project: Project) -> None:
    seeds = project.root / "supabase" / "seeds"
    seeds.mkdir()
    for name in "abcdefghij":
        (seeds / name).symlink_to(".")
    said = _expand(project, '"seeds/' + "*/" * 20 + '*.sql"')
    assert "lists more than 100,000 files" in said, said


def test_the_usual_patterns_match_as_before(project: Project) -> None:
    seeds = project.root / "supabase" / "seeds"
    seeds.mkdir()
    for name in ("b.sql", "a.sql", ".hidden.sql", "c.txt"):
        (seeds / name).write_text("select 1;\n")
    (project.root / "supabase" / "seed.sql").write_text("select 1;\n")
    assert _expand(project, '"./seed.sql", "./seeds/*.sql", "seeds/[ab].sql", "nothing/*.sql"').strip() == "4"


def test_the_default_schema_paths_through_a_symlink_to_the_root(project: Project) -> None:
    """`./schemas/**/*.sql` (schema_paths' default) with a committed `supabase/schemas/x -> /`:
    glob's `**` followed it, and /proc's links back to /, for ever."""
    schemas = project.root / "supabase" / "schemas"
    schemas.mkdir()
    (schemas / "x").symlink_to("/")
    code = "from schemagate.config import load\nfrom schemagate.findings import declared_schemas\n"
    code += "declared_schemas.files(load(None))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=project.root, capture_output=True, text=True, timeout=60
    )
    assert "schema_paths './schemas/**/*.sql' lists a folder outside the repository" in done.stderr, (
        done.stderr
    )
