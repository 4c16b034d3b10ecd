"""An edit of a merged migration that changes only comments or layout leaves its statements as
production ran them: `apply` accepts it and the check says so at info; any other edit is drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemagate.database.history import Recorded
from schemagate.database.history.plan import MigrationPlan
from schemagate.files.changes import BaseFile, Changes
from schemagate.files.migrations import Migration
from schemagate.findings import Severity
from schemagate.findings.rules import migration_files
from schemagate.statements.sql import parse

MERGED = (
    "create table public.notes (id bigint primary key);\ngrant select on public.notes to authenticated;\n"
)
EDITS = {
    "a comment added": "-- notes for the app\n" + MERGED,
    "a block comment in a statement": MERGED.replace("primary key", "primary key /* the id */"),
    "layout": MERGED.replace(" (id", "\n  (id"),
}
CHANGED = {
    "a statement changed": MERGED.replace("authenticated", "anon"),
    "a comment inside a function body": (
        "create function public.f() returns int language sql as $$ select 1 -- new\n$$;\n"
    ),
}
PATH = Path("supabase/migrations/20250101000000_notes.sql")


def _migration(text: str) -> Migration:
    return Migration("20250101000000", "notes", PATH, text, "")


def _recorded(text: str) -> Recorded:
    return Recorded("20250101000000", "notes", parse(_migration(text)).history_statements)


def _edited(before: str, after: str) -> list[tuple[str, Severity]]:
    migration = _migration(after)
    changes = Changes(
        "base", edited=[(migration, BaseFile("20250101000000", "notes", str(PATH), before.encode()))]
    )
    return [(f.rule.id, f.level) for f in migration_files.check([], changes, Path("."))]


@pytest.mark.parametrize("edit", EDITS)
def test_an_edit_of_comments_or_layout_is_no_drift_and_only_an_info(edit: str) -> None:
    plan = MigrationPlan.build([parse(_migration(EDITS[edit]))], [_recorded(MERGED)])
    assert plan.drifted == [] and plan.pending == []
    assert _edited(MERGED, EDITS[edit]) == [("edited-merged-migration", Severity.INFO)]


@pytest.mark.parametrize("edit", CHANGED)
def test_an_edit_of_a_statement_is_drift_and_an_error(edit: str) -> None:
    before = MERGED if edit == "a statement changed" else CHANGED[edit].replace(" -- new", "")
    plan = MigrationPlan.build([parse(_migration(CHANGED[edit]))], [_recorded(before)])
    assert [p.migration.version for p in plan.drifted] == ["20250101000000"]
    assert _edited(before, CHANGED[edit]) == [("edited-merged-migration", Severity.ERROR)]
