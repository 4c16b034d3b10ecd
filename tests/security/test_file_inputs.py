"""What a pull request's files can do to the process that reads them: a symlink to /dev/zero, a
FIFO, a file outside the checkout, a config of gigabytes or a YAML alias bomb. Each is refused
with one line naming the file and exit code 2, from every command that reads it.

The commands run as separate processes under a 1 GiB address-space limit, so a read that never
ends fails the test with a MemoryError instead of taking the machine's memory with it."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Database, Project, Run

SECRET = "Qv8NotForPrinting"
LIMIT_AS = 1 << 30


def _run(project: Project, *argv: str) -> Run:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))

    result = subprocess.run(
        [sys.executable, "-m", "schemagate.cli", *argv],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=120,  # a guard: a FIFO read before the fix never returns
        preexec_fn=limit,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    return Run(result.returncode, result.stdout, result.stderr)


def _dev_zero(path: Path) -> None:
    os.symlink("/dev/zero", path)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _outside(path: Path) -> None:
    """A symlink to a regular file outside the checkout, as `/proc/self/environ` would be."""
    root = next(p for p in path.parents if (p / ".git").exists())
    outside = root.parent / "outside-environ"
    outside.write_text(f"{SECRET}: 1\n")
    os.symlink(outside, path)


KINDS: dict[str, tuple[Callable[[Path], None], str]] = {
    "symlink to /dev/zero": (_dev_zero, "symlink points outside the repository"),
    "FIFO": (_fifo, "is a FIFO, not a regular file"),
    "symlink outside the checkout": (_outside, "symlink points outside the repository"),
}

# (file, the commands that read it)
FILES: list[tuple[str, list[str]]] = [
    (".github/schemagate.yml", ["lint", "check", "local", "apply", "fix", "status"]),
    ("supabase/config.toml", ["check", "fix"]),
    ("supabase/seed.sql", ["check"]),
    ("supabase/rollbacks/20250101000000_first.sql", ["apply", "rollback"]),
]
CASES = [
    pytest.param(file, command, kind, id=f"{file} as a {kind}, {command}")
    for file, commands in FILES
    for command in commands
    for kind in KINDS
]


def _arguments(command: str, db: Database) -> list[str]:
    if command in {"apply", "status"}:
        return [command, "--database-url", db.url]
    if command == "rollback":
        return [command, "--database-url", db.url, "--steps", "1", "--reason", "r"]
    if command == "check":
        return [command, "--check-database-url", db.url]
    return [command]  # fix and local start their own server, after these files are read


@pytest.mark.parametrize(("file", "command", "kind"), CASES)
def test_a_hostile_repository_file_is_one_line_and_exit_2(
    db: Database, project: Project, file: str, command: str, kind: str
) -> None:
    project.write("20250101000000_first.sql", "create table public.first (id int);")
    if command == "rollback":
        (project.root / "supabase" / "rollbacks").mkdir()
        (project.root / file).write_text("drop table public.first;")
        assert _run(project, "apply", "--database-url", db.url).code == 0
        (project.root / file).unlink()
    path = project.root / file
    path.parent.mkdir(parents=True, exist_ok=True)
    make, reason = KINDS[kind]
    make(path)
    run = _run(project, *_arguments(command, db))
    assert run.code == 2, run.text
    assert "Traceback" not in run.text and "MemoryError" not in run.text
    assert SECRET not in run.text
    said = [line for line in run.text.splitlines() if file in line and reason in line]
    assert len(said) == 1, run.text


def _config(project: Project, text: str) -> Path:
    path = project.root / ".github" / "schemagate.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def _one_error(run: Run, *parts: str) -> None:
    assert run.code == 2, run.text
    assert "Traceback" not in run.text and "MemoryError" not in run.text
    errors = [line for line in run.err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and all(p in errors[0] for p in parts), run.err


def test_a_config_over_a_megabyte_is_refused(project: Project) -> None:
    _config(project, "# padding\n" * 120_000 + "seed: true\n")
    _one_error(_run(project, "lint"), ".github/schemagate.yml", "over the 1 MB limit")


BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    + ["rules: *i"]
)


def test_a_yaml_alias_bomb_is_refused_before_it_expands(project: Project) -> None:
    _config(project, BILLION_LAUGHS + "\n")
    _one_error(_run(project, "lint"), ".github/schemagate.yml:1", "anchors and aliases")


def test_a_single_alias_is_refused_with_its_line(project: Project) -> None:
    _config(project, "lock_timeout: 5s\nseed: &on true\nstatement_timeout: *on\n")
    _one_error(_run(project, "lint"), ".github/schemagate.yml:2", "anchors and aliases")


def test_a_deeply_nested_config_is_one_line(project: Project) -> None:
    _config(project, "rules: " + "[" * 20_000 + "]" * 20_000 + "\n")
    _one_error(_run(project, "lint"), ".github/schemagate.yml", "nested too deeply")


def test_a_deeply_nested_config_toml_is_one_line(db: Database, project: Project) -> None:
    (project.root / "supabase" / "config.toml").write_text("a = " + "[" * 20_000 + "]" * 20_000 + "\n")
    project.write("20250101000000_first.sql", "select 1;")
    run = _run(project, "check", "--check-database-url", db.url)
    _one_error(run, "supabase/config.toml", "nested too deeply")
