"""What a pull request's migrations, seed and pgTAP files may take of the runner's memory and time.

A statement's rows are read as they come (a test file's are its TAP): libpq held a statement's
whole result in memory before the first row was read (`select repeat('x', 1000) from
generate_series(1, 1e8)`: 100 GB, in a migration as in a test file), and every TAP line was kept.
Includes had no bound on what they read all told: a file that includes another a thousand times is
no loop, and the reading, with no statement for the watchdog to end, went past every limit of the
check.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

from conftest import Project

# the process may take this much address space: a result held whole (1.5 GB) does not fit
ADDRESS_SPACE = 1200 * 1024 * 1024
BIG_RESULT = (
    "select plan(1);\nselect pass('before');\nselect repeat('x', 1000) from generate_series(1, 1500000);\n"
)


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def _test(project: Project, timeout: float, *argv: str) -> str:
    """`schemagate test` (or another command) as its own process, in a bounded address space; what
    it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "schemagate.cli", *(argv or ("test", "--jobs", "1"))],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limited,  # the child's own limit
    )
    return done.stdout + done.stderr


def _write(project: Project, name: str, text: str) -> Path:
    path = project.root / "supabase" / "tests" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_result_bigger_than_memory_stops_the_file_and_nothing_else(project: Project) -> None:
    project.write("20250101000000_t.sql", "create table public.t (id int primary key);")
    _write(project, "rows.sql", BIG_RESULT)
    out = _test(project, timeout=120)
    assert "the file printed more than 250,000 lines or 64 MB (rows and echoes): stopped there" in out, out
    assert "out of memory" not in out and "Traceback" not in out


def test_includes_that_fan_out_stop_at_their_bound(project: Project) -> None:
    project.write("20250101000000_t.sql", "create table public.t (id int primary key);")
    _write(project, "parts/comments.inc", "-- nothing to run here\n" * 40_000)  # about 1 MB
    _write(project, "fan.sql", "select plan(0);\n" + "\\ir parts/comments.inc\n" * 10_000)  # 10 GB in all
    out = _test(project, timeout=120)
    assert "with its includes the file is over 20 MB: stopped here" in out, out
    assert "Traceback" not in out


def test_a_migration_that_selects_more_than_memory_applies(project: Project) -> None:
    """Its rows go nowhere, as in production: the migration applies, the check goes on."""
    project.write("20250101000000_t.sql", "create table public.t (id int primary key);")
    project.write("20250102000000_rows.sql", "select repeat('x', 1000) from generate_series(1, 1500000);")
    out = _test(project, 120, "check", "--all", "--no-cache")
    assert "out of memory" not in out and "Traceback" not in out, out
    assert "applied 20250102000000_rows.sql" in out or "2 migrations checked" in out, out


def test_a_tests_folder_that_is_a_symlink_out_is_not_walked(project: Project) -> None:
    """`supabase/tests -> /` listed every .sql file of the runner's disk (each then refused), walking
    it whole first: now the folder is refused, once."""
    project.write("20250101000000_t.sql", "create table public.t (id int primary key);")
    (project.root / "supabase" / "tests").symlink_to("/usr")
    out = _test(project, timeout=120)
    assert "supabase/tests:1: symlink points outside the repository" in out, out
    assert "Files=1," in out and "/share/" not in out, out
