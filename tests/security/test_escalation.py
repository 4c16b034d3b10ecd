"""No route from a pull request's SQL to a superuser's rights, on every installed major, with the
Supabase shim on and off: each attack ends in COPY ... TO PROGRAM writing a marker file, and the
marker never appears.

A superuser of the throwaway server runs programs as the server's OS user, which on a runner can read
the checkout (and a persisted token) and, run as the same user, the job's environment. Majors beyond
the system's come from SCHEMAGATE_TEST_PG_PATH (.ci/run installs 16 and 17); where they are absent
the test skips, and in CI (SCHEMAGATE_REQUIRE_MAJORS) it fails.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from attacks import ATTACKS, MAJORS, check_attack, failed, refused

from conftest import Database, Project, Run
from schemagate.commands import checking as check
from schemagate.config import Config
from schemagate.findings.judge import Options


@pytest.mark.parametrize("supabase", [True, False], ids=["shim", "plain"])
@pytest.mark.parametrize("major", MAJORS)
@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_no_attack_reaches_the_servers_os(
    project: Project, drop: Path, attack: str, major: int, supabase: bool
) -> None:
    mark = drop / attack
    report = check_attack(project, ATTACKS[attack].format(mark=mark), major=major, supabase=supabase)
    assert not mark.exists(), f"{attack} ran a program on the server ({report.server})"
    assert refused(report), f"{attack} was not refused: {[f.message for f in report.findings]}"


@pytest.mark.parametrize("major", MAJORS)
def test_a_reserved_membership_is_refused_with_supautils_words(project: Project, major: int) -> None:
    report = check_attack(
        project, ATTACKS["grant-in-do-block"].format(mark="/dev/null"), major=major, supabase=True
    )
    finding = next(f for f in report.findings if f.rule.id == "apply-failed")
    assert finding.line == 1
    if major == 15:  # 16 and later refuse it themselves: no ADMIN OPTION on the role
        assert "role memberships are reserved, only superusers can grant them" in finding.message


@pytest.mark.parametrize("major", MAJORS)
def test_a_wrapper_with_its_own_validator_is_still_created(project: Project, major: int) -> None:
    """The narrow lift keeps what hosted Supabase allows: Wrappers' own validator, with options."""
    sql = """
        create extension if not exists wrappers with schema extensions;
        create foreign data wrapper stripe_wrapper
          handler extensions.stripe_fdw_handler validator extensions.stripe_fdw_validator
          options (api_url 'https://api.stripe.com/v1');
        create server stripe_server foreign data wrapper stripe_wrapper;
    """
    report = check_attack(project, sql, major=major, supabase=True)
    assert failed(report) == []


def test_superuser_true_runs_as_superuser_and_says_so(project: Project, drop: Path) -> None:
    """A project that declares it needs a superuser gets one, and the report says what that means."""
    mark = drop / "declared"
    project.write("20250101000000_needs.sql", f"copy (select 1) to program 'touch {mark}';\n")
    report = check.run(Config(supabase=True, superuser=True), Options(), lambda _line: None)
    assert failed(report) == []
    assert mark.exists()
    assert any("ran as a superuser" in note for note in report.notes), report.notes


TRAP = """
create function public.trap() returns trigger language plpgsql as $f$
begin
  execute 'copy (select 1) to program ''touch {mark}''';
  return new;
end $f$;
-- named only inside EXECUTE, so that the plan has not filled v before the trigger is there
do $$ begin
  execute 'create trigger trap before insert on public.v for each row execute function public.trap()';
  execute 'alter table public.v enable always trigger trap';
end $$;
alter table public.t add column note text;
"""


def test_plan_fills_sample_rows_without_a_superuser(
    project: Project, db: Database, drop: Path, cli: Callable[..., Run]
) -> None:
    """`schemagate plan` (which runs before approval) puts synthetic rows into the tables a pending
    migration names: a trigger the pull request left there (ENABLE ALWAYS fires even under
    session_replication_role = replica) runs as whoever inserts, so never a superuser."""
    mark = drop / "plan"
    project.write(
        "20250101000000_tables.sql",
        "create table public.t (id bigint primary key);\ncreate table public.v (id bigint primary key);\n",
    )
    assert cli("apply", "--database-url", db.url).code == 0
    with db.connect(admin=True) as conn:
        conn.execute("INSERT INTO public.t SELECT generate_series(1, 100)")
        conn.execute("INSERT INTO public.v SELECT generate_series(1, 100)")
        conn.execute("ANALYZE public.t, public.v")
    project.write("20250102000000_trap.sql", TRAP.format(mark=mark))
    project.write("20250103000000_touch_v.sql", "alter table public.v add column note text;\n")
    run = cli("plan", "--database-url", db.url, "--sample-rows", "10")
    assert "20250103000000_touch_v.sql" in run.text, run.text
    assert not mark.exists(), "a trigger of the pull request ran as a superuser during plan"
