"""github/comments.py and github/feedback.py against the local fake GitHub: only the token's own
comment whose first line is the project's marker is edited, one comment at most is created, only the
token's own stale suggestions are deleted, and any refusal of GitHub's is a warning that names it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from unitcheck import forget_secrets

from fakegithub import TOKEN, FakeGitHub, State
from schemagate import secrets
from schemagate.action import comments, review
from schemagate.action.api import GitHubApi
from schemagate.action.feedback import PullRequest
from schemagate.action.runner import Runner
from schemagate.errors import ApiError
from schemagate.findings.fixes import Edit

MARKER = "<!-- schemagate:check -->"
BOT = "github-actions[bot]"


@pytest.fixture(autouse=True)
def _no_secrets() -> None:
    forget_secrets()


@pytest.fixture(scope="module")
def hub() -> Iterator[FakeGitHub]:
    """One fake for the module: stopping one takes half a second, and mutation testing runs these often."""
    with FakeGitHub() as fake:
        yield fake


@pytest.fixture
def github(hub: FakeGitHub) -> FakeGitHub:
    """The module's fake with a fresh repository: no comment, fault or request from another test."""
    hub.state = State()
    return hub


def api_of(github: FakeGitHub) -> GitHubApi:
    return GitHubApi(TOKEN, github.state.repo, github.url)


def test_upsert_creates_the_comment_when_none_is_ours(github: FakeGitHub) -> None:
    theirs = github.add_comment(7, f"{MARKER} theirs", login="mallory")
    other = github.add_comment(7, "no marker", login=BOT)
    posted = comments.upsert(api_of(github), 7, MARKER, "body")
    made = github.state.comments[7][-1]
    assert posted == comments.Posted(made["id"], made["html_url"], True)
    assert made["body"] == "body" and made["user"]["login"] == BOT
    assert theirs["body"] == f"{MARKER} theirs" and other["body"] == "no marker"
    assert posted.url.startswith("https://github.com/acme/app/")


def test_upsert_updates_the_first_comment_of_ours_with_the_marker(github: FakeGitHub) -> None:
    github.add_comment(7, "no marker", login=BOT)
    quoted = github.add_comment(7, f"old {MARKER} text", login=BOT)  # another bot's quote: not ours
    ours = github.add_comment(7, f"{MARKER}\r\nold text", login=BOT)
    later = github.add_comment(7, f"{MARKER}\nlater", login=BOT)
    posted = comments.upsert(api_of(github), 7, MARKER, "new body")
    assert posted == comments.Posted(ours["id"], ours["html_url"], False)
    assert ours["body"] == "new body" and later["body"] == f"{MARKER}\nlater"
    assert quoted["body"] == f"old {MARKER} text"
    assert len(github.state.comments[7]) == 4
    assert not github.requests("POST", r"/comments$")


@pytest.mark.parametrize(
    "body",
    [
        f"{MARKER} x",
        f" {MARKER}",
        f"{MARKER} \nx",  # only a CR before the newline is GitHub's line ending
        f"{MARKER}\t",
        f"{MARKER}X",
        f"x\n{MARKER}",
        f"{MARKER}\u2028x",
        "x" + MARKER,
    ],
)
def test_only_a_first_line_that_is_the_marker_makes_the_comment_ours(github: FakeGitHub, body: str) -> None:
    other = github.add_comment(7, body, login=BOT)
    assert comments.upsert(api_of(github), 7, MARKER, "new").created
    assert other["body"] == body


@pytest.mark.parametrize(("body", "line"), [("a\r\nb", "a"), ("a\nb\nc", "a"), ("a\r", "a"), ("\nb", "")])
def test_first_line(body: str, line: str) -> None:
    assert comments.first_line({"body": body}) == line
    assert comments.first_line({}) == ""


def test_a_marked_comment_of_another_user_is_never_edited(github: FakeGitHub) -> None:
    github.state.token_user = "octocat"  # a personal token: its user, not the Actions bot, is us
    bots = github.add_comment(7, MARKER, login=BOT)
    ours = github.add_comment(7, MARKER, login="octocat")
    assert comments.upsert(api_of(github), 7, MARKER, "new").id == ours["id"]
    assert bots["body"] == MARKER and ours["body"] == "new"


