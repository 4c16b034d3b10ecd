"""A project written like real Supabase apps applies, seed included, on the throwaway database.

`project/` uses what real projects use: extensions beyond core (pg_cron, pg_net, http, pgmq,
Vault, pgjwt, Wrappers, vector, citext, moddatetime, ...), a profile-on-sign-up trigger on
auth.users, storage policies, a database webhook, the realtime publication, grants and default
privileges, and a seed that inserts into auth.users. Where the server lacks an extension, a
stand-in takes its place; the report names them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from checking import fresh_database, run_check
from conftest import Database, Project, copy_project
from schemagate.commands import checking as check
from schemagate.config import Config
from schemagate.database.server import binaries
from schemagate.findings.judge import Options
from schemagate.report.model import Report

PROJECT = Path(__file__).resolve().parent / "project"
ADA = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
BOB = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    return copy_project(PROJECT, tmp_path / "app", monkeypatch)


def _broken(report: Report) -> list[str]:
    return [
        f"{f.rule.id}: {f.message}" for f in report.findings if f.rule.id in {"apply-failed", "seed-failed"}
    ]


def _system_bindir() -> str:
    found = binaries.system_bindirs()
    if not found:
        pytest.skip("no system PostgreSQL on this machine")
    return str(found[0])


def _pgserver_bindir() -> str:
    found = binaries.pgserver_bindir()
    if found is None:
        pytest.skip("pgserver is not installed")
    return str(found)


@pytest.mark.parametrize("server", ["system PostgreSQL", "bundled pgserver, no contrib"])
def test_the_project_applies_with_its_seed_on_the_embedded_server(app: Project, server: str) -> None:
    pg_bin = _system_bindir() if server.startswith("system") else _pgserver_bindir()
    report = check.run(Config(), Options(pg_bin=pg_bin), lambda _line: None)
    assert _broken(report) == []
    assert {m.status for m in report.migrations} == {"applied"}
    (standins,) = [n for n in report.notes if n.startswith("extensions run as stand-ins")]
    # whatever the server has, a check never schedules jobs or sends HTTP
    assert all(name in standins for name in ("pg_cron", "pg_net", "http"))
    lacks_contrib = [n for n in report.notes if n.startswith("this server lacks contrib")]
    if server.startswith("bundled"):
        assert "uuid-ossp" in lacks_contrib[0] and "pgcrypto" in lacks_contrib[0]
    else:
        assert lacks_contrib == []


@pytest.fixture
def built(db: Database, app: Project) -> Iterator[Database]:
    """The project applied and seeded into a database that stays for the test to read."""
    with fresh_database(db) as target:
        report = run_check(target)
        assert _broken(report) == []
        yield target


def _rows(db: Database, sql: str) -> list[tuple[object, ...]]:
    with db.connect(admin=True) as conn:
        return conn.execute(sql.encode()).fetchall()


def test_sign_up_trigger_made_profiles_and_queued_welcome_emails(built: Database) -> None:
    assert _rows(built, "select full_name from public.profiles order by 1") == [("Ada",), ("Bob",)]
    queued = _rows(built, "select message ->> 'template' from pgmq.q_emails")
    assert queued == [("welcome",), ("welcome",)]
    assert _rows(built, "select count(*) from pgmq.read('emails', 30, 10)") == [(2,)]


def test_webhook_and_cron_are_recorded_and_never_sent(built: Database) -> None:
    requests = _rows(built, "select method, url from net.http_request_queue order by id")
    assert requests == [("POST", "http://localhost:54321/functions/v1/on-note")] * 2
    assert _rows(built, "select count(*) from supabase_functions.hooks") == [(2,)]
    jobs = _rows(built, "select jobname, schedule from cron.job order by jobname")
    assert jobs == [("nightly-digest", "0 3 * * *"), ("purge-old-notes", "30 seconds")]
    assert _rows(
        built, "select decrypted_secret from vault.decrypted_secrets where name = 'project_url'"
    ) == [("http://localhost:54321",)]


def test_vector_search_orders_by_real_cosine_distance(built: Database) -> None:
    found = _rows(built, "select content from public.match_documents('[1,0,0]', 2)")
    assert found == [("cats",), ("dogs",)]


def test_realtime_storage_and_wrappers_objects_exist(built: Database) -> None:
    published = _rows(
        built, "select tablename from pg_publication_tables where pubname = 'supabase_realtime'"
    )
    assert published == [("notes",)]
    policies = _rows(built, "select count(*) from pg_policies where schemaname = 'storage'")
    assert policies == [(3,)]
    with built.connect() as conn, pytest.raises(psycopg.Error) as raised:
        conn.execute(b"select * from stripe.customers")
    assert "fdw_handler" in str(raised.value)  # a plain error: the stand-in never calls Stripe
    assert _rows(built, "select 1") == [(1,)]  # and the server is still up


def test_rls_through_the_shim_shows_a_user_their_rows_only(built: Database) -> None:
    with built.connect() as conn:
        conn.execute(b"begin")
        conn.execute(b"set local role authenticated")
        conn.execute(
            b"select set_config('request.jwt.claims', %s, true)",
            (f'{{"sub": "{ADA}", "role": "authenticated"}}',),
        )
        assert conn.execute(b"select body from public.notes").fetchall() == [("Ada's note",)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(b"insert into public.notes (owner_id, body) values (%s, 'forged')", (BOB,))
        conn.execute(b"rollback")


def test_an_invalid_cron_schedule_fails_as_pg_cron_would(db: Database, project: Project) -> None:
    project.write(
        "20250101000000_cron.sql",
        "create extension if not exists pg_cron with schema pg_catalog;\n"
        "select cron.schedule('bad', 'every day', 'select 1');\n",
    )
    report = run_check(db)
    assert any("invalid schedule: every day" in m for m in _broken(report)), _broken(report)


def test_calling_http_while_migrating_could_not_be_verified(db: Database, project: Project) -> None:
    """Hosted would send the request; the stand-in sends none, so what came back is unknown: the
    check could not verify the migration, and does not blame the project."""
    project.write(
        "20250101000000_http.sql",
        "create extension if not exists http with schema extensions;\n"
        "select extensions.http_get('https://example.com');\n",
    )
    report = run_check(db)
    assert "apply-failed" not in {f.rule.id for f in report.findings}
    (found,) = [f for f in report.findings if f.rule.id == "could-not-verify"]
    assert "http stand-in sends no requests" in found.message
    assert found.line == 2


def test_what_hosted_supabase_refuses_to_postgres_fails_here_with_that_reason(
    db: Database, project: Project
) -> None:
    project.write(
        "20250101000000_auth.sql", "alter table auth.users add column if not exists nickname text;\n"
    )
    report = run_check(db)
    (found,) = [f for f in report.findings if f.rule.id == "apply-failed"]
    assert "must be owner of table users" in found.message
    assert "hosted Supabase refuses it too: schema auth belongs to Supabase's own services" in found.message


def test_a_db_pull_baseline_applies_with_its_data_section(built: Database) -> None:
    """pg_dump's SET session_replication_role = replica, pgsodium and pg_graphql, as `db pull` writes."""
    assert _rows(built, "select tier::text, price_cents from public.plans order by id") == [
        ("free", 0),
        ("pro", 1900),
        ("team", 4900),
    ]
    assert _rows(built, "select count(*) from pg_extension where extname in ('pgsodium', 'pg_graphql')") == [
        (2,)
    ]


def test_each_seeded_note_was_broadcast_to_its_private_channel(built: Database) -> None:
    sent = _rows(
        built,
        "select m.event, m.private, m.topic = 'note:' || n.id from realtime.messages m "
        "join public.notes n on n.id::text = split_part(m.topic, ':', 2) order by n.body",
    )
    assert sent == [("INSERT", True, True), ("INSERT", True, True)]
