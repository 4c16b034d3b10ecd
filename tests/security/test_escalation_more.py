"""More routes from a pull request's SQL to a superuser, each proven by a marker that a program run
by the server would leave (see test_escalation): a wrapper pairing a real connector with no
validator, a trigger on a table a superuser's function writes, an extension script calling a
function the pull request planted, a config that names itself superuser, and an extension name
that walks out of the overlay.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from attacks import MAJORS, check_attack, failed, refused, server_for

from checking import commit_base
from conftest import Project
from schemagate.commands import checking as check
from schemagate.config import load
from schemagate.errors import InputError
from schemagate.findings.judge import Options

# The first file commits a view that runs a program; the second reaches the same server back as
# its superuser through postgres_fdw's handler on a wrapper of the migration's own, where the
# server's trust login needs no password once no validator insists on one.
LOOPBACK_SETUP = """
create extension if not exists postgres_fdw with schema extensions;
{extra}
create function public.evil() returns text language plpgsql as $f$
begin
  execute 'copy (select 1) to program ''touch {mark}''';
  return 'x';
end $f$;
create view public.ev as select public.evil() as x;
"""
LOOPBACK = """
create foreign data wrapper loopfdw handler extensions.postgres_fdw_handler {validator};
do $$ begin
  execute format('create server loop foreign data wrapper loopfdw options (host %L, port %L, dbname %L)',
                 '127.0.0.1', current_setting('port'), current_database());
end $$;
create user mapping for postgres server loop options (user 'supabase_admin', password_required 'false');
create foreign table public.ft (x text) server loop options (schema_name 'public', table_name 'ev');
select * from public.ft;
"""
VALIDATORS = {
    "no-validator": ("", "no validator"),
    "borrowed-validator": (
        "create extension if not exists wrappers with schema extensions;",
        "validator extensions.stripe_fdw_validator",
    ),
    "builtin-validator": ("", "validator pg_catalog.postgresql_fdw_validator"),
    "own-validator": ("", "validator extensions.postgres_fdw_validator"),
}


@pytest.mark.parametrize("major", MAJORS)
@pytest.mark.parametrize("validator", sorted(VALIDATORS))
def test_a_wrapper_cannot_reach_back_as_the_superuser(
    project: Project, drop: Path, major: int, validator: str
) -> None:
    """CREATE FOREIGN DATA WRAPPER runs as a superuser on Supabase: a wrapper that borrows
    postgres_fdw's handler without its validator lets a user mapping say password_required
    'false', and the throwaway server trusts loopback logins."""
    mark = drop / validator
    extra, clause = VALIDATORS[validator]
    project.write("20240101000000_setup.sql", LOOPBACK_SETUP.format(mark=mark, extra=extra))
    report = check_attack(project, LOOPBACK.format(validator=clause), major=major, supabase=True)
    assert not mark.exists(), f"the migration reached the server back as its superuser ({report.server})"
    refusals = refused(report)
    assert refusals, [f.message for f in report.findings]
    if validator in {"no-validator", "borrowed-validator"}:  # the others' validators refuse it
        assert "only with a handler's own validator" in refusals[0]


def test_postgres_fdw_with_its_own_validator_is_still_created(project: Project) -> None:
    """What hosted Supabase allows stays allowed: a wrapper of postgres_fdw's own pair."""
    sql = """
        create extension if not exists postgres_fdw with schema extensions;
        create foreign data wrapper pgfdw
          handler extensions.postgres_fdw_handler validator extensions.postgres_fdw_validator;
        create server other foreign data wrapper pgfdw options (host 'example.invalid', dbname 'x');
    """
    report = check_attack(project, sql, major=15, supabase=True)
    assert failed(report) == []


NET_TRIGGER = """
create extension if not exists pg_net;
create function public.t_net() returns trigger language plpgsql as $f$
begin
  execute 'copy (select 1) to program ''touch {mark}''';
  return new;
end $f$;
create trigger t after insert on net.http_request_queue for each row execute function public.t_net();
select net.http_get('https://example.invalid');
"""


@pytest.mark.parametrize("major", MAJORS)
def test_no_trigger_on_a_table_a_superuser_writes(project: Project, drop: Path, major: int) -> None:
    """pg_net's request functions are SECURITY DEFINER, owned by the superuser that ran the
    extension's script: a trigger on their queue would run as that superuser."""
    mark = drop / "net"
    report = check_attack(project, NET_TRIGGER.format(mark=mark), major=major, supabase=True)
    assert not mark.exists(), f"a trigger ran as the superuser ({report.server})"
    assert failed(report), [f.message for f in report.findings]


