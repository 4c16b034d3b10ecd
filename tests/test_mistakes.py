"""The mistakes that bit a new user, each caught once, in words the user understands."""

from __future__ import annotations

import pytest

from checking import commit_base, run_check
from conftest import Database, Project
from schemagate.commands.linting import lint
from schemagate.config import Config
from schemagate.findings.judge import Options


def _linted(project: Project, base: str | None = None) -> list[tuple[str, str]]:
    return [(f.rule.id, f.message) for f in lint(Config(), Options(base=base)).findings]


def test_add_value_without_if_not_exists_is_not_idempotent(db: Database, project: Project) -> None:
    project.write(
        "20251201000000_status.sql",
        "create type public.status as enum ('draft');\nalter type public.status add value 'archived';\n",
    )
    assert ("add-value-without-guard", "ADD VALUE 'archived' to public.status without IF NOT EXISTS") in (
        _linted(project)
    )
    report = run_check(db)
    (proven,) = [f for f in report.findings if f.line == 2 and f.rule.item == "idempotent"]
    assert proven.rule.id == "add-value-without-guard" and "second run fails: 42710" in proven.message
    assert proven.remedy is not None and "add value if not exists 'archived'" in proven.remedy.sql


def test_every_statement_a_second_run_fails_is_reported(db: Database, project: Project) -> None:
    project.write(
        "20251201000000_rows.sql",
        "create table if not exists public.kinds (id int primary key);\n"
        "insert into public.kinds values (1);\n"
        "insert into public.kinds values (2);\n",
    )
    failing = sorted(f.line or 0 for f in run_check(db).findings if f.rule.id == "not-idempotent")
    assert failing == [2, 3]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "alter table public.customers rename column email to email_address;",
            "rename of column public.customers.email to email_address",
        ),
        ("alter table public.customers rename to clients;", "rename of table public.customers to clients"),
        (
            "alter type public.tier rename value 'gold' to 'premium';",
            "rename of value 'gold' of enum public.tier to 'premium'",
        ),
    ],
)
def test_a_rename_breaks_clients_and_reads_as_one(project: Project, sql: str, message: str) -> None:
    project.write("20251201000000_rename.sql", sql)
    found = _linted(project)
    assert ("rename-breaks-clients", message) in found
    assert not [m for rule, m in found if rule == "destructive-statement"]


def test_a_new_enum_value_used_in_its_own_migration_says_to_split_it(db: Database, project: Project) -> None:
    project.write(
        "20251201000000_tier.sql",
        "create type public.tier as enum ('free');\n"
        "create table if not exists public.plans (id int primary key, tier public.tier);\n"
        "alter type public.tier add value if not exists 'pro';\n"
        "insert into public.plans values (1, 'pro');\n",
    )
    (failed,) = [f for f in run_check(db).findings if f.rule.id == "apply-failed"]
    assert failed.line == 4 and failed.message.startswith("55P04 unsafe use of new value")
    assert "move the ALTER TYPE … ADD VALUE into a migration of its own, before this one" in failed.message


def test_without_a_base_a_table_an_earlier_file_made_already_has_rows(project: Project) -> None:
    project.write("20251101000000_orders.sql", "create table if not exists public.orders (id int);")
    project.write(
        "20251201000000_status.sql",
        "alter table public.orders add column if not exists status text not null;",
    )
    assert "not-null-without-default" in {rule for rule, _ in _linted(project)}
    # with a base where both are new, the table is empty when the column arrives
    project.root.joinpath("supabase/migrations/20251101000000_orders.sql").unlink()
    base = commit_base(project)
    project.write("20251101000000_orders.sql", "create table if not exists public.orders (id int);")
    assert "not-null-without-default" not in {rule for rule, _ in _linted(project, base)}


def test_one_mistake_one_finding(db: Database, project: Project) -> None:
    project.write("20251201000000_t.sql", "create table public.t (id int primary key);")
    at_one = [f.rule.id for f in run_check(db).findings if f.line == 1 and f.rule.item == "idempotent"]
    assert at_one == ["create-without-if-not-exists"]
