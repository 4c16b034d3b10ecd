"""`schemagate lint`: the rules that need no database, and the report both lint and check end in.

Fast enough for a pre-commit hook: nothing here imports the database driver.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from schemagate.config import Config
from schemagate.errors import InputError
from schemagate.files.changes import compare
from schemagate.files.migrations import Migration, discover
from schemagate.findings.judge import (
    Examined,
    Judgement,
    Options,
    Verdict,
    examine,
    finish,
    judge,
    unreadable,
)
from schemagate.findings.outcomes import MigrationResult
from schemagate.report.model import Report
from schemagate.statements import workers
from schemagate.statements.sql import parse

if TYPE_CHECKING:  # what only a check has; `lint` never loads the database driver
    from schemagate.database.dbtests.execute import Suite
    from schemagate.findings.change_picture import Picture
    from schemagate.findings.outcomes import TestFileResult

STATIC_SERVER = "no database (static rules)"


def _examine_files(chunk: list[Migration]) -> list[Examined | InputError]:
    # one file's parse tree is garbage before the next is parsed: 1,000 trees held at once, with
    # the allocations and collector passes they bring, cost twice the time
    return [_examined_or_why_not(m) for m in chunk]


def _examined_or_why_not(migration: Migration) -> Examined | InputError:
    """A file that does not parse is its own finding; the other files are judged all the same."""
    try:
        return examine(parse(migration))
    except InputError as exc:
        return exc


def lint(config: Config, options: Options) -> Report:
    began = time.monotonic()
    judgement = Judgement()
    try:
        found = discover(config.migrations_dir)
        changes = compare(config.migrations_dir, found.migrations, options.base)
        # only what is judged is parsed: merged files were parsed when they were new
        new = [m for m in found.migrations if changes.is_new(m)]
        examined = workers.map_chunks(_examine_files, new)
        unparsable = [e for e in examined if isinstance(e, InputError)]
        parsed = [e for e in examined if not isinstance(e, InputError)]
        judge(new, parsed, changes, judgement, found.skipped)
    except InputError as exc:
        if exc.path is None:
            raise
        return unreadable_report(exc, options, STATIC_SERVER, began, config)
    results = [MigrationResult(m.version, m.filename, m.path) for m in new]
    for refused in unparsable:
        judgement.findings += unreadable(refused, config)
        for result in results:
            if result.path == refused.path:
                result.status = "failed"
    return judged(results, finish(results, judgement, config), options, STATIC_SERVER, began)


def judged(
    results: list[MigrationResult],
    verdict: Verdict,
    options: Options,
    server: str,
    began: float,
    *,
    notes: list[str] | None = None,
    picture: Picture | None = None,
    tests: list[TestFileResult] | None = None,
    suite: Suite | None = None,
) -> Report:
    """The report of a run that judged its migrations, built once: what only a check has (the
    stand-ins' notes, the picture, the project's tests) comes in with the rest."""
    return Report(
        results,
        verdict.findings,
        options.base,
        server,
        options.fail_on,
        verdict.ignored,
        time.monotonic() - began,
        notes=(notes or []) + options.notes,
        project=options.project or "",
        picture=picture,
        tests=tests or [],
        suite=suite,
    )


def unreadable_report(exc: InputError, options: Options, server: str, began: float, config: Config) -> Report:
    """A file that cannot be read or parsed is the whole report: "1 error in 3 new migrations",
    the file that failed counted among them, and the finding on it."""
    found = unreadable(exc, config)
    results = [MigrationResult(m.version, m.filename, m.path) for m in _new_files(config, options.base)]
    failed = next((r for r in results if exc.path is not None and r.path == exc.path), None)
    if failed is None and exc.path is not None and exc.path.suffix == ".sql":
        failed = MigrationResult(exc.path.name.split("_", 1)[0], exc.path.name, exc.path)
        results.append(failed)
    if failed is not None:
        failed.status = "failed"
        failed.findings += found
    return Report(
        results,
        found,
        options.base,
        server,
        options.fail_on,
        seconds=time.monotonic() - began,
        notes=list(options.notes),
        project=options.project or "",
    )


def _new_files(config: Config, base: str | None) -> list[Migration]:
    """The new migrations as far as they can be told: none when the folder itself cannot be read."""
    try:
        found = discover(config.migrations_dir)
        changes = compare(config.migrations_dir, found.migrations, base)
    except InputError:
        return []
    return [m for m in found.migrations if changes.is_new(m)]
