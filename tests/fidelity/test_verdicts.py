"""Verdicts on projects written in the style of real ones, where the throwaway database used to
give a verdict hosted Supabase would not: a refusal hosted does not make, a failure of the
check's own blamed on the project, a hint naming the wrong schema.

Each fact comes from Supabase's own record: supabase/postgres `nix/tests/expected/vault.out` (what
postgres may do with vault.secrets), `z_15_ext_interface.out` (pg_jsonschema's and pg_hashids'
functions) and supautils' `privileged_extensions` (`facts.json`).
"""

from __future__ import annotations

import os

import psycopg
import pytest

from checking import rule_ids, run_check
from conftest import Database, Project
from schemagate import cli
from schemagate.commands import checking as check
from schemagate.config import Config
from schemagate.database.server import binaries, facts
from schemagate.findings.judge import Options
from schemagate.report.model import Report

# a project that keeps its integrations' credentials in Vault, as database.build-like apps do
VAULT_REFERENCE = """
create table if not exists public.integrations (
  id bigint primary key generated always as identity,
  user_id uuid not null references auth.users (id) on delete cascade default auth.uid(),
  credentials uuid references vault.secrets (id) on delete set null,
  created_at timestamptz not null default now()
);
alter table public.integrations enable row level security;
"""

# profiles whose settings column is validated by pg_jsonschema, as Supabase's guide shows
JSONSCHEMA = """
create extension if not exists pg_jsonschema with schema extensions;
create table if not exists public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  settings jsonb not null default '{}'::jsonb,
  constraint settings_shape check (
    extensions.jsonb_matches_schema(
      '{"type": "object", "properties": {"theme": {"type": "string"}}}', settings
    )
  )
);
alter table public.profiles enable row level security;
"""

# short public ids made by pg_hashids in a trigger, as a db pull baseline has them
HASHIDS = """
create extension if not exists pg_hashids with schema extensions;
create table if not exists public.projects (
  id bigint primary key generated always as identity,
  ref text unique
);
create or replace function public.set_project_ref() returns trigger
  language plpgsql set search_path = '' as $$
begin
  new.ref := extensions.id_encode(new.id, 'projects', 8);
  return new;
end
$$;
create or replace trigger set_project_ref before insert on public.projects
  for each row execute function public.set_project_ref();
"""

# an ANN index built by a DO block, as migrations that pick the index by row count do
VECTOR_DO = """
create extension if not exists vector with schema extensions;
create table if not exists public.chunks (id bigint primary key, embedding extensions.vector(3));
do $$
begin
  execute 'create index if not exists chunks_embedding_idx on public.chunks '
          'using hnsw (embedding extensions.vector_cosine_ops) with (m = 32, ef_construction = 180)';
end
$$;
"""


def _seed(project: Project, sql: str) -> None:
    (project.root / "supabase" / "seed.sql").write_text(sql, "utf-8")


def _failures(report: Report) -> list[str]:
    return [f"{f.rule.id}: {f.message}" for f in report.findings if f.rule.id.endswith("-failed")]


def _available(db: Database, extension: str) -> tuple[bool, str]:
    """Whether the server has the extension, and whether it is one of schemagate's stand-ins."""
    with psycopg.connect(db.url) as conn:
        row = conn.execute(
            b"select comment from pg_available_extensions where name = %s", (extension,)
        ).fetchone()
    return row is not None, str(row[0] if row else "")


def test_a_foreign_key_to_vault_secrets_applies_as_on_hosted(db: Database, project: Project) -> None:
    """vault.out: postgres holds REFERENCES on vault.secrets (and SELECT, DELETE, TRUNCATE)."""
    project.write("20241003131953_integrations.sql", VAULT_REFERENCE)
    report = run_check(db)
    assert _failures(report) == []


