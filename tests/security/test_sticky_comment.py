"""What schemagate writes on GitHub is its own: only its own comment is edited, issue text from a
dispatch is escaped, and GitHub's refusals or garbage are one clear line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from actionrun import FLAWED, PUSH, pr_payload, run_action, runner_commands
from conftest import Database
from fakegithub import FakeGitHub

MARKER = "<!-- schemagate:check -->"
APPROVED = [{"state": "approved", "user": {"login": "reviewer"}, "environments": []}]


def test_a_marker_in_someone_else_s_comment_is_left_alone(
    workspace: tuple[Path, str], github: FakeGitHub
) -> None:
    root, base = workspace
    theirs = github.add_comment(7, f"{MARKER}\nmy own words", login="mallory")
    first = run_action(root, github, "pull_request", pr_payload(base), {})
    second = run_action(root, github, "pull_request", pr_payload(base), {})
    assert first.code == 0 and second.code == 0, first.log + second.log
    assert theirs["body"] == f"{MARKER}\nmy own words"  # never edited
    ours = [c for c in github.state.comments[7] if c["user"]["login"] == "github-actions[bot]"]
    assert len(ours) == 1 and "schemagate" in ours[0]["body"]  # created once, then updated in place
    assert ours[0]["user"]["type"] == "Bot"
    assert len(github.requests("PATCH", rf"/issues/comments/{theirs['id']}$")) == 0


def test_a_personal_token_edits_its_own_user_s_comment_only(
    workspace: tuple[Path, str], github: FakeGitHub
) -> None:
    root, base = workspace
    github.state.token_user = "ci-user"
    bot = github.add_comment(7, f"{MARKER}\nfrom the Actions token", login="github-actions[bot]")
    mine = github.add_comment(7, f"{MARKER}\nan older report", login="ci-user")
    result = run_action(root, github, "pull_request", pr_payload(base), {})
    assert result.code == 0, result.log
    assert bot["body"].endswith("from the Actions token")
    assert "an older report" not in mine["body"] and "schemagate" in mine["body"]
    assert len(github.state.comments[7]) == 2 and not github.requests("POST", r"/issues/7/comments$")


def test_a_bot_comment_that_quotes_the_marker_is_left_alone(
    workspace: tuple[Path, str], github: FakeGitHub
) -> None:
    """Another workflow writes as github-actions[bot] too (an echo bot, a welcome message): a
    marker anywhere but on the first line is not ours."""
    root, base = workspace
    echoed = github.add_comment(7, f"you wrote:\n{MARKER}\nLGTM", login="github-actions[bot]")
    result = run_action(root, github, "pull_request", pr_payload(base), {})
    assert result.code == 0, result.log
    assert echoed["body"] == f"you wrote:\n{MARKER}\nLGTM"
    assert len(github.requests("POST", r"/issues/7/comments$")) == 1


def test_someone_else_s_review_comment_with_a_suggestion_key_is_never_deleted(
    workspace: tuple[Path, str], github: FakeGitHub
) -> None:
    root, base = workspace
    added = "supabase/migrations/20251201000000_orders.sql"
    (root / added).write_text("create table public.orders (id bigint primary key);\n")
    github.state.pr_files = [{"filename": added, "status": "added"}]
    key = "<!-- schemagate:suggestion . 0123456789abcdef -->"  # a key no statement of ours has
    theirs = {"id": 991, "path": added, "line": 1, "user": {"login": "mallory"}, "body": f"{key}\nmine"}
    quoted = {
        "id": 992,
        "path": added,
        "line": 1,
        "user": {"login": "github-actions[bot]"},
        "body": f"see {key}",
    }
    github.state.review_comments = [theirs, quoted]
    result = run_action(root, github, "pull_request", pr_payload(base), {})
    assert result.code == 1, result.log
    assert not github.requests("DELETE", r"/pulls/comments/"), result.log
    assert theirs in github.state.review_comments and quoted in github.state.review_comments
    assert len(github.state.reviews) == 1  # ours was posted all the same


def test_a_refused_comment_after_a_deploy_keeps_the_deploy_s_exit_code(
    workspace: tuple[Path, str], github: FakeGitHub, db: Database
) -> None:
    root, _ = workspace
    github.state.approvals = APPROVED
    github.state.pulls_for_commit = [{"number": 12}]
    github.fail("POST", r"/issues/12/comments$", 403, times=-1, body={"message": "Resource not accessible"})
    result = run_action(root, github, "push", PUSH, {"database-url": db.url})
    assert result.code == 0, result.log  # applied: the verdict's code, whatever GitHub refused
    assert result.outputs["verdict"] == "applied" and len(db.history()) == 4
    (warning,) = runner_commands(result.log).named("warning")
    assert "the comment on the merged pull request could not be posted" in warning
    assert "4 migration(s) applied to production" in result.summary


def test_a_dispatch_reason_in_the_approval_issue_is_escaped(
    workspace: tuple[Path, str], github: FakeGitHub, db: Database
) -> None:
    root, _ = workspace
    github.state.approvals = APPROVED
    (root / "supabase/rollbacks/20251122100000_backfill_event_kinds.sql").write_text(
        "alter table public.events drop constraint if exists events_kind_lowercase;\n"
    )
    assert run_action(root, github, "push", PUSH, {"database-url": db.url}).code == 0
    github.state.permissions = {"lead": "write"}
    github.state.on_issue_opened = [("lead", "/deny")]
    reason = (
        "@acme/security ![x](https://evil.example/x.png) <img src=x onerror=alert(1)>\n\x1b[31m" + "z" * 400
    )
    dispatch = {"inputs": {"rollback-to": "20251120170000", "reason": reason}}
    result = run_action(
        root,
        github,
        "workflow_dispatch",
        dispatch,
        {"database-url": db.url, "approval": "issue"},
        {"SCHEMAGATE_APPROVAL_POLL": "0.01"},
    )
    assert result.code == 1 and "denied by lead" in result.log, result.log
    (issue,) = github.state.issues.values()
    title, body = str(issue["title"]), str(issue["body"])
    assert len(title) <= 200 and title.isprintable() and "\x1b" not in title
    for raw in ("@acme", "![x](", "<img", "https://evil"):
        assert raw not in body, (raw, body)
    assert "@\u200bacme/security" in body and "&lt;img" in body


@pytest.mark.parametrize(
    ("status", "body", "raw"),
    [
        (201, None, "<html><body>502 from a proxy</body></html>"),
        (201, None, "[]"),
        (201, {"html_url": "https://github.com/acme/app/pull/7#x"}, None),
    ],
    ids=["not JSON", "a list", "no id"],
)
def test_a_malformed_github_answer_is_one_clear_line(
    workspace: tuple[Path, str], github: FakeGitHub, status: int, body: dict[str, str] | None, raw: str | None
) -> None:
    root, base = workspace
    (root / "supabase/migrations/20251201000000_flawed.sql").write_text(FLAWED)
    kwargs = {"raw": raw} if raw is not None else {"body": body}
    github.fail("POST", r"/issues/7/comments$", status, times=-1, **kwargs)
    result = run_action(root, github, "pull_request", pr_payload(base), {"suggestions": "false"})
    assert "Traceback" not in result.log, result.log
    assert result.code == 1  # the verdict's (a flawed migration), not the API's
    warnings = runner_commands(result.log).named("warning")
    said = [w for w in warnings if w.startswith("could not post the checklist comment (")]
    assert len(said) == 1 and "\n" not in said[0], result.log
    assert "Request GET" not in result.log  # PyGithub's own log lines stay out of the job's
    assert "rls-disabled" in result.summary  # the report is in the summary all the same
