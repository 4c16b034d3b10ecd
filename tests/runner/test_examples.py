"""The example workflows of examples/workflows/, run under act against the image .ci/run builds, with
the fake GitHub API and a "production" PostgreSQL on this machine (actrunner.py says what is
swapped in and how)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from actrunner import (
    REPOSITORY,
    WORKFLOWS,
    Act,
    ActRun,
    commit,
    new_repository,
    require_runner,
    started_act,
)
from conftest import EXAMPLE, Database
from fakegithub import ACTIONS_BOT, FakeGitHub

require_runner()

FLAWED = "create table public.open_table (id int primary key);\n"  # no RLS: an error
CLEAN = """\
create table if not exists public.notes (
  id bigint generated always as identity primary key,
  owner uuid not null default auth.uid(),
  body text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.notes is 'Notes each user keeps for themselves.';
create index if not exists notes_owner_idx on public.notes (owner);
alter table public.notes enable row level security;
drop policy if exists "owners read their notes" on public.notes;
create policy "owners read their notes" on public.notes for select to authenticated
  using ((select auth.uid()) = owner);
"""  # clean under the example's `profile: strict` too
STICKY = "<!-- schemagate:check -->"


@pytest.fixture(scope="session")
def act(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Act]:
    yield from started_act(tmp_path_factory)


def with_next_step(workflow: Path, job: str) -> None:
    """Append a step to the job, as a user's next step would: it reads the `sarif` and
    `report-json` outputs of the Action's step (by the id the example gives it) from the paths they
    name, in the job's own container, and prints what it found."""
    steps = yaml.safe_load(workflow.read_text())["jobs"][job]["steps"]
    ids = [s.get("id") for s in steps if str(s.get("uses", "")).startswith("schemagate/schemagate@")]
    assert ids and ids[0], f"{workflow.name}: the Action's step has no id, so no step can read its outputs"
    outputs = f"steps.{ids[0]}.outputs"
    workflow.write_text(
        workflow.read_text().rstrip("\n")
        + f"""
      - name: read the reports
        if: always()
        env:
          SARIF: ${{{{ {outputs}.sarif }}}}
          REPORT: ${{{{ {outputs}.report-json }}}}
        run: >-
          python3 -c 'import json, os;
          sarif = json.load(open(os.environ["SARIF"]));
          report = json.load(open(os.environ["REPORT"]));
          print("next step:", sarif["version"], len(sarif["runs"][0]["results"]), report["verdict"])'
"""
    )
    assert yaml.safe_load(workflow.read_text())["jobs"][job]["steps"][-1]["name"] == "read the reports"


def pr_event(base: str, head: str, number: int = 7) -> dict[str, object]:
    repo = {"full_name": REPOSITORY, "fork": False}
    return {
        "number": number,
        "pull_request": {
            "number": number,
            "base": {"sha": base, "ref": "main", "repo": repo},
            "head": {"sha": head, "ref": "change", "repo": repo},
        },
        "repository": {"full_name": REPOSITORY, "default_branch": "main"},
    }


def push_event(head: str) -> dict[str, object]:
    return {
        "ref": "refs/heads/main",
        "after": head,
        "repository": {"full_name": REPOSITORY, "default_branch": "main"},
    }


def approve(github: FakeGitHub) -> None:
    github.state.approvals = [{"state": "approved", "user": {"login": "lead"}, "environments": []}]


def check_repository(tmp_path: Path, migration: str) -> tuple[Path, dict[str, object]]:
    """The check example in a repository whose pull request adds one migration; its event."""
    repo = tmp_path / "repo"
    base = new_repository(repo, EXAMPLE, ["schemagate-check.yml"])
    with_next_step(repo / ".github" / "workflows" / "schemagate-check.yml", "check")
    (repo / "supabase" / "migrations" / "20251201000000_change.sql").write_text(migration)
    return repo, pr_event(base, commit(repo, "change"))


@pytest.mark.timeout(600)
def test_a_flawed_pr_fails_with_its_findings_and_the_next_step_reads_the_reports(
    act: Act, tmp_path: Path, github: FakeGitHub
) -> None:
    repo, event = check_repository(tmp_path, FLAWED)
    run = act.run(repo, "schemagate-check.yml", "pull_request", event, github)
    assert run.code != 0, run.log
    outputs = run.outputs("check")
    assert (outputs["mode"], outputs["verdict"]) == ("check", "fail"), run.log
    assert int(outputs["findings"]) >= 1
    assert "::error file=supabase/migrations/20251201000000_change.sql" in run.log
    (comment,) = github.state.comments[7]
    assert comment["body"].startswith(STICKY) and "rls-disabled" in comment["body"]
    # the next step found both reports where the outputs said, after the Action's step failed; the
    # paths are the workspace's (act mounts it at the same path in both containers, GitHub does not:
    # there only a path relative to the workspace reaches the next step)
    assert not outputs["sarif"].startswith("/") and not outputs["report-json"].startswith("/"), outputs
    assert f"next step: 2.1.0 {outputs['findings']} fail" in run.log, run.log
    # and the example's upload step got the folder with both
    uploaded = repo / ".artifacts" / "schemagate-report" / ".schemagate"
    assert json.loads((uploaded / "report.json").read_text())["verdict"] == "fail"
    assert (uploaded / "report.sarif").is_file()


@pytest.mark.timeout(600)
def test_a_clean_pr_passes_and_updates_its_sticky_comment(
    act: Act, tmp_path: Path, github: FakeGitHub
) -> None:
    repo, event = check_repository(tmp_path, CLEAN)
    # an earlier run's comment: this one is edited, no second one is posted
    github.add_comment(7, f"{STICKY}\nan earlier run", login=str(ACTIONS_BOT["login"]))
    github.state.comments[7][0]["user"] = dict(ACTIONS_BOT)
    run = act.run(repo, "schemagate-check.yml", "pull_request", event, github)
    assert run.code == 0, run.log
    outputs = run.outputs("check")
    assert outputs["verdict"] == "pass", run.log
    (comment,) = github.state.comments[7]
    assert comment["body"].startswith(STICKY) and "an earlier run" not in comment["body"]
    assert f"next step: 2.1.0 {outputs['findings']} pass" in run.log, run.log  # warnings: results too


@pytest.mark.timeout(900)
def test_production_deploys_after_approval_is_watched_for_drift_and_rolls_back_on_dispatch(
    act: Act, tmp_path: Path, github: FakeGitHub, db: Database
) -> None:
    repo = tmp_path / "repo"
    new_repository(
        repo, EXAMPLE, ["schemagate-deploy.yml", "schemagate-drift.yml", "schemagate-rollback.yml"]
    )
    migrations = sorted((repo / "supabase" / "migrations").glob("*.sql"))
    # the newest migration gets its reviewed down file before it is deployed
    (repo / "supabase" / "rollbacks" / migrations[-1].name).write_text(
        "alter table public.events drop constraint if exists events_kind_lowercase;\n"
    )
    head = commit(repo, "down file")
    secrets = {"SUPABASE_DB_URL": db.url}

    refused = act.run(repo, "schemagate-deploy.yml", "push", push_event(head), github, secrets)
    assert refused.code != 0, refused.log
    assert refused.outputs("plan")["mode"] == "plan", refused.log  # the plan job ran, unapproved
    assert "no approval recorded for run" in refused.log
    assert db.history() == []

    approve(github)
    applied = act.run(repo, "schemagate-deploy.yml", "push", push_event(head), github, secrets)
    assert applied.code == 0, applied.log
    assert applied.outputs("deploy")["applied"] == str(len(migrations)), applied.log
    assert len(db.history()) == len(migrations)

    drift = act.run(repo, "schemagate-drift.yml", "schedule", {"schedule": "17 6 * * *"}, github, secrets)
    assert drift.code == 0, drift.log
    assert drift.outputs("drift")["verdict"] == "ok", drift.log

    target = migrations[-3].name.split("_")[0]
    dispatch = {"inputs": {"rollback-to": target, "reason": "bad backfill"}}
    back = act.run(repo, "schemagate-rollback.yml", "workflow_dispatch", dispatch, github, secrets)
    assert back.code == 0, back.log
    assert back.outputs("rollback")["rolled-back"] == "2", back.log
    assert [v for v, _ in db.history()][-1] == target


@pytest.mark.timeout(600)
def test_the_monorepo_matrix_checks_each_project_with_a_comment_each(
    act: Act, tmp_path: Path, github: FakeGitHub
) -> None:
    workflow = yaml.safe_load((WORKFLOWS / "schemagate-check-monorepo.yml").read_text())
    projects = workflow["jobs"]["check"]["strategy"]["matrix"]["project"]
    repo = tmp_path / "repo"
    base = new_repository(repo, EXAMPLE, ["schemagate-check-monorepo.yml"], folders=projects)
    (repo / projects[0] / "supabase" / "migrations" / "20251201000000_change.sql").write_text(FLAWED)
    run = act.run(
        repo, "schemagate-check-monorepo.yml", "pull_request", pr_event(base, commit(repo, "x")), github
    )
    assert run.code != 0, run.log
    comments = github.state.comments[7]
    assert len(comments) == len(projects) == 2, run.log
    flawed = [c for c in comments if "rls-disabled" in c["body"]]
    assert len(flawed) == 1 and projects[0] in flawed[0]["body"], [c["body"] for c in comments]
    # each job uploaded its project's reports. The example names each upload by the job's index;
    # act 0.2.89 evaluates `strategy.job-index` as empty, so here both share one name (GitHub gives
    # 0 and 1: only a run there proves the two names differ)
    uploads = sorted(
        p.relative_to(repo).as_posix() for p in (repo / ".artifacts").glob("*/*/*/.schemagate/report.json")
    )
    assert [u.split("/", 2)[2] for u in uploads] == sorted(
        f"{p}/.schemagate/report.json" for p in projects
    ), uploads
    assert all(re.fullmatch(r"schemagate-report-\d*", u.split("/")[1]) for u in uploads), uploads


def test_act_reports_outputs_per_job() -> None:
    """The log reader this suite's assertions rest on."""
    log = "[w/check-1]   ⚙  ::set-output:: verdict=pass\n[w/deploy]   ⚙  ::set-output:: applied=3\n"
    assert ActRun(0, log).outputs("check-1") == {"verdict": "pass"}
    assert ActRun(0, log).outputs("deploy") == {"applied": "3"}
