"""The rules that need no database: file names, git history and parse trees.

`schemagate lint` is only this, fast enough for a pre-commit hook; `schemagate check` starts here
and adds what running the migrations proves. Nothing here imports the database driver.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from schemagate.changes import Changes, compare
from schemagate.config import Config
from schemagate.errors import InputError
from schemagate.migrations import discover
from schemagate.report.model import Ignored, MigrationResult, Report
from schemagate.rules import REGISTRY, Finding, Severity, catalog, directives, files, runtime, statements
from schemagate.sql import ParsedMigration, parse

assert catalog.QUERIES  # every family is imported, so REGISTRY knows every rule id
STATIC_SERVER = "no database (static rules)"


@dataclass
class Options:
    base: str | None = None
    fail_on: Severity = Severity.ERROR
    pg_bin: str | None = None
    pg_major: int | None = None  # run the check on this major when binaries for it exist
    database_url: str | None = None  # a `services:` Postgres to check against instead


@dataclass
class Change:
    """The migrations at HEAD, and which of them this change adds."""

    local: list[ParsedMigration]
    new: list[ParsedMigration]
    changes: Changes


@dataclass
class Judgement:
    findings: list[Finding] = field(default_factory=list)
    # findings that belong to one statement, so an ignore comment on it can set them aside
    on_statements: list[tuple[ParsedMigration, int, Finding]] = field(default_factory=list)
    notes: dict[str, directives.Directives] = field(default_factory=dict)


def validate_rules(config: Config) -> None:
    unknown = sorted(set(config.rules) - set(REGISTRY))
    if unknown:
        raise InputError(
            f"unknown rule id(s) in config: {', '.join(unknown)} (known: {', '.join(sorted(REGISTRY))})",
            path=config.path,
        )


def read(config: Config, options: Options) -> Change:
    found = discover(config.migrations_dir)
    local = [parse(m) for m in found.migrations]
    changes = compare(config.migrations_dir, found.migrations, options.base)
    return Change(local, [p for p in local if changes.is_new(p.migration)], changes)


def judge(change: Change, judgement: Judgement) -> None:
    """File and statement rules for the new migrations, and their schemagate comments."""
    judgement.findings += files.check([p.migration for p in change.new], change.changes, Path.cwd())
    created: set[str] = set()
    for parsed in change.new:
        created |= statements.created_tables(parsed)
    for parsed in change.new:
        notes = directives.read(parsed)
        judgement.notes[parsed.migration.version] = notes
        context = statements.Context(created_tables=created)
        for index, made in statements.check(parsed, context, notes.backup_plan):
            judgement.on_statements.append((parsed, index, made))
        for line, message in notes.problems:
            judgement.findings.append(
                Finding(runtime.INVALID_DIRECTIVE, message, parsed.migration.path, line)
            )


def unreadable(exc: InputError, options: Options, server: str, began: float, config: Config) -> Report:
    """A file that cannot be read or parsed is the whole report."""
    finding = Finding(runtime.INVALID_FILE, exc.message, exc.path, exc.line)
    return Report(
        [],
        configured([finding], config),
        options.base,
        server,
        options.fail_on,
        seconds=time.monotonic() - began,
    )


def configured(found: list[Finding], config: Config) -> list[Finding]:
    """Severities from the config file; rules set to `off` disappear."""
    out = []
    for made in found:
        setting = config.rules.get(made.rule.id)
        if setting == "off":
            continue
        out.append(made.with_severity(Severity.parse(setting)) if setting else made)
    return out


def _order(f: Finding) -> tuple[int, str, int, str]:
    return (-f.level, str(f.path or ""), f.line or 0, f.rule.id)


def _owners(results: list[MigrationResult]) -> dict[Path, MigrationResult]:
    """Findings on a migration or on its down file belong to that migration."""
    owners = {r.path: r for r in results}
    owners.update({r.down_file: r for r in results if r.down_file})
    return owners


def finish(
    results: list[MigrationResult],
    judgement: Judgement,
    options: Options,
    server: str,
    began: float,
    config: Config,
) -> Report:
    """Apply ignores and severities, give each finding to its migration, sort: the report."""
    kept: list[Finding] = []
    ignored: list[Ignored] = []
    for parsed, index, made in judgement.on_statements:
        notes = judgement.notes.get(parsed.migration.version, directives.Directives())
        reason = notes.ignored(index, made.rule.id)
        if reason:
            ignored.append(Ignored(made, reason))
        else:
            kept.append(made)
    every = sorted(configured(kept + judgement.findings, config), key=_order)
    owners = _owners(results)
    for made in every:
        owner = owners.get(made.path) if made.path else None
        if owner:
            owner.findings.append(made)
    return Report(results, every, options.base, server, options.fail_on, ignored, time.monotonic() - began)


def lint(config: Config, options: Options) -> Report:
    validate_rules(config)
    began = time.monotonic()
    try:
        change = read(config, options)
    except InputError as exc:
        if exc.path is None:
            raise
        return unreadable(exc, options, STATIC_SERVER, began, config)
    judgement = Judgement()
    judge(change, judgement)
    results = [
        MigrationResult(p.migration.version, p.migration.filename, p.migration.path) for p in change.new
    ]
    return finish(results, judgement, options, STATIC_SERVER, began, config)
