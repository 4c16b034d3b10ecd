"""The history doctor: the repository's migrations against production's history table, and for
each disagreement the exact commands that reconcile it, the Supabase CLI's and ours.

It reads; it never repairs. Which command is right depends on what happened (was the file lost,
or the migration undone?), so each problem lists its choices, each with when it applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from schemagate.database.history import Recorded
from schemagate.database.history.plan import MigrationPlan
from schemagate.files.migrations import Migration, is_number, parse_name, read_migration, version_order
from schemagate.statements.sql import parse

_STAMP = "%Y%m%d%H%M%S"


@dataclass(frozen=True)
class Fix:
    when: str  # what must have happened for this fix to be the right one
    supabase: str  # the Supabase CLI's command
    schemagate: str  # ours


@dataclass(frozen=True)
class Problem:
    kind: str  # missing-file | out-of-order | duplicate-version | statements-differ
    version: str
    what: str
    fixes: tuple[Fix, ...] = field(default_factory=tuple)


def files(directory: Path) -> list[Migration]:
    """Every migration file, duplicates included (the plan's own discovery refuses them)."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        parsed = parse_name(path.name)
        if parsed is not None and path.is_file() and not parsed[1].endswith(".down"):
            found.append(read_migration(path, *parsed))
    return sorted(found, key=lambda m: (m.order, m.filename))


def examine(directory: Path, recorded: list[Recorded]) -> list[Problem]:
    """Every disagreement between the folder and the history, oldest version first."""
    found = files(directory)
    by_version: dict[str, list[Migration]] = {}
    for m in found:
        by_version.setdefault(m.version, []).append(m)
    problems = [_duplicate(twins, found, recorded) for twins in by_version.values() if len(twins) > 1]
    plan = MigrationPlan.build([parse(twins[0]) for twins in by_version.values()], recorded)
    newest = plan.newest_recorded
    problems += [_missing(r, directory) for r in plan.missing]
    problems += [_out_of_order(p.migration, newest) for p in plan.out_of_order]
    problems += [_differs(p.migration) for p in plan.drifted]
    return sorted(problems, key=lambda p: (version_order(p.version), p.kind))


def _missing(r: Recorded, directory: Path) -> Problem:
    path = directory / f"{r.version}_{r.name}.sql"
    return Problem(
        "missing-file",
        r.version,
        f"{r.version} ({r.name or 'no name'}) is in production's history and has no file in {directory}",
        (
            Fix(
                "the migration was undone, or its file removed on purpose",
                f"supabase migration repair --status reverted {r.version}",
                f"schemagate repair --status reverted {r.version}",
            ),
            Fix(
                "the file was lost: bring it back from the history or from git",
                f"supabase migration fetch  # writes {path} from the recorded statements",
                f"git log --all --oneline -- '{directory}/{r.version}_*'"
                f"  # then git checkout <commit> -- {path}",
            ),
        ),
    )


def _out_of_order(m: Migration, newest: str) -> Problem:
    later = _after(newest)
    return Problem(
        "out-of-order",
        m.version,
        f"{m.filename} is older than {newest}, production's newest migration, and was never applied there",
        (
            Fix(
                "it should run now, after the newer ones",
                "supabase db push --include-all",
                "schemagate apply --include-all",
            ),
            Fix(
                "it already ran in production by hand",
                f"supabase migration repair --status applied {m.version}",
                f"schemagate repair --status applied {m.version}",
            ),
            Fix(
                "it belongs after the applied ones: give it a newer version",
                f"git mv {m.path} {m.path.with_name(f'{later}_{m.name}.sql')}",
                f"git mv {m.path} {m.path.with_name(f'{later}_{m.name}.sql')}",
            ),
        ),
    )


def _duplicate(twins: list[Migration], files: list[Migration], recorded: list[Recorded]) -> Problem:
    applied = {r.version: r.name for r in recorded}
    keep = next((m for m in twins if applied.get(m.version) == m.name), twins[0])
    newest = max([m.version for m in files] + [r.version for r in recorded], key=version_order)
    moves = []
    for n, m in enumerate(t for t in twins if t is not keep):
        version = _after(newest, n + 1)
        moves.append(f"git mv {m.path} {m.path.with_name(f'{version}_{m.name}.sql')}")
    names = ", ".join(m.filename for m in twins)
    return Problem(
        "duplicate-version",
        twins[0].version,
        f"version {twins[0].version} is used by {len(twins)} files ({names}); "
        "the CLI applies only one of them",
        (
            Fix(
                f"{keep.filename} keeps the version; the others move after the newest",
                " && ".join(moves),
                " && ".join(moves),
            ),
        ),
    )


def _differs(m: Migration) -> Problem:
    restore = f"git log --oneline -- {m.path}  # git checkout <commit> -- {m.path}"
    return Problem(
        "statements-differ",
        m.version,
        f"{m.filename} differs from the statements production recorded when it ran",
        (
            Fix(
                "the file was edited after it ran: restore it, and put the change in a new migration",
                f"{restore}; supabase migration new <name>",
                f"{restore}; schemagate new <name>",
            ),
            Fix(
                "production ran the file as it is now (the edit was applied by hand)",
                f"supabase migration repair --status applied {m.version}",
                f"schemagate repair --status applied {m.version}",
            ),
        ),
    )


def _after(version: str, seconds: int = 1) -> str:
    """A version `seconds` after another: the next timestamp, or the next number."""
    try:
        when = datetime.strptime(version, _STAMP).replace(tzinfo=UTC)
    except ValueError:
        if is_number(version) and len(version) <= 18:
            return str(int(version) + seconds)
        # a history row of any text: no file name sorts after it, so say what the CLI would name one
        when = datetime.now(UTC)
    return (when + timedelta(seconds=seconds)).strftime(_STAMP)
