"""Local-only values in migrations: URLs only a developer's machine resolves and placeholder secrets,
in the calls a migration makes out of the database (webhooks, pg_net, Vault, pg_cron)."""

from __future__ import annotations

import pytest

from checking import run_check
from conftest import Database, Project
from schemagate.commands.linting import lint
from schemagate.config import Config
from schemagate.findings.judge import Options
from schemagate.report.model import Report

NEW = "20251201000000_hooks.sql"
TABLE = "create table if not exists public.orders (id bigint primary key);\n"


def _local(report: Report) -> list[tuple[int | None, str]]:
    return [(f.line, f.message) for f in report.findings if f.rule.id == "local-only-value"]


def _lint(project: Project, sql: str) -> list[tuple[int | None, str]]:
    project.write(NEW, sql)
    return _local(lint(Config(), Options()))


def test_a_webhook_to_the_developer_s_machine_with_a_placeholder_secret(project: Project) -> None:
    found = _lint(
        project,
        TABLE + "create trigger orders_hook after insert on public.orders for each row\n"
        "  execute function supabase_functions.http_request(\n"
        "    'http://host.docker.internal:3000/api/hook', 'POST',\n"
        '    \'{"Content-type":"application/json","Authorization":"Bearer WEBHOOKSECRET"}\',\n'
        "    '{}', '1000');\n",
    )
    assert sorted(found) == [
        (
            2,
            "local-only URL http://host.docker.internal"
            " in `create trigger orders_hook after insert on public.orders …`",
        ),
        (2, "placeholder secret in a header in `create trigger orders_hook after insert on public.orders …`"),
    ]


@pytest.mark.parametrize(
    ("sql", "what"),
    [
        ("select vault.create_secret('http://host.docker.internal:54321', 'project_url');", "local-only URL"),
        ("select vault.create_secret('changeme', 'webhook_secret');", "placeholder secret kept in Vault"),
        ("select net.http_post(url := 'http://kong:8000/functions/v1/hello');", "local-only URL http://kong"),
        ("select net.http_get('http://127.0.0.1:54321/rest/v1/');", "local-only URL http://127.0.0.1"),
        ("select net.http_get('http://0.0.0.0:3000/x');", "local-only URL http://0.0.0.0"),
        (
            "select cron.schedule('ping', '* * * * *', "
            "$$ select net.http_post(url := 'http://localhost:54321/functions/v1/ping') $$);",
            "local-only URL http://localhost",
        ),
        (
            "select net.http_post(url := 'https://abc.supabase.co/functions/v1/x',\n"
            "  headers := jsonb_build_object('Authorization', 'Bearer your-secret'));",
            "placeholder secret in a header",
        ),
        (
            "create or replace function public.notify() returns trigger language plpgsql as $$\n"
            "begin perform net.http_post(url := 'http://supabase_kong_app:8000/functions/v1/n',\n"
            '  headers := \'{"apikey": "xxx"}\'::jsonb); return new; end $$;',
            "placeholder secret in a header",
        ),
    ],
)
def test_each_call_out_with_a_local_value_is_found(project: Project, sql: str, what: str) -> None:
    found = _lint(project, sql)
    assert found and all(line == 1 for line, _ in found)
    assert any(message.startswith(what) for _, message in found), found


@pytest.mark.parametrize(
    "sql",
    [
        # production URLs and secrets read from Vault
        "select net.http_post(url := 'https://abc.supabase.co/functions/v1/x',\n"
        "  headers := jsonb_build_object('Authorization', 'Bearer ' || (select decrypted_secret\n"
        "    from vault.decrypted_secrets where name = 'service_role_key')));",
        # a local URL that no call out uses: data, not a destination
        "create table if not exists public.links (url text default 'http://localhost:3000');",
        "insert into public.links (url) values ('http://localhost:3000');",
        # a dotted host is the internet's
        "select net.http_get('https://hooks.example.com/x');",
    ],
)
def test_production_values_and_values_outside_calls_are_not_found(project: Project, sql: str) -> None:
    """Only the local call after them is found."""
    found = _lint(project, sql + "\nselect net.http_get('http://localhost:3000/x');\n")
    assert [line for line, _ in found] == [sql.count("\n") + 2]


def test_the_check_finds_it_in_a_migration_and_never_in_seed_sql(db: Database, project: Project) -> None:
    """seed.sql is for the local stack: its local URLs are right there."""
    body = (
        "returns void language plpgsql as $$ begin\n"
        "  perform net.http_post(url := 'http://localhost:54321/functions/v1/hello'); end $$;\n"
    )
    project.write(NEW, f"create or replace function public.hello() {body}")
    (project.root / "supabase" / "seed.sql").write_text(f"create or replace function public.seeded() {body}")
    report = run_check(db)
    assert [(f.path and f.path.name, f.line) for f in report.findings if f.rule.id == "local-only-value"] == [
        (NEW, 1)
    ]