@pytest.mark.parametrize("marker", ["None", "XX"])
def test_a_comment_without_a_body_carries_no_marker(github: FakeGitHub, marker: str) -> None:
    github.state.comments[7] = [{"id": 5, "user": {"login": BOT}, "html_url": "u"}]
    assert comments.upsert(api_of(github), 7, marker, "x").created


def test_upsert_names_the_comment_whose_answer_has_no_id(github: FakeGitHub) -> None:
    github.state.comments[7] = [{"body": MARKER, "user": {"login": BOT}}]
    with pytest.raises(ApiError) as caught:
        comments.upsert(api_of(github), 7, MARKER, "x")
    assert str(caught.value) == "a comment on #7: GitHub's answer has no whole-number 'id'"


def test_upsert_names_the_new_comment_whose_answer_has_no_id(github: FakeGitHub) -> None:
    github.fail("POST", r"/issues/7/comments$", 201, body={"html_url": "u"})
    with pytest.raises(ApiError) as caught:
        comments.upsert(api_of(github), 7, MARKER, "x")
    assert str(caught.value) == "the new comment on #7: GitHub's answer has no whole-number 'id'"


def test_an_answer_without_a_url_is_an_empty_url(github: FakeGitHub) -> None:
    github.fail("POST", r"/issues/7/comments$", 201, body={"id": 5})
    assert comments.upsert(api_of(github), 7, MARKER, "x") == comments.Posted(5, "", True)
    github.add_comment(7, MARKER, login=BOT)
    github.fail("PATCH", r"/issues/comments/\d+$", 200, body={"id": 5})
    assert comments.upsert(api_of(github), 7, MARKER, "x").url == ""


def test_upsert_reads_every_page_of_comments(github: FakeGitHub) -> None:
    for i in range(120):
        github.add_comment(9, f"filler {i}", login="someone")
    ours = github.add_comment(9, MARKER, login=BOT)
    assert comments.upsert(api_of(github), 9, MARKER, "x").id == ours["id"]


@pytest.mark.parametrize(("status", "read_only"), [(403, True), (404, True), (401, False), (422, False)])
def test_read_only(status: int, read_only: bool) -> None:
    assert comments.read_only(ApiError("no", status=status)) is read_only
    assert comments.read_only(ApiError("no")) is False