def test_vault_still_refuses_what_hosted_refuses(db: Database, project: Project) -> None:
    """vault.out: no INSERT or UPDATE on vault.secrets for postgres; the hint names vault, not the
    auth schema the same statement also names."""
    project.write(
        "20241003131953_seed_secret.sql",
        "insert into vault.secrets (secret, name) select coalesce(email, ''), 'owner' from auth.users;\n",
    )
    report = run_check(db)
    (failed,) = [f for f in report.findings if f.rule.id == "apply-failed"]
    assert "permission denied for table secrets" in failed.message
    assert "schema vault belongs to Supabase's own services" in failed.message


def test_pg_jsonschema_is_created_and_its_checks_are_unverified_not_failed(
    db: Database, project: Project
) -> None:
    """Hosted offers pg_jsonschema (supautils' privileged_extensions): the migration applies with a
    stand-in of the same signatures; a seed row the stand-in cannot judge is "could not verify"."""
    assert "pg_jsonschema" in facts.recorded().privileged_extensions
    project.write("20240119031838_profiles.sql", JSONSCHEMA)
    _seed(
        project,
        "insert into auth.users (id) values ('00000000-0000-0000-0000-000000000001');\n"
        "insert into public.profiles (id, settings) "
        "values ('00000000-0000-0000-0000-000000000001', '{\"theme\": \"dark\"}');\n",
    )
    report = run_check(db)
    assert _failures(report) == []
    (unverified,) = [f for f in report.findings if f.rule.id == "could-not-verify"]
    assert unverified.path is not None and unverified.path.name == "seed.sql"
    assert "pg_jsonschema is a schemagate stand-in" in unverified.message
    assert not report.failed and report.verdict == "unverified"


def test_pg_hashids_in_a_trigger_is_unverified_not_failed(db: Database, project: Project) -> None:
    project.write("20250210063552_remote_schema.sql", HASHIDS)
    _seed(project, "insert into public.projects default values;\n")
    report = run_check(db)
    assert _failures(report) == []
    assert "could-not-verify" in rule_ids(report)


def test_an_extension_hosted_offers_and_this_server_lacks_is_unverified(
    db: Database, project: Project
) -> None:
    """timescaledb is in supautils' privileged_extensions; without a build here the check cannot
    say what hosted would do with the migration, and says that, instead of "does not offer"."""
    present, _ = _available(db, "timescaledb")
    if present:
        pytest.skip("this server has timescaledb")
    assert "timescaledb" in facts.recorded().privileged_extensions
    project.write("20250323084830_metrics.sql", "create extension if not exists timescaledb;\n")
    report = run_check(db)
    (unverified,) = [f for f in report.findings if f.rule.id == "could-not-verify"]
    assert "hosted Supabase offers timescaledb" in unverified.message
    assert _failures(report) == [] and not report.failed


def test_vector_index_parameters_in_a_do_block_are_the_stand_in_s_gap(db: Database, project: Project) -> None:
    present, comment = _available(db, "vector")
    if not present or "stand-in" not in comment:
        pytest.skip("this server's pgvector is real: the index applies")
    project.write("20250301000000_chunks.sql", VECTOR_DO)
    report = run_check(db)
    (unverified,) = [f for f in report.findings if f.rule.id == "could-not-verify"]
    assert "vector is a stand-in" in unverified.message
    assert _failures(report) == []


