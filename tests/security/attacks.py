"""Attacks a pull request's migration can make on the server, and the harness the security tests
run them with: every installed major, a folder the server's OS user can write a marker into."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from conftest import Project
from schemagate.commands import checking as check
from schemagate.config import Config
from schemagate.database.server import binaries
from schemagate.findings.judge import Options
from schemagate.report.model import Report

# Each ends by writing {mark} from the server, which only a superuser (or a member of
# pg_execute_server_program) can do.
ATTACKS = {
    "grant-in-do-block": """
        do $$ begin execute 'grant pg_execute_server_program to postgres'; end $$;
        copy (select 1) to program 'touch {mark}';
    """,
    "grant-plain": """
        grant pg_execute_server_program to postgres;
        copy (select 1) to program 'touch {mark}';
    """,
    "role-in-reserved-role": """
        create role escape_hatch in role pg_execute_server_program;
        grant escape_hatch to postgres;
        set role escape_hatch;
        copy (select 1) to program 'touch {mark}';
    """,
    "grant-to-api-role": """
        grant pg_execute_server_program to authenticated;
        set role authenticated;
        copy (select 1) to program 'touch {mark}';
    """,
    "fdw-validator": """
        create function public.v(text[], oid) returns void language plpgsql as $f$
        begin
          execute 'copy (select 1) to program ''touch {mark}''';
        end $f$;
        create foreign data wrapper w validator public.v options (a 'b');
    """,
    "self-superuser": """
        alter role postgres superuser;
        copy (select 1) to program 'touch {mark}';
    """,
    "direct": """
        copy (select 1) to program 'touch {mark}';
    """,
    "read-server-files": """
        select length(pg_read_file('/etc/passwd'));
        copy (select 1) to program 'touch {mark}';
    """,
}


MAJORS = (15, 16, 17)


def _servers() -> Iterator[tuple[int, binaries.PgBinaries | None]]:
    before = os.environ.get("SCHEMAGATE_PG_PATH")
    os.environ["SCHEMAGATE_PG_PATH"] = os.environ.get("SCHEMAGATE_TEST_PG_PATH", before or "")
    try:
        found = binaries.installed()
    finally:
        if before is None:
            os.environ.pop("SCHEMAGATE_PG_PATH")
        else:
            os.environ["SCHEMAGATE_PG_PATH"] = before
    for major in MAJORS:
        yield major, next((b for b in found if b.major == major), None)


SERVERS = dict(_servers())


def server_for(major: int) -> binaries.PgBinaries:
    found = SERVERS[major]
    if found is None:
        if os.environ.get("SCHEMAGATE_REQUIRE_MAJORS"):
            pytest.fail(f"PostgreSQL {major} is required here (SCHEMAGATE_TEST_PG_PATH) but was not found")
        pytest.skip(f"PostgreSQL {major} is not installed")
    return found


def check_attack(project: Project, sql: str, *, major: int, supabase: bool) -> Report:
    project.write("20250101000000_attack.sql", sql)
    found = server_for(major)
    return check.run(Config(supabase=supabase), Options(pg_bin=str(found.bindir)), lambda _line: None)


def failed(report: Report) -> list[str]:
    return [f.message for f in report.findings if f.rule.id == "apply-failed"]


def refused(report: Report) -> list[str]:
    """The statement was not run: the project's failure, or schemagate's own refusal of a route to
    the runner's rights where hosted Supabase would run it (could not verify, not the project's)."""
    return [f.message for f in report.findings if f.rule.id in {"apply-failed", "could-not-verify"}]