def test_comment_posts_the_redacted_body_under_the_project_s_marker(
    github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets.register("hunter2")
    pr = PullRequest(api_of(github), Runner({}), 7, project="apps/db")
    pr.comment("report with hunter2")
    (made,) = github.state.comments[7]
    assert made["body"] == "report with ***"
    assert capsys.readouterr().out == f"created the checklist comment {made['html_url']}\n"
    made["body"] = "<!-- schemagate:check apps/db -->\nold"
    pr.comment("second")
    assert made["body"] == "second" and len(github.state.comments[7]) == 1
    assert capsys.readouterr().out == f"updated the checklist comment {made['html_url']}\n"


def test_comment_with_a_read_only_token_warns(github: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    github.fail("POST", r"/issues/7/comments$", 403, body={"message": "Resource not accessible"})
    PullRequest(api_of(github), Runner({}), 7).comment("report")
    assert capsys.readouterr().out == (
        "::warning::cannot comment on this pull request (the token is read-only, as on pull requests from "
        "forks); the report is in the job summary and annotations\n"
    )


def test_comment_warns_on_any_other_refusal(github: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    github.fail("POST", r"/issues/7/comments$", 401, body={"message": "Bad credentials"})
    PullRequest(api_of(github), Runner({}), 7).comment("report")
    assert capsys.readouterr().out == (
        "::warning::could not post the checklist comment (GitHub API POST "
        "/repos/acme/app/issues/7/comments failed: 401 Bad credentials); the report is in the job summary "
        "and annotations, and the verdict stands\n"
    )
    assert not github.state.comments.get(7)


def _edit(line: int) -> Edit:
    return Edit(
        Path("supabase/migrations/1_x.sql"), line, line, f"old {line}", f"new {line}", ("rule",), line
    )


def test_suggest_logs_what_was_posted_kept_and_removed(
    github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    github.state.pr_files = [{"filename": "supabase/migrations/1_x.sql", "status": "added"}]
    edits = [_edit(1), _edit(2), _edit(3)]
    kept = review.suggestions(edits[1:], "")
    stale = [f"<!-- schemagate:suggestion . {n:016x} -->" for n in range(3)]
    github.state.review_comments = [
        {"id": 100 + i, "body": body, "user": {"login": BOT}}
        for i, body in enumerate([s.body for s in kept] + stale)
    ]
    pasted = {"id": 200, "body": stale[0], "user": {"login": "mallory"}}  # someone else's copy of a key
    github.state.review_comments.append(pasted)
    PullRequest(api_of(github), Runner({}), 7).suggest("abc123", edits)
    assert capsys.readouterr().out == (
        "review suggestions: 1 posted, 2 already there, 3 removed for statements fixed since\n"
    )
    assert pasted in github.state.review_comments


def test_suggest_for_the_project_s_folder(github: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    github.state.pr_files = [{"filename": "apps/db/supabase/migrations/1_x.sql", "status": "added"}]
    github.state.review_comments = [
        {"id": 1, "body": f"<!-- schemagate:suggestion apps/db {0:016x} -->\nx", "user": {"login": BOT}},
        {"id": 2, "body": f"<!-- schemagate:suggestion . {1:016x} -->", "user": {"login": BOT}},  # the root's
    ]
    PullRequest(api_of(github), Runner({}), 7, project="apps/db").suggest("abc123", [_edit(1)])
    assert capsys.readouterr().out == (
        "review suggestions: 1 posted, 0 already there, 1 removed for statements fixed since\n"
    )
    assert github.state.review_comments[0]["id"] == 2  # the root project's, kept
    assert github.state.review_comments[1]["path"] == "apps/db/supabase/migrations/1_x.sql"


@pytest.mark.parametrize(
    ("status", "warning"),
    [
        (
            422,
            "GitHub refused the fixes as review suggestions (a line outside the pull request's diff); "
            "they are in the checklist comment",
        ),
        (
            403,
            "cannot post the fixes as review suggestions (the token is read-only, as on pull requests "
            "from forks); they are in the job summary",
        ),
    ],
)
def test_suggest_warns_when_github_refuses_for_a_known_reason(
    github: FakeGitHub, capsys: pytest.CaptureFixture[str], status: int, warning: str
) -> None:
    github.fail("GET", r"/pulls/7/files", status, body={"message": "no"})
    PullRequest(api_of(github), Runner({}), 7).suggest("abc123", [_edit(1)])
    assert capsys.readouterr().out == f"::warning::{warning}\n"


def test_suggest_warns_on_any_other_refusal(github: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    github.fail("GET", r"/pulls/7/files", 401, body={"message": "Bad credentials"})
    PullRequest(api_of(github), Runner({}), 7).suggest("abc123", [_edit(1)])
    assert capsys.readouterr().out == (
        "::warning::could not post the fixes as review suggestions (GitHub API GET "
        "/repos/acme/app/pulls/7/files failed: 401 Bad credentials); they are in the checklist comment "
        "and the job summary, and the verdict stands\n"
    )


@pytest.mark.parametrize(
    "body",
    [
        f"x\n<!-- schemagate:suggestion . {0:016x} -->",  # a key quoted below the first line
        f"<!-- schemagate:suggestion . {0:016x} --> x",
        f"<!-- schemagate:suggestion apps/db {0:016x} -->",  # another project's
    ],
)
def test_suggest_removes_only_its_own_first_line_keys(
    github: FakeGitHub, capsys: pytest.CaptureFixture[str], body: str
) -> None:
    github.state.review_comments = [{"id": 1, "body": body, "user": {"login": BOT}}]
    PullRequest(api_of(github), Runner({}), 7).suggest("abc123", [])
    assert capsys.readouterr().out == (
        "review suggestions: 0 posted, 0 already there, 0 removed for statements fixed since\n"
    )
    assert [c["id"] for c in github.state.review_comments] == [1]