def test_local_gives_check_s_could_not_verify(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    """`schemagate local` stops where check stops, says why, and exits 0 unless the project made
    could-not-verify an error."""
    project.write("20250210063552_remote_schema.sql", HASHIDS)
    _seed(project, "insert into public.projects default values;\n")
    assert cli.main(["local"]) == 0
    out = capsys.readouterr().out
    assert "could not verify" in out and "pg_hashids is a schemagate stand-in" in out
    config = project.root / ".github" / "schemagate.yml"
    config.parent.mkdir()
    config.write_text("rules:\n  could-not-verify: error\n")
    assert cli.main(["local"]) == 1


def _on_major(monkeypatch: pytest.MonkeyPatch, major: int) -> Options:
    monkeypatch.setenv("SCHEMAGATE_PG_PATH", os.environ.get("SCHEMAGATE_TEST_PG_PATH", ""))
    found = [b for b in binaries.installed() if b.major == major]
    if not found:
        pytest.skip(f"PostgreSQL {major} is not installed")
    return Options(pg_bin=str(found[0].bindir))


@pytest.mark.parametrize("major", [15, 16, 17])
def test_authenticator_s_settings_may_be_changed_on_every_major(
    monkeypatch: pytest.MonkeyPatch, project: Project, major: int
) -> None:
    """supautils' reserved_roles mark authenticator `*` (its settings may change): that applies
    on 16 and 17 too, where PostgreSQL asks for ADMIN OPTION to alter another role."""
    options = _on_major(monkeypatch, major)
    project.write(
        "20231130133139_authenticator_timeout.sql", "alter role authenticator set statement_timeout = '8s';\n"
    )
    report = check.run(Config(), options, lambda _line: None)
    assert report.server.startswith(f"PostgreSQL {major}.")
    assert _failures(report) == []
    assert "supabase-reserved-role" not in rule_ids(report)


# PostgREST's settings on its role and a cost limit for anon, as Supabase's guides set them
FAMILY_SETTINGS = """
alter role authenticator set pgrst.db_aggregates_enabled = 'true';
alter role authenticator set pgrst.db_schemas = 'public, graphql_public, api';
alter role anon set plan_filter.statement_cost_limit = 10000;
notify pgrst, 'reload config';
"""


@pytest.mark.parametrize("major", [15, 17])
def test_a_setting_of_a_family_hosted_allows_applies_on_a_role(
    monkeypatch: pytest.MonkeyPatch, project: Project, major: int
) -> None:
    """privileged_role_allowed_configs names `pgrst.*` and `plan_filter.*` (facts.json); supautils
    runs ALTER ROLE ... SET of such a name as its superuser (supabase/supautils src/supautils.c,
    the wildcard a prefix in src/utils.c). The check applies it and keeps the setting."""
    assert {"pgrst.*", "plan_filter.*"} <= facts.recorded().allowed_configs
    options = _on_major(monkeypatch, major)
    project.write("20240311031610_enable_pg_aggregates.sql", FAMILY_SETTINGS)
    report = check.run(Config(), options, lambda _line: None)
    assert _failures(report) == []
    assert "could-not-verify" not in rule_ids(report)


def test_a_family_setting_on_the_database_is_refused_as_on_hosted(project: Project) -> None:
    """supautils lifts no ALTER DATABASE ... SET, and PostgreSQL keeps a setting of a module it
    does not know (pgrst.*) for superusers: hosted refuses it, and the hint says why."""
    project.write(
        "20240311031610_database_wide.sql", "alter database postgres set pgrst.db_schemas = 'public, api';\n"
    )
    report = check.run(Config(), Options(), lambda _line: None)
    (failure,) = _failures(report)
    assert "permission denied to set parameter" in failure
    assert "hosted Supabase refuses it too" in failure
    assert "could-not-verify" not in rule_ids(report)


def test_a_setting_outside_every_allowed_family_is_still_refused(project: Project) -> None:
    """A custom setting no family covers (app.settings.*, a common pattern before 2023) stays
    refused on a role, as on hosted: postgres may not ALTER ROLE ... SET it."""
    project.write(
        "20240101000000_app_settings.sql", "alter role authenticator set app.settings.jwt_secret = 'x';\n"
    )
    report = check.run(Config(), Options(), lambda _line: None)
    (failure,) = _failures(report)
    assert "permission denied to set parameter" in failure
    assert "could-not-verify" not in rule_ids(report)


# a queue whose worker extends a message's visibility and sends with headers, as pgmq 1.5 allows
PGMQ_15 = """
create extension if not exists pgmq;
select pgmq.create('jobs');
select pgmq.send('jobs', '{"task": "thumbnail"}'::jsonb, '{"attempt": 1}'::jsonb);
select pgmq.set_vt('jobs', (select msg_id from pgmq.read('jobs', 30, 1)), 60);
"""


def test_pgmq_as_hosted_builds_it_applies(project: Project) -> None:
    """Hosted builds pgmq 1.4.4 and, for new projects, 1.5.1 (supabase/postgres nix/ext/pgmq/):
    set_vt and sending with headers apply, as on hosted."""
    project.write("20250101000000_jobs.sql", PGMQ_15)
    report = check.run(Config(), Options(), lambda _line: None)
    assert _failures(report) == []
    assert "could-not-verify" not in rule_ids(report)


def test_a_partitioned_pgmq_queue_is_unverified_naming_pg_partman(project: Project) -> None:
    """A partitioned queue needs pg_partman, which the throwaway database has not: the check says
    it could not verify, and why, never that the project is wrong."""
    project.write(
        "20250101000000_jobs.sql",
        "create extension if not exists pgmq;\n"
        "select pgmq.create_partitioned('events', '1 day', '7 days');\n",
    )
    report = check.run(Config(), Options(), lambda _line: None)
    assert _failures(report) == []
    (unverified,) = [f for f in report.findings if f.rule.id == "could-not-verify"]
    assert "pg_partman" in unverified.message


@pytest.mark.parametrize(
    "statement",
    [
        "delete from storage.objects where bucket_id = 'avatars' and name like 'tmp/%';",
        "delete from storage.buckets where id = 'no-such-bucket';",
    ],
)
def test_a_direct_delete_from_storage_fails_as_on_hosted(project: Project, statement: str) -> None:
    """supabase/storage's prevent-direct-deletes migration: statement-level BEFORE DELETE triggers
    on buckets and objects refuse with 42501, even when no row matches."""
    project.write(
        "20250101000000_buckets.sql",
        "insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);\n"
        + statement
        + "\n",
    )
    report = check.run(Config(), Options(), lambda _line: None)
    (failure,) = _failures(report)
    assert "Direct deletion from storage tables is not allowed" in failure
    assert "hosted Supabase refuses it too" in failure


def test_a_delete_the_storage_api_would_make_still_applies(project: Project) -> None:
    """The Storage API sets storage.allow_delete_query first; a migration that does the same is
    let through on hosted, and here."""
    project.write(
        "20250101000000_buckets.sql",
        "insert into storage.buckets (id, name) values ('tmp', 'tmp');\n"
        "set local storage.allow_delete_query = 'true';\n"
        "delete from storage.buckets where id = 'tmp';\n",
    )
    report = check.run(Config(), Options(), lambda _line: None)
    assert _failures(report) == []


def test_local_refuses_what_check_refuses(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    """supautils' reserved roles: `alter role authenticator nologin` fails on hosted. `check` says
    so (supabase-reserved-role), and `local`, the command to try a change first, says the same
    and exits 1 before anything runs, unless the project turned the rule down."""
    project.write("20250101000000_api.sql", "create table public.notes (id int primary key);\n")
    project.write("20250102000000_lock_out.sql", "select 1;\nalter role authenticator nologin;\n")
    assert "supabase-reserved-role" in rule_ids(check.run(Config(), Options(), lambda _line: None))
    assert cli.main(["local"]) == 1
    captured = capsys.readouterr()
    said = captured.out + captured.err
    assert '"authenticator" is a reserved role' in said
    assert "20250102000000_lock_out.sql:2" in said
    config = project.root / ".github" / "schemagate.yml"
    config.parent.mkdir()
    config.write_text("rules:\n  supabase-reserved-role: warning\n")
    assert cli.main(["local"]) == 0
    assert '"authenticator" is a reserved role' in "".join(capsys.readouterr())


def test_a_halfvec_column_on_the_vector_stand_in_is_unverified(
    monkeypatch: pytest.MonkeyPatch, project: Project
) -> None:
    """Hosted's pgvector has halfvec (z_17_ext_interface.out); the vector stand-in, which runs on
    17 here, has not: could not verify, naming the type, never the project's failure."""
    options = _on_major(monkeypatch, 17)
    project.write(
        "20260531155150_embeddings.sql",
        "create extension if not exists vector with schema extensions;\n"
        "create table public.chunks (id bigint primary key, embedding extensions.halfvec(3072));\n",
    )
    report = check.run(Config(), options, lambda _line: None)
    assert _failures(report) == []
    (unverified,) = [f for f in report.findings if f.rule.id == "could-not-verify"]
    assert "halfvec" in unverified.message


# billing data read through Wrappers' Stripe handler, the wrapper made only when missing, as
# projects that set Wrappers up by hand do; no validator named
STRIPE_WRAPPER = """
create extension if not exists wrappers with schema extensions;
do $$
begin
  if not exists (select from pg_catalog.pg_foreign_data_wrapper where fdwname = 'billing_wrapper') then
    create foreign data wrapper billing_wrapper handler extensions.stripe_fdw_handler;
  end if;
end
$$;
create server billing_server foreign data wrapper billing_wrapper;
"""


def test_a_wrapper_without_its_validator_applies_as_on_hosted(project: Project) -> None:
    """supautils runs CREATE FOREIGN DATA WRAPPER as its superuser for postgres, whatever the
    validator (supabase/supautils src/supautils.c, case T_CreateFdwStmt): hosted makes this
    wrapper, and so does the throwaway database, whose Wrappers handler can connect nowhere."""
    project.write("20240103173626_billing.sql", STRIPE_WRAPPER)
    report = check.run(Config(), Options(), lambda _line: None)
    assert _failures(report) == []
    assert "could-not-verify" not in rule_ids(report)


# a loopback wrapper on postgres_fdw's handler alone, which hosted would make as its superuser
LOOPBACK_WRAPPER = """
create extension if not exists postgres_fdw with schema extensions;
create foreign data wrapper loopback_wrapper handler extensions.postgres_fdw_handler;
"""


def test_a_real_handler_without_its_validator_is_unverified_not_failed(project: Project) -> None:
    """Hosted makes this wrapper too (supautils); the throwaway database will not, since a user
    mapping could then log back in as its superuser: could not verify, never the project's fault."""
    project.write("20240103173626_loopback.sql", LOOPBACK_WRAPPER)
    report = check.run(Config(), Options(), lambda _line: None)
    assert _failures(report) == []
    (unverified,) = [f for f in report.findings if f.rule.id == "could-not-verify"]
    assert "only with a handler's own validator" in unverified.message
    assert "hosted Supabase runs it as its superuser" in unverified.message
    assert not report.failed


def test_local_says_could_not_verify_for_a_real_handler_without_its_validator(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("20240103173626_loopback.sql", LOOPBACK_WRAPPER)
    assert cli.main(["local"]) == 0
    assert "could not verify" in capsys.readouterr().out


def test_altering_a_wrapper_is_refused_as_on_hosted(project: Project) -> None:
    """supautils lifts CREATE FOREIGN DATA WRAPPER only (no case for ALTER in src/supautils.c):
    ALTER FOREIGN DATA WRAPPER needs a superuser on hosted too, and fails as the project's."""
    project.write(
        "20240103173626_billing.sql",
        "create extension if not exists wrappers with schema extensions;\n"
        "create foreign data wrapper billing_wrapper\n"
        "  handler extensions.stripe_fdw_handler validator extensions.stripe_fdw_validator;\n"
        "alter foreign data wrapper billing_wrapper no validator;\n",
    )
    report = check.run(Config(), Options(), lambda _line: None)
    (failure,) = _failures(report)
    assert "permission denied to alter foreign-data wrapper" in failure
    assert "hosted Supabase refuses it too" in failure
    assert "could-not-verify" not in rule_ids(report)


def test_a_raise_that_borrows_the_shim_s_hint_is_still_the_project_s_failure(project: Project) -> None:
    """Only the shim's own functions make a refusal "could not verify": a migration cannot pass its
    failure off as a gap of the throwaway database's by raising with the same words."""
    project.write(
        "20240103173626_loopback.sql",
        "do $$ begin raise exception 'no' using errcode = 'insufficient_privilege', "
        "hint = 'giving the pull request''s SQL the runner''s rights'; end $$;\n",
    )
    report = check.run(Config(), Options(), lambda _line: None)
    assert len(_failures(report)) == 1
    assert "could-not-verify" not in rule_ids(report)
