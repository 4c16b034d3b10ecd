"""The rule on declarative schemas agreeing with the migrations, and its findings.

Judged by schemagate.findings.declared_schemas, which applies the schema files to a second database.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from schemagate.findings import Finding, rule

if TYPE_CHECKING:
    from schemagate.database.catalog import diff
    from schemagate.errors import SchemagateError

SCHEMAS_OUT_OF_SYNC = rule(
    "schemas-out-of-sync",
    "warning",
    "history",
    "Declarative schemas agree with the migrations",
    "`supabase db diff` writes the next migration from the difference between supabase/schemas and "
    "the database: an object the schema files lack, or define otherwise, becomes a DROP or an ALTER "
    "nobody meant, and what db diff does not see (auth triggers, publications, grants) drifts silently.",
    "-- put the object in the schema file that owns it, as the migrations define it, e.g.\n"
    "-- supabase/schemas/orders.sql: alter table public.orders add column note text;",
    scenario=(
        "supabase/migrations/20251201000000_note.sql adds public.orders.note; supabase/schemas/"
        "orders.sql does not have it: `column public.orders.note is in the migrations, not in "
        "supabase/schemas`."
    ),
)

_WHERE = {
    "added": "in supabase/schemas and in no migration",
    "removed": "in the migrations, not in supabase/schemas",
}


def disagreement(change: diff.Change) -> Finding:
    """An object the migrations and the schema files have differently (or only one has)."""
    if change.change == "changed":
        message = f"{change.kind} {change.object} differs: migrations → schema files: {change.detail}"
    else:
        message = f"{change.kind} {change.object} is {_WHERE[change.change]}"
    return Finding(SCHEMAS_OUT_OF_SYNC, message, subject=change.object)


def do_not_apply(exc: SchemagateError, path: Path) -> Finding:
    """The schema files fail to apply: nothing to compare, and the next db diff fails too."""
    return Finding(
        SCHEMAS_OUT_OF_SYNC, f"the schema files do not apply: {exc.reason}", exc.path or path, exc.line
    )
