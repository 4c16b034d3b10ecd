"""Which of a pull request's failing tests fail on its base too: "already failing", not its doing.

The base's migrations, seed and test files come from git; its migrations and seed are applied to a
database of their own on the check's throwaway server, and the base's test files run there (all of
them, in order, when any fails at HEAD: a later file may need what an earlier one left). A test is
the same test where its file's path and its description (or, without one, its number) match; a
file's own failure (an error, a bad plan) where its text matches.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import psycopg

from schemagate.config import Config
from schemagate.database.apply import engine
from schemagate.database.connection import connect
from schemagate.database.dbtests import execute
from schemagate.database.dbtests.tap import FileResult
from schemagate.database.server.sandbox import Sandbox, beside
from schemagate.errors import SchemagateError
from schemagate.files.changes import base_tree
from schemagate.files.migrations import discover, read_migration
from schemagate.statements.sql import parse

DATABASE = "schemagate_base_tests"
Key = tuple[str, str]  # (the file as the project names it, the test or the file's problem)


def keys(result: FileResult, name: str) -> set[Key]:
    """What fails in one file, as keys comparable across revisions."""
    tests = {(name, a.description or f"#{a.number}") for a in result.failures}
    return tests | {(name, problem) for problem in result.problems}


def failing_on_base(
    box: Sandbox, config: Config, base: str, suite: execute.Suite, settings: engine.Settings
) -> set[Key]:
    """The keys of HEAD's failures that fail on the base as well; none where the base's state
    cannot be built (its migrations fail here, or it is not a git revision)."""
    failing = [r for r in suite.files if r.status == "failed"]
    if not failing or box.named:
        return set()
    with tempfile.TemporaryDirectory(prefix="schemagate-base-") as scratch:
        root = Path(scratch)
        (root / ".git").mkdir()  # the copy is its own checkout: includes may not leave it
        try:
            tests = _write_base(root, config, base)
        except SchemagateError:
            return set()
        wanted = [(r, tests.get(r.path.resolve())) for r in failing]
        if all(path is None for _, path in wanted):
            return set()
        # every file, in order: a failing one may need what an earlier one left (its helpers)
        folders = sorted(root.glob("tests*"))
        files = execute.discover(folders)
        with beside(box, DATABASE) as url:
            if not _build(url, root, settings, box.shim):
                return set()
            ran = execute.run(url, files, folder=folders[0], root=root)
    found: set[Key] = set()
    by_path = {r.path: r for r in ran.files}
    for head, path in wanted:
        name = head.path.as_posix()
        if path is not None and path in by_path:
            found |= keys(head, name) & keys(by_path[path], name)
    return found


def _write_base(root: Path, config: Config, base: str) -> dict[Path, Path]:
    """The base's migrations, seed and test folders under `root`: HEAD's test file -> its base copy."""
    for relative, content in base_tree(config.migrations_dir, base).items():
        if "/" not in relative:
            _put(root / "migrations" / relative, content)
    seed = base_tree(config.seed_file.parent, base).get(config.seed_file.name)
    if seed is not None:
        _put(root / "seed.sql", seed)
    tests: dict[Path, Path] = {}
    for index, folder in enumerate(config.test_folders):
        if not folder.is_dir():
            continue
        for relative, content in base_tree(folder, base).items():
            copy = root / f"tests{index}" / relative
            _put(copy, content)
            tests[(folder / relative).resolve()] = copy
    return tests


def _put(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _build(url: str, root: Path, settings: engine.Settings, shim_on: bool) -> bool:
    """The base's migrations and seed on the base's database; False where they do not apply."""
    migrations = root / "migrations"
    try:
        found = discover(migrations).migrations if migrations.is_dir() else []
        with connect(url) as conn:
            for migration in found:
                engine.run_file(conn, parse(migration), settings, shim=shim_on)
            seed = root / "seed.sql"
            if seed.is_file():
                engine.run_file(
                    conn, parse(read_migration(seed, "0", "seed", root=root)), settings, shim=shim_on
                )
    except (SchemagateError, psycopg.Error):
        return False
    return True