@pytest.mark.parametrize("major", MAJORS)
def test_a_trigger_on_a_superusers_table_is_refused(project: Project, major: int) -> None:
    """The extensions schema's default privileges give postgres TRIGGER on every table an
    extension's script makes there, as the superuser: such a trigger is refused, whoever writes."""
    sql = """
        create extension if not exists wrappers with schema extensions;
        create function public.t() returns trigger language plpgsql as $f$ begin return new; end $f$;
        create trigger t after insert on extensions.wrappers_fdw_stats
          for each row execute function public.t();
    """
    refusals = refused(check_attack(project, sql, major=major, supabase=True))
    assert refusals and "a superuser's table" in refusals[0], refusals


def test_a_trigger_on_the_projects_own_table_still_works(project: Project) -> None:
    sql = """
        create table public.t (id bigint primary key, at timestamptz);
        create function public.stamp() returns trigger language plpgsql as $f$
        begin new.at := now(); return new; end $f$;
        create trigger stamp before insert on public.t for each row execute function public.stamp();
        insert into public.t (id) values (1);
    """
    report = check_attack(project, sql, major=15, supabase=True)
    assert failed(report) == []


PLANTED = """
create schema pgsodium;
create function pgsodium.format(text, text) returns text language plpgsql as $f$
begin
  execute 'copy (select 1) to program ''touch {mark}''';
  return pg_catalog.format($1, $2);
end $f$;
create extension pgsodium;
"""


@pytest.mark.parametrize("major", MAJORS)
def test_an_extension_script_calls_no_function_the_project_planted(
    project: Project, drop: Path, major: int
) -> None:
    """A trusted extension's script runs as the superuser with its own schema first on the path:
    a stand-in's call that a function of the pull request's matches better runs that function."""
    mark = drop / "planted"
    report = check_attack(project, PLANTED.format(mark=mark), major=major, supabase=True)
    assert not mark.exists(), f"an extension script ran the project's function ({report.server})"


def test_a_pull_request_cannot_declare_itself_superuser(project: Project, drop: Path) -> None:
    """`superuser: true` added by the change under check is the pull request's own word: only the
    base revision's config may ask for a superuser."""
    base = commit_base(project)
    mark = drop / "declared"
    (project.root / ".github").mkdir()
    (project.root / ".github" / "schemagate.yml").write_text("superuser: true\n")
    project.write("20250101000000_needs.sql", f"copy (select 1) to program 'touch {mark}';\n")
    with pytest.raises(InputError, match="base revision"):
        check.run(load(None), Options(base=base, pg_bin=str(server_for(15).bindir)), lambda _l: None)
    assert not mark.exists()


def test_a_superuser_the_base_declared_is_kept(project: Project, drop: Path) -> None:
    (project.root / ".github").mkdir()
    (project.root / ".github" / "schemagate.yml").write_text("superuser: true\n")
    base = commit_base(project)
    mark = drop / "kept"
    project.write("20250101000000_needs.sql", f"copy (select 1) to program 'touch {mark}';\n")
    report = check.run(load(None), Options(base=base, pg_bin=str(server_for(15).bindir)), lambda _l: None)
    assert failed(report) == []
    assert mark.exists()


def test_an_extension_name_does_not_walk_out_of_the_overlay(project: Project) -> None:
    """CREATE EXTENSION ... VERSION makes an alias script beside the extension's control file:
    a name or version holding a path must not place it elsewhere (the files are the runner's, and
    a checkout can hold the control file and folder the walk needs)."""
    folder = Path(tempfile.mkdtemp(prefix="sgw", dir="/tmp"))
    try:
        (folder / "evil.control").write_text("default_version = '1'\n")
        (folder / "evil--1--x").mkdir()
        name = "../" * 14 + str(folder / "evil").lstrip("/")  # within an identifier's 63 bytes
        sql = f"create extension \"{name}\" version 'x/../outside';\n"
        report = check_attack(project, sql, major=15, supabase=True)
        assert not list(folder.glob("*.sql")), "a file was written outside the overlay"
        assert failed(report), [f.message for f in report.findings]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
