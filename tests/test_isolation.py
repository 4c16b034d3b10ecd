"""The isolation proof: a new table whose policies compare a column with auth.uid() is tried with
two synthetic signed-in users, in a transaction that is rolled back."""

from __future__ import annotations

import pytest

from checking import fresh_database, run_check
from conftest import Database, Project
from schemagate.findings.isolation import Proof
from schemagate.report.escape import inline
from schemagate.report.markdown import render
from schemagate.report.model import Report

TABLE = """
create table if not exists public.notes (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  body text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table public.notes enable row level security;
"""
OWN = "(select auth.uid()) = user_id"
SELECT_OWN = f'create policy "read own" on public.notes for select to authenticated using ({OWN});\n'
INSERT_OWN = f'create policy "add own" on public.notes for insert to authenticated with check ({OWN});\n'
UPDATE_OWN = (
    f'create policy "edit own" on public.notes for update to authenticated using ({OWN})'
    f" with check ({OWN});\n"
)
DELETE_OWN = f'create policy "remove own" on public.notes for delete to authenticated using ({OWN});\n'
ALL_OWN = SELECT_OWN + INSERT_OWN + UPDATE_OWN + DELETE_OWN


def _proof(db: Database, project: Project, sql: str) -> tuple[Proof, Report]:
    project.write("20251201000000_notes.sql", sql)
    report = run_check(db)
    assert report.picture is not None
    proofs = {p.table: p for p in report.picture.proofs}
    assert "public.notes" in proofs, report.picture.proofs
    return proofs["public.notes"], report


def _ids(report: Report) -> list[str]:
    return [f.rule.id for f in report.findings]


def test_a_table_that_keeps_users_apart_is_proven(db: Database, project: Project) -> None:
    proof, report = _proof(db, project, TABLE + ALL_OWN)
    assert proof.owner == "user_id" and proof.leaks == [] and proof.unproven is None
    assert sorted(proof.held) == ["create", "delete", "read", "update"]
    assert "isolation-leak" not in _ids(report)
    expected = inline("isolation proven for public.notes by user_id (read, update, delete, create)")
    assert f"🔒 {expected}" in render(report)


@pytest.mark.parametrize(
    ("leaky", "leak"),
    [
        # what the policy reads is the row alone, never who asks
        (
            'create policy "remove any" on public.notes for delete to authenticated\n'
            "  using (user_id is not null);\n",
            "delete",
        ),
        (
            "create policy \"edit any\" on public.notes for update to authenticated using (body <> '');\n",
            "update",
        ),
        (
            'create policy "add any" on public.notes for insert to authenticated\n'
            "  with check (user_id is not null);\n",
            "create",
        ),
        (
            'create policy "read signed in" on public.notes for select to authenticated\n'
            "  using ((select auth.uid()) is not null);\n",
            "read",
        ),
        # a policy that names the user but compares the wrong way round still leaks
        (
            'create policy "edit by id" on public.notes for update to authenticated\n'
            "  using ((select auth.uid()) is not null);\n",
            "update",
        ),
    ],
    ids=["delete", "update", "create", "read", "update-not-null"],
)
def test_a_policy_that_leaks_is_caught(leaky: str, leak: str, db: Database, project: Project) -> None:
    proof, report = _proof(db, project, TABLE + SELECT_OWN + leaky)
    assert leak in proof.leaks, proof
    policy = leaky.split('"')[1]
    assert proof.through[leak] == [policy]  # each policy tried alone names the one letting it through
    found = [f for f in report.findings if f.rule.id == "isolation-leak"]
    assert len(found) == 1 and f"could {leak} another's row of public.notes" in found[0].message
    assert f'through policy "{policy}"' in found[0].message
    assert found[0].path is not None and found[0].path.name == "20251201000000_notes.sql"
    # one mistake, one finding: the leak is not also a widened-access warning for that command
    widened = [f.message for f in report.findings if f.rule.id == "authenticated-access-widened"]
    assert not [
        m for m in widened if {"read": "select", "create": "insert"}.get(leak, leak) in m.split(" every")[0]
    ]


