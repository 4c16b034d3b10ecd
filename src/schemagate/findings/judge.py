"""The rules that need no database: file names, git history and parse trees.

`schemagate lint` (commands/linting.py) is only this, fast enough for a pre-commit hook;
`schemagate check` starts here and adds what running the migrations proves. Nothing here imports
the database driver, and nothing here builds the report: the commands do, from the Verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from schemagate.config import Config
from schemagate.errors import InputError
from schemagate.files.changes import Changes
from schemagate.files.migrations import Migration, version_order
from schemagate.findings import Finding, Severity, directives
from schemagate.findings.outcomes import Ignored, MigrationResult
from schemagate.findings.rules import migration_files, parse_tree, platform, runtime
from schemagate.statements.sql import ParsedMigration


@dataclass
class Options:
    base: str | None = None
    fail_on: Severity = Severity.ERROR
    pg_bin: str | None = None
    pg_major: int | None = None  # run the check on this major when binaries for it exist
    database_url: str | None = None  # a `services:` Postgres to check against instead
    cache: bool = True  # start from the merged state a former run kept (snapshots), and keep it
    # the project's folder in its repository, for annotations and SARIF: None asks git (check),
    # and `lint` leaves it "" unless an output needs it (a git call)
    project: str | None = None
    notes: list[str] = field(default_factory=list)  # the front end's own, last in the report


@dataclass
class Judgement:
    findings: list[Finding] = field(default_factory=list)
    # (version, statement index, finding): findings on one statement, which an ignore comment on it
    # can set aside
    on_statements: list[tuple[str, int, Finding]] = field(default_factory=list)
    notes: dict[str, directives.Directives] = field(default_factory=dict)


@dataclass
class Examined:
    """What one file's statements say, before the other new files are known."""

    version: str
    path: Path
    created: set[str]
    notes: directives.Directives
    broken: list[parse_tree.Broken]


def examine(parsed: ParsedMigration) -> Examined:
    notes = directives.read(parsed)
    created = parse_tree.created_tables(parsed)
    # a table this very file creates is new whatever the other files say: dropped here, such a
    # finding never travels back from a worker process (half the payload of a generated 1,000)
    found = [b for b in parse_tree.check(parsed, notes.backup_plan) if b.unless_created not in created]
    found += [parse_tree.Broken(index, finding) for index, finding in platform.check(parsed)]
    migration = parsed.migration
    return Examined(migration.version, migration.path, created, notes, found)


def judge(
    new: list[Migration],
    examined: Iterable[Examined],
    changes: Changes,
    judgement: Judgement,
    skipped: Sequence[Path] = (),
) -> None:
    """File and statement rules for the new migrations, and their schemagate comments."""
    judgement.findings += migration_files.check(new, changes, Path.cwd(), skipped)
    first_made: dict[str, str] = {}  # table -> the first new file that creates it
    found: list[tuple[str, parse_tree.Broken]] = []
    for one in examined:
        for table in one.created:
            first_made.setdefault(table, one.version)
        judgement.notes[one.version] = one.notes
        found += [(one.version, broken) for broken in one.broken]
        for line, message in one.notes.problems:
            judgement.findings.append(runtime.invalid_directive(message, one.path, line))
    judgement.on_statements += [
        (version, b.index, b.finding)
        for version, b in found
        if not _new_table(b, version, first_made, changes)
    ]


def _new_table(broken: parse_tree.Broken, version: str, first_made: dict[str, str], changes: Changes) -> bool:
    """Whether the table a finding needs to exist already is new, so the finding does not hold.

    With a base, a table any new file creates is new in production too: empty when this file runs.
    Without one every file is judged, and a table an earlier file made already has rows."""
    made = first_made.get(broken.unless_created or "")
    if made is None:
        return False
    return changes.base is not None or version_order(made) >= version_order(version)


def unreadable(exc: InputError, config: Config) -> list[Finding]:
    """A file that cannot be read or parsed: the whole of the findings."""
    return configured([runtime.invalid_file(exc)], config)


def configured(found: list[Finding], config: Config) -> list[Finding]:
    """Severities from the config file: a rule's own setting, else its profile's; rules set to
    `off` disappear."""
    out = []
    for made in found:
        setting = config.rules.get(made.rule.id)
        if setting == "off":
            continue
        if setting:
            made = made.with_severity(Severity.parse(setting))
        elif made.severity is None and made.rule.severity_in(config.profile) != made.rule.severity:
            made = made.with_severity(made.rule.severity_in(config.profile))
        out.append(made)
    return out


def _order(f: Finding) -> tuple[int, str, int, str]:
    return (-f.level, str(f.path or ""), f.line or 0, f.rule.id)


def _owners(results: list[MigrationResult]) -> dict[Path, MigrationResult]:
    """Findings on a migration or on its down file belong to that migration."""
    owners = {r.path: r for r in results}
    owners.update({r.down_file: r for r in results if r.down_file})
    return owners


@dataclass
class Verdict:
    """The judged findings, sorted (each also on its migration's result), and those set aside."""

    findings: list[Finding]
    ignored: list[Ignored]


def finish(results: list[MigrationResult], judgement: Judgement, config: Config) -> Verdict:
    """Apply ignores and severities, give each finding to its migration, sort."""
    kept: list[Finding] = []
    ignored: list[Ignored] = []
    for version, index, made in judgement.on_statements:
        notes = judgement.notes.get(version, directives.Directives())
        reason = notes.ignored(index, made.rule.id)
        if reason:
            ignored.append(Ignored(made, reason))
        else:
            kept.append(made)
    every = sorted(_once(configured(kept + judgement.findings, config)), key=_order)
    owners = _owners(results)
    for made in every:
        owner = owners.get(made.path) if made.path else None
        if owner:
            owner.findings.append(made)
    return Verdict(every, ignored)


def _once(findings: list[Finding]) -> list[Finding]:
    """One mistake, one finding: where a parse-tree rule already says a statement is not
    idempotent, the second run that proves it adds its error to that finding instead of a second."""
    proven = {(f.path, f.line): f for f in findings if f.rule is runtime.NOT_IDEMPOTENT}
    said = {
        (f.path, f.line)
        for f in findings
        if f.rule.item == "idempotent" and f.rule is not runtime.NOT_IDEMPOTENT and (f.path, f.line) in proven
    }
    carried: set[tuple[Path | None, int | None]] = set()  # the first such finding carries the proof
    out = []
    for f in findings:
        where = (f.path, f.line)
        if f.rule is runtime.NOT_IDEMPOTENT and where in said:
            continue
        if where in said and f.rule.item == "idempotent" and where not in carried:
            proof = proven[where]
            f = replace(f, severity=max(f.level, proof.level), message=f"{f.message}: {proof.message}")
            carried.add(where)
        out.append(f)
    return out
