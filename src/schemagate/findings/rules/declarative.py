"""The rule on declarative schemas agreeing with the migrations.

Judged by schemagate.findings.declarative.
"""

from __future__ import annotations

from schemagate.findings import rule

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