ROLES = """
create type public.role as enum ('admin', 'member');
create table if not exists public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  role public.role not null
);
create or replace function public.is_admin() returns boolean language sql stable security definer
  set search_path = '' as $$
  select exists (select 1 from public.profiles where id = (select auth.uid()) and role = 'admin')
$$;
"""


def test_a_leak_through_a_policy_asking_the_projects_own_functions_is_unsure_not_an_error(
    db: Database, project: Project
) -> None:
    # the made-up profile takes the enum's first value, 'admin': the admins' policy lets it in
    table = TABLE.replace("references auth.users (id)", "references public.profiles (id)")
    admins = (
        'create policy "admins edit" on public.notes for update to authenticated using (public.is_admin());\n'
    )
    proof, report = _proof(db, project, ROLES + table + ALL_OWN + admins)
    assert proof.leaks == [] and "update" not in proof.held
    assert len(proof.unsure) == 1 and proof.unsure[0].startswith(
        'update reached another\'s row through "admins edit"'
    )
    assert "isolation-leak" not in _ids(report)
    assert "🔓 " + inline("isolation of public.notes not proven: update reached") in render(report)


def test_a_write_through_using_true_is_the_always_true_rules_finding_alone(
    db: Database, project: Project
) -> None:
    leaky = 'create policy "remove any" on public.notes for delete to authenticated using (true);\n'
    proof, report = _proof(db, project, TABLE + SELECT_OWN + leaky)
    assert proof.leaks == ["delete"] and proof.always_true == {"delete"}
    assert "policy-always-true-write" in _ids(report)  # at its statement, named as Supabase's advisor
    assert "isolation-leak" not in _ids(report) and "authenticated-access-widened" not in _ids(report)


def test_the_json_report_names_each_leak_and_the_policy_behind_it(db: Database, project: Project) -> None:
    leaky = "create policy \"remove any\" on public.notes for delete to authenticated using (body <> '');"
    _, report = _proof(db, project, TABLE + SELECT_OWN + leaky)
    (entry,) = report.to_json()["isolation"]
    assert entry["leaks"] == [{"what": "delete", "through": ["remove any"]}]
    assert entry["owner"] == "user_id" and entry["unproven"] is None


def test_rows_every_caller_may_read_on_purpose_are_no_leak(db: Database, project: Project) -> None:
    public = 'create policy "read any" on public.notes for select to authenticated using (true);\n'
    proof, report = _proof(db, project, TABLE + public + INSERT_OWN + UPDATE_OWN + DELETE_OWN)
    assert proof.leaks == [] and proof.open == ['read, through "read any"']
    assert "isolation-leak" not in _ids(report)
    assert "authenticated-access-widened" in _ids(report)  # the access matrix's finding, a warning
    assert 'read, through "read any" open to every caller' in render(report).replace("\\", "")


def test_what_a_trigger_does_when_a_user_deletes_their_own_row_is_no_leak(
    db: Database, project: Project
) -> None:
    # deleting one's own row clears the table (as a "last member leaves" trigger would): the other
    # user's row goes, but through the trigger, not through a policy
    trigger = """
create or replace function public.clear_notes() returns trigger language plpgsql security definer
  set search_path = '' as $$
begin
  delete from public.notes;
  return old;
end $$;
create trigger notes_clear after delete on public.notes for each row
  when (pg_trigger_depth() = 0) execute function public.clear_notes();
"""
    proof, report = _proof(db, project, TABLE + ALL_OWN + trigger)
    assert proof.leaks == [] and "delete" in proof.held, proof
    assert "isolation-leak" not in _ids(report)


