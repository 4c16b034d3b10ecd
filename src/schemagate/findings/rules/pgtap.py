"""Rules proven by the project's own database tests: its pgTAP files, run after the migrations."""

from __future__ import annotations

from schemagate.findings import rule

TEST_FAILED = rule(
    "test-failed",
    "error",
    "tests",
    "The project's own database tests still pass",
    "The project's pgTAP files (supabase/tests, what `supabase test db` runs) failed on the database "
    "the migrations built: a test the team wrote says the change breaks what it promises (a policy, "
    "a function, a grant).",
    "-- fix the migration, or the test if the behaviour changed on purpose; "
    "`schemagate test` runs them locally",
    scenario=(
        "supabase/tests/notes.test.sql asserts, as `authenticated` with a user's JWT claims, that a "
        "user sees only their own notes; a migration replaces the policy with `using (true)` and "
        "the test's `is(count, 1)` fails at its line."
    ),
)
TEST_ALREADY_FAILING = rule(
    "test-already-failing",
    "warning",
    "tests",
    "Database tests that fail on the base too",
    "The test fails at HEAD and, run from the base revision on the base's migrations and seed, "
    "fails there as well: the pull request did not break it, but it still tells the team something.",
    "-- fix the test or what it tests, in a change of its own",
    scenario=(
        "supabase/tests/profiles.sql has failed since a merged migration renamed a column; a pull "
        "request that only adds an index still shows it, as already failing, and the check passes."
    ),
)
TEST_UNVERIFIED = rule(
    "test-unverified",
    "info",
    "tests",
    "Database tests that could not run here",
    "Some of the project's tests need what the check's database cannot give (pgTAP for this "
    "PostgreSQL major, a psql feature this runner does not carry out, a helper package from "
    "database.dev, which needs the network): they are not failures, but nothing proved them either.",
    "-- run them with `supabase test db`, or on a server with pgTAP (postgresql-<major>-pgtap)",
    scenario=(
        "The check runs on PostgreSQL 17 from embedded binaries that carry no pgTAP: every test file "
        "is reported as could not verify, and the check does not fail for it."
    ),
)
