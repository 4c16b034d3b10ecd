"""The Action end to end, driven exactly as the runner drives it: env vars, an event payload file,
output and summary files, the entrypoint as a process, and a GitHub API over real HTTP."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from actionrun import FLAWED, PUSH, pr_payload, read_only_token, run_action
from checking import fresh_database
from conftest import Database
from fakegithub import TOKEN, FakeGitHub


# pull requests -------------------------------------------------------------------------------------
def test_pr_comment_is_created_then_updated_never_duplicated(
    workspace: tuple[Path, str], github: FakeGitHub
) -> None:
    root, base = workspace
    for i in range(150):  # the marker must be found beyond the first page
        github.add_comment(7, f"unrelated comment {i}")
    (root / "supabase/migrations/20251201000000_flawed.sql").write_text(FLAWED)
    first = run_action(root, github, "pull_request", pr_payload(base), {})
    assert first.code == 1, first.log
    assert first.outputs["verdict"] == "fail" and first.outputs["mode"] == "check"
    ours = [c for c in github.state.comments[7] if "<!-- schemagate:check -->" in c["body"]]
    assert len(ours) == 1 and "rls-disabled" in ours[0]["body"]
    (root / "supabase/migrations/20251201000000_flawed.sql").write_text(
        FLAWED.replace(";", ";\nalter table public.open_table enable row level security;")
    )
    second = run_action(root, github, "pull_request", pr_payload(base), {})
    ours = [c for c in github.state.comments[7] if "<!-- schemagate:check -->" in c["body"]]
    assert len(ours) == 1, "updated in place, never a second comment"
    assert "rls-disabled" not in ours[0]["body"]
    assert len(github.requests("POST", r"/issues/7/comments$")) == 1
    assert len(github.requests("PATCH", r"/issues/comments/\d+$")) == 1
    assert second.summary.startswith("<!-- schemagate:check -->")
    assert (
        "::error file=supabase/migrations/20251201000000_flawed.sql,line=1,title=rls-disabled::" in first.log
    )
    # relative to the workspace: a later step on the runner reads them where the container wrote them
    assert first.outputs["report-json"] == ".schemagate/report.json"
    assert first.outputs["sarif"] == ".schemagate/report.sarif"
    assert (root / first.outputs["report-json"]).exists() and (root / first.outputs["sarif"]).exists()


def test_fork_pr_falls_back_to_summary_without_failing(
    workspace: tuple[Path, str], github: FakeGitHub
) -> None:
    root, base = workspace
    read_only_token(github)
    result = run_action(root, github, "pull_request", pr_payload(base, fork=True), {})
    assert result.code == 0, result.log
    assert "::warning::cannot comment on this pull request (the token is read-only" in result.log
    assert "schemagate" in result.summary and result.outputs["verdict"] == "pass"


@pytest.mark.parametrize("flawed", [False, True])
def test_github_trouble_never_changes_the_verdict(
    workspace: tuple[Path, str], github: FakeGitHub, flawed: bool
) -> None:
    root, base = workspace
    if flawed:
        (root / "supabase/migrations/20251201000000_flawed.sql").write_text(FLAWED)
    github.fail("GET", r"/issues/7/comments$", 500, times=-1)
    github.fail("GET", r"/pulls/7/files$", 500, times=-1)
    env = {"SCHEMAGATE_GITHUB_RETRIES": "0"}
    result = run_action(root, github, "pull_request", pr_payload(base), {}, env)
    assert result.code == (1 if flawed else 0), result.log
    assert result.outputs["verdict"] == ("fail" if flawed else "pass")
    assert "::warning::could not post the checklist comment (GitHub API GET" in result.log
    assert "::error::" not in result.log
    assert result.summary.startswith("<!-- schemagate:check -->")
    if flawed:
        assert "::warning::could not post the fixes as review suggestions" in result.log


def test_5xx_and_secondary_rate_limits_are_retried(workspace: tuple[Path, str], github: FakeGitHub) -> None:
    root, base = workspace
    github.fail("GET", r"/issues/7/comments$", 502, times=2)
    github.fail(
        "POST",
        r"/issues/7/comments$",
        403,
        times=1,
        headers={"Retry-After": "1"},
        body={"message": "You have exceeded a secondary rate limit."},
    )
    result = run_action(root, github, "pull_request", pr_payload(base), {})
    assert result.code == 0, result.log
    assert len(github.requests("GET", r"/issues/7/comments$")) == 3
    assert len(github.requests("POST", r"/issues/7/comments$")) == 2
    assert len(github.state.comments[7]) == 1


def test_pr_events_never_touch_the_production_url(workspace: tuple[Path, str], github: FakeGitHub) -> None:
    root, base = workspace
    with socket.socket() as trap:
        trap.bind(("127.0.0.1", 0))
        trap.listen()
        trap.settimeout(0.01)
        port = trap.getsockname()[1]
        url = f"postgresql://postgres:prod-Secret-pw@127.0.0.1:{port}/postgres"
        for event in ("pull_request", "pull_request_target"):
            result = run_action(root, github, event, pr_payload(base), {"database-url": url})
            assert result.code == 0, result.log
        with pytest.raises(TimeoutError):
            trap.accept()  # nobody ever connected
        refused = run_action(
            root, github, "pull_request", pr_payload(base), {"database-url": url, "mode": "deploy"}
        )
    assert refused.code == 2 and "mode deploy never runs on pull_request events" in refused.log


def test_a_payload_missing_fields_is_a_clear_error(workspace: tuple[Path, str], github: FakeGitHub) -> None:
    root, _ = workspace
    result = run_action(root, github, "pull_request", {"pull_request": {"number": 7}}, {})
    assert result.code == 2
    assert (
        "::error title=schemagate::the pull_request event payload has no pull_request.base.sha" in result.log
    )


# deploy --------------------------------------------------------------------------------------------
def test_deploy_with_environment_approval_applies_and_reports(
    workspace: tuple[Path, str], github: FakeGitHub, db: Database
) -> None:
    root, _ = workspace
    github.state.approvals = [
        {
            "state": "approved",
            "user": {"login": "reviewer"},
            "environments": [{"name": "production"}],
            "comment": "ship it",
        }
    ]
    github.state.pulls_for_commit = [{"number": 12}]
    github.state.deployments = [
        {"id": 55, "sha": "c0ffee0000000000000000000000000000000000", "environment": "production"}
    ]
    result = run_action(root, github, "push", PUSH, {"database-url": db.url})
    assert result.code == 0, result.log
    assert result.outputs["applied"] == "4" and result.outputs["mode"] == "deploy"
    assert len(db.history()) == 4
    assert github.state.statuses == [(55, "in_progress"), (55, "success")]
    (comment,) = github.state.comments[12]
    assert (
        "4 migration(s) applied to production" in comment["body"]
        and "approved by reviewer" in comment["body"]
    )
    with db.connect(admin=True) as conn:
        approvers = conn.execute(
            "select distinct approver, run_url from supabase_migrations.schemagate_audit"
        ).fetchall()
    assert approvers == [("reviewer", "https://github.com/acme/app/actions/runs/4242")]


def test_deploy_without_approval_is_refused_and_touches_nothing(
    workspace: tuple[Path, str], github: FakeGitHub, db: Database
) -> None:
    root, _ = workspace
    result = run_action(root, github, "push", PUSH, {"database-url": db.url})
    assert result.code == 1
    assert "no approval recorded for run 4242" in result.log
    assert db.history() == [] and db.tables() == []


def test_comment_outage_after_apply_fails_clearly_and_a_rerun_applies_nothing_twice(
    workspace: tuple[Path, str], github: FakeGitHub, db: Database
) -> None:
    root, _ = workspace
    github.state.approvals = [{"state": "approved", "user": {"login": "reviewer"}, "environments": []}]
    github.state.pulls_for_commit = [{"number": 12}]
    github.fail("GET", r"/issues/12/comments$", 500, times=-1)
    first = run_action(
        root, github, "push", PUSH, {"database-url": db.url}, {"SCHEMAGATE_GITHUB_RETRIES": "2"}
    )
    assert first.code != 0
    assert "4 migration(s) were applied to production and recorded; only the PR comment failed" in first.log
    assert len(db.history()) == 4
    github.state.faults.clear()
    second = run_action(root, github, "push", PUSH, {"database-url": db.url})
    assert second.code == 0 and second.outputs["applied"] == "0"
    with db.connect(admin=True) as conn:
        assert conn.execute("select count(*) from supabase_migrations.schemagate_audit").fetchone() == (4,)


def test_a_github_api_that_never_answers_times_out_after_bounded_retries(
    workspace: tuple[Path, str], github: FakeGitHub, db: Database
) -> None:
    root, _ = workspace
    github.state.approvals = [{"state": "approved", "user": {"login": "reviewer"}, "environments": []}]
    github.state.pulls_for_commit = [{"number": 12}]
    github.fail("GET", r"/issues/12/comments$", 0, times=-1, hold=True)
    env = {"SCHEMAGATE_GITHUB_RETRIES": "1", "SCHEMAGATE_GITHUB_TIMEOUT": "1"}
    result = run_action(root, github, "push", PUSH, {"database-url": db.url}, env)
    assert result.code != 0
    assert "4 migration(s) were applied to production and recorded; only the PR comment failed" in result.log
    assert "Timeout" in result.log or "timed out" in result.log
    assert len(github.requests("GET", r"/issues/12/comments$")) == 2  # the call and one retry
    assert len(db.history()) == 4
    assert [line for line in result.log.splitlines() if TOKEN in line] == [f"::add-mask::{TOKEN}"]


@pytest.mark.parametrize(("reply", "code", "applied"), [("/approve", 0, 4), ("/deny", 1, 0)])
def test_issue_approval(
    workspace: tuple[Path, str], github: FakeGitHub, db: Database, reply: str, code: int, applied: int
) -> None:
    root, _ = workspace
    github.state.permissions = {"lead": "write", "merger": "admin"}
    github.state.on_issue_opened = [
        ("merger", "/approve"),
        ("lead", reply),
    ]  # the merger may not self-approve
    result = run_action(
        root,
        github,
        "push",
        PUSH,
        {"database-url": db.url, "approval": "issue"},
        {"SCHEMAGATE_APPROVAL_POLL": "0.01"},
    )
    assert result.code == code, result.log
    assert len(db.history()) == applied
    (issue,) = github.state.issues.values()
    assert issue["state"] == "closed"
    # the approver reads the deploy plan in the issue before answering
    assert "### 📋 Deploy plan: 4 pending migration(s)" in str(issue["body"])
    assert "20251119184000\\_add\\_multi\\_tenancy\\.sql" in str(issue["body"])


def test_issue_approval_times_out(workspace: tuple[Path, str], github: FakeGitHub, db: Database) -> None:
    root, _ = workspace
    result = run_action(
        root,
        github,
        "push",
        PUSH,
        {"database-url": db.url, "approval": "issue", "approval-timeout": "0.2"},
        {"SCHEMAGATE_APPROVAL_POLL": "0.05"},
    )
    assert result.code == 1 and "no /approve on issue #100 within 0.2 s" in result.log
    assert db.history() == []


# rollback ------------------------------------------------------------------------------------------
def test_dispatch_rollback_under_approval(
    workspace: tuple[Path, str], github: FakeGitHub, db: Database
) -> None:
    root, _ = workspace
    github.state.approvals = [{"state": "approved", "user": {"login": "reviewer"}, "environments": []}]
    # the newest example migration gets its reviewed down file before it is deployed
    (root / "supabase/rollbacks/20251122100000_backfill_event_kinds.sql").write_text(
        "alter table public.events drop constraint if exists events_kind_lowercase;\n"
    )
    assert run_action(root, github, "push", PUSH, {"database-url": db.url}).code == 0
    dispatch = {
        "inputs": {"rollback-to": "20251120170000", "reason": "events broke the app"},
        "repository": {"full_name": "acme/app", "default_branch": "main"},
    }
    result = run_action(root, github, "workflow_dispatch", dispatch, {"database-url": db.url})
    assert result.code == 0, result.log
    assert result.outputs["mode"] == "rollback"
    assert "2 migration(s) rolled back; production is at 20251120170000" in result.summary
    assert [v for v, _ in db.history()] == ["20251119184000", "20251120170000"]
    with db.connect(admin=True) as conn:
        rows = conn.execute(
            "select version, approver, reason from supabase_migrations.schemagate_audit "
            "where action = 'rollback' order by id"
        ).fetchall()
    assert rows == [
        ("20251122100000", "reviewer", "events broke the app"),
        ("20251121090000", "reviewer", "events broke the app"),
    ]


def test_dispatch_rollback_refuses_an_incomplete_down_file_before_asking_approval(
    workspace: tuple[Path, str], github: FakeGitHub, db: Database
) -> None:
    root, _ = workspace
    github.state.approvals = [{"state": "approved", "user": {"login": "reviewer"}, "environments": []}]
    (root / "supabase/rollbacks/20251122100000_backfill_event_kinds.sql").write_text(
        "-- INCOMPLETE: these statements have no exact inverse and need a human:\n--   line 3: UPDATE\n"
    )
    assert run_action(root, github, "push", PUSH, {"database-url": db.url}).code == 0
    before = db.snapshot()
    approvals = len(github.requests("GET", r"/approvals"))
    dispatch = {"inputs": {"rollback-to": "20251121090000", "reason": "events broke the app"}}
    result = run_action(root, github, "workflow_dispatch", dispatch, {"database-url": db.url})
    assert result.code == 2, result.log
    assert "20251122100000_backfill_event_kinds.sql is marked INCOMPLETE" in result.log
    assert db.snapshot() == before and len(db.history()) == 4
    assert len(github.requests("GET", r"/approvals")) == approvals  # refused before it asked


def test_dispatch_rollback_to_an_unknown_version(
    workspace: tuple[Path, str], github: FakeGitHub, db: Database
) -> None:
    root, _ = workspace
    dispatch = {"inputs": {"rollback-to": "19990101000000", "reason": "typo"}}
    result = run_action(root, github, "workflow_dispatch", dispatch, {"database-url": db.url})
    assert result.code == 2 and "version 19990101000000 is not applied here" in result.log


# secrets and the contract with action.yml ---------------------------------------------------------
def test_secrets_never_appear_anywhere(workspace: tuple[Path, str], github: FakeGitHub, db: Database) -> None:
    root, base = workspace
    (root / "supabase/migrations/20251201000000_flawed.sql").write_text(FLAWED)
    url = db.url.replace("postgres@", "postgres:Sup3r-Secret-Pw@")
    check_url = "postgresql://postgres:An0ther-Secret@127.0.0.1:1/postgres"
    pr = run_action(
        root, github, "pull_request", pr_payload(base), {"database-url": url, "check-database-url": check_url}
    )
    github.state.approvals = [{"state": "approved", "user": {"login": "reviewer"}, "environments": []}]
    push = run_action(
        root, github, "push", PUSH, {"database-url": "postgresql://postgres:Sup3r-Secret-Pw@127.0.0.1:1/x"}
    )
    assert pr.code == 3 and push.code == 3  # both failed to connect, with the password in the URL
    for log in (pr.log, push.log):  # every mask comes before any other line, and only masks carry secrets
        lines = log.splitlines()
        masks = [i for i, line in enumerate(lines) if line.startswith("::add-mask::")]
        assert masks == list(range(len(masks))) and len(masks) >= 3
    unmasked = [
        "\n".join(line for line in r.log.splitlines() if not line.startswith("::add-mask::"))
        for r in (pr, push)
    ]
    everything = [
        *unmasked,
        pr.summary,
        push.summary,
        json.dumps(pr.outputs),
        json.dumps(push.outputs),
        json.dumps(github.state.log),
    ]
    everything += [p.read_text() for p in (root / ".schemagate").glob("*") if p.is_file()]
    for secret in ("Sup3r-Secret-Pw", "An0ther-Secret", TOKEN):
        assert not any(secret in text for text in everything), secret


def test_secrets_stay_out_of_every_output_when_everything_succeeds(
    workspace: tuple[Path, str], github: FakeGitHub, db: Database
) -> None:
    """The success paths too: a posted checklist, reports on disk, a deploy and its PR comment."""
    root, base = workspace
    (root / "supabase/migrations/20251201000000_flawed.sql").write_text(FLAWED)
    secret_url = db.url.replace("postgres@", "postgres:Sup3r-Secret-Pw@")  # trust auth ignores it
    with fresh_database(db) as scratch:
        check_url = scratch.url.replace("postgres@", "postgres:An0ther-Secret@")
        pr = run_action(root, github, "pull_request", pr_payload(base), {"check-database-url": check_url})
    github.state.approvals = [{"state": "approved", "user": {"login": "reviewer"}, "environments": []}]
    github.state.pulls_for_commit = [{"number": 12}]
    push = run_action(root, github, "push", PUSH, {"database-url": secret_url})
    assert pr.code == 1 and pr.outputs["verdict"] == "fail", pr.log  # the flawed migration
    assert push.code == 0 and push.outputs["applied"] != "0", push.log
    assert github.state.comments[7] and github.state.comments[12]  # both comments were posted
    everything = [
        "\n".join(line for line in r.log.splitlines() if not line.startswith("::add-mask::"))
        for r in (pr, push)
    ]
    everything += [pr.summary, push.summary, json.dumps(pr.outputs), json.dumps(push.outputs)]
    everything += [json.dumps(github.state.log), json.dumps(github.state.comments)]
    everything += [p.read_text() for p in (root / ".schemagate").glob("*") if p.is_file()]
    for secret in ("Sup3r-Secret-Pw", "An0ther-Secret", TOKEN):
        assert not any(secret in text for text in everything), secret