def test_an_update_writing_the_value_already_there_is_no_leak(db: Database, project: Project) -> None:
    # no text column to write: the made-up boolean equals the other's own value
    table = TABLE.replace("  body text not null,\n", "  done boolean not null default false,\n")
    proof, _ = _proof(db, project, table + ALL_OWN)
    assert proof.leaks == [] and "update" in proof.held, proof
    leaky = 'create policy "edit any" on public.notes for update to authenticated using (true);\n'
    with fresh_database(db) as other:
        project.write("20251201000000_notes.sql", table + SELECT_OWN + leaky)
        report = run_check(other)
    assert report.picture is not None and report.picture.proofs[0].leaks == ["update"]


def test_a_user_with_two_rows_is_no_leak(db: Database, project: Project) -> None:
    # a trigger gives each new row a twin: the other user has two rows, and keeps both
    twin = """
create or replace function public.twin_note() returns trigger language plpgsql security definer
  set search_path = '' as $$
begin
  insert into public.notes (user_id, body) values (new.user_id, new.body || ' (twin)');
  return new;
end $$;
create trigger notes_twin after insert on public.notes for each row
  when (pg_trigger_depth() = 0) execute function public.twin_note();
"""
    proof, report = _proof(db, project, TABLE + ALL_OWN + twin)
    assert proof.leaks == [] and {"delete", "update"} <= set(proof.held), proof
    assert "isolation-leak" not in _ids(report)


def test_the_proof_leaves_no_row_behind(db: Database, project: Project) -> None:
    users = db.scalar("select count(*) from auth.users")
    _proof(db, project, TABLE + ALL_OWN)
    assert db.scalar("select count(*) from auth.users") == users
    assert db.scalar("select count(*) from public.notes") == 0


def test_a_required_parent_row_is_staged_for_the_proof(db: Database, project: Project) -> None:
    parent = """
create table if not exists public.notebooks (
  id bigint generated always as identity primary key,
  title text not null
);
"""
    table = TABLE.replace(
        "body text not null,",
        "body text not null,\n  notebook_id bigint not null references public.notebooks,",
    )
    proof, _ = _proof(db, project, parent + table + ALL_OWN)
    assert proof.unproven is None and proof.leaks == [] and len(proof.held) == 4


def test_required_columns_under_a_check_get_values_it_allows(db: Database, project: Project) -> None:
    table = TABLE.replace(
        "body text not null,",
        "body text not null,\n  rating int not null check (rating between 1 and 5),\n"
        "  status text not null check (status in ('open', 'it''s closed')),",
    )
    proof, _ = _proof(db, project, table + ALL_OWN)
    assert proof.unproven is None and sorted(proof.held) == ["create", "delete", "read", "update"], proof


def test_a_trigger_reading_the_request_headers_does_not_stop_the_proof(
    db: Database, project: Project
) -> None:
    # PostgREST sets request.headers for every request; a trigger may read it without a default
    agent = """
create or replace function public.note_agent() returns trigger language plpgsql as $$
begin
  new.body := new.body || coalesce(current_setting('request.headers')::json ->> 'user-agent', '');
  return new;
end $$;
create trigger notes_agent before insert on public.notes for each row execute function public.note_agent();
"""
    proof, _ = _proof(db, project, TABLE + ALL_OWN + agent)
    assert proof.unproven is None and "create" in proof.held, proof


def test_a_table_no_row_can_be_made_up_for_is_said_unproven_never_passed(
    db: Database, project: Project
) -> None:
    table = TABLE.replace("body text not null,", "spot point not null,")
    proof, report = _proof(db, project, table + ALL_OWN)
    assert proof.unproven == "no row could be staged: no made-up value for spot (point)"
    assert proof.held == [] and proof.leaks == []
    assert "isolation-leak" not in _ids(report)
    assert "🔓 isolation of public\\.notes not proven" in render(report)


def test_tables_without_a_user_comparison_are_not_tried(db: Database, project: Project) -> None:
    project.write(
        "20251201000000_notes.sql",
        TABLE + 'create policy "read all" on public.notes for select to authenticated using (true);',
    )
    report = run_check(db)
    assert report.picture is not None and report.picture.proofs == []
    assert report.to_json()["isolation"] == []
