"""The fixes as one pull request review of suggestions, over real HTTP against the fake GitHub:
posted once, never twice for the same head, removed once fixed, and no failure where GitHub
refuses them (a line off the diff, a fork's read-only token)."""

from __future__ import annotations

import json
from pathlib import Path

from actionrun import HEAD, pr_payload, read_only_token, run_action
from fakegithub import FakeGitHub

ADDED = "supabase/migrations/20251201000000_orders.sql"
ORDERS = """create table public.orders (id bigint primary key);
create table public.line_items (
  id bigint primary key,
  order_id bigint not null references public.orders (id) on delete cascade
);
"""


def _added(github: FakeGitHub, root: Path, sql: str = ORDERS) -> None:
    (root / ADDED).write_text(sql)
    github.state.pr_files = [{"filename": ADDED, "status": "added"}]


def _suggested(github: FakeGitHub) -> list[str]:
    bodies = [str(c["body"]) for c in github.state.review_comments]
    return [b.split("```suggestion\n", 1)[1].rsplit("\n```", 1)[0] for b in bodies]


def test_each_statement_gets_one_suggestion_that_fixes_it(
    workspace: tuple[Path, str], github: FakeGitHub
) -> None:
    root, base = workspace
    _added(github, root)
    result = run_action(root, github, "pull_request", pr_payload(base), {})
    assert result.code == 1, result.log
    (review,) = github.state.reviews
    comments = github.state.review_comments
    assert [(c["path"], c.get("start_line"), c["line"], c["side"]) for c in comments] == [
        (ADDED, None, 1, "RIGHT"),
        (ADDED, 2, 5, "RIGHT"),
    ]
    posted = json.loads(github.requests("POST", r"/pulls/7/reviews$")[0][2])
    assert posted["commit_id"] == HEAD and posted["event"] == "COMMENT"
    assert _suggested(github) == [
        "create table if not exists public.orders (id bigint primary key);\n"
        "alter table public.orders enable row level security;",
        "create table if not exists public.line_items (\n  id bigint primary key,\n"
        "  order_id bigint not null references public.orders (id) on delete cascade\n);\n"
        "alter table public.line_items enable row level security;\n"
        "create index if not exists line_items_order_id_idx on public.line_items (order_id);",
    ]
    assert review["state"] == "COMMENTED"
    # what the suggestions say is what `schemagate fix` writes
    report = json.loads((root / ".schemagate" / "report.json").read_text())
    (migration,) = report["migrations"]
    assert [f["new"] for f in migration["fixes"]] == _suggested(github)


def test_a_rerun_on_the_same_head_posts_nothing_twice(
    workspace: tuple[Path, str], github: FakeGitHub
) -> None:
    root, base = workspace
    _added(github, root)
    run_action(root, github, "pull_request", pr_payload(base), {})
    again = run_action(root, github, "pull_request", pr_payload(base), {})
    assert len(github.state.reviews) == 1 and len(github.state.review_comments) == 2
    assert "review suggestions: 0 posted, 2 already there, 0 removed" in again.log


def test_a_suggestion_for_a_fixed_statement_is_removed(
    workspace: tuple[Path, str], github: FakeGitHub
) -> None:
    root, base = workspace
    _added(github, root)
    run_action(root, github, "pull_request", pr_payload(base), {})
    first = github.state.review_comments[0]
    # the author commits the first suggestion
    lines = ORDERS.split("\n")
    lines[0:1] = _suggested(github)[0].split("\n")
    (root / ADDED).write_text("\n".join(lines))
    again = run_action(root, github, "pull_request", pr_payload(base), {})
    assert [c["id"] for c in github.state.review_comments if c["id"] == first["id"]] == []
    assert github.requests("DELETE", rf"/pulls/comments/{first['id']}$")
    assert "1 removed for statements fixed since" in again.log
    assert len(github.state.reviews) == 1  # the second statement's suggestion was already there


def test_a_review_github_refuses_falls_back_to_the_comment(
    workspace: tuple[Path, str], github: FakeGitHub
) -> None:
    root, base = workspace
    _added(github, root)
    github.fail("POST", r"/pulls/\d+/reviews$", 422, body={"message": "Unprocessable Entity"})
    result = run_action(root, github, "pull_request", pr_payload(base), {})
    assert result.code == 1, result.log  # the verdict, not an error of ours
    assert "::warning::GitHub refused the fixes as review suggestions" in result.log
    (comment,) = github.state.comments[7]
    assert "alter table public.orders enable row level security;" in comment["body"]


def test_a_fork_s_read_only_token_gets_no_suggestions_and_no_failure(
    workspace: tuple[Path, str], github: FakeGitHub
) -> None:
    root, base = workspace
    _added(github, root)
    read_only_token(github)
    github.fail("POST", r"/pulls/\d+/reviews$", 403, times=-1, body={"message": "Resource not accessible"})
    result = run_action(root, github, "pull_request", pr_payload(base, fork=True), {})
    assert result.code == 1 and "Traceback" not in result.log
    assert "::warning::cannot post the fixes as review suggestions (the token is read-only" in result.log
    assert github.state.reviews == []


def test_merged_migrations_get_no_suggestion(workspace: tuple[Path, str], github: FakeGitHub) -> None:
    root, base = workspace
    _added(github, root)
    github.state.pr_files = [{"filename": ADDED, "status": "modified"}]  # not added by this PR
    run_action(root, github, "pull_request", pr_payload(base), {})
    assert github.state.reviews == [] and not github.requests("POST", r"/pulls/\d+/reviews$")


def test_suggestions_can_be_turned_off(workspace: tuple[Path, str], github: FakeGitHub) -> None:
    root, base = workspace
    _added(github, root)
    run_action(root, github, "pull_request", pr_payload(base), {"suggestions": "false"})
    assert not github.requests("GET", r"/pulls/\d+/files$") and github.state.reviews == []
