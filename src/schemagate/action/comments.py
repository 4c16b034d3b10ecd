"""One sticky comment per pull request: found by a hidden marker, updated in place.

Only a comment the token itself wrote, whose FIRST line is the marker, is ours: anyone can paste
the marker into a comment of their own, and another workflow's bot (the same github-actions[bot])
may quote it in the middle of its text; the bot must never edit (and so take over, or vouch for)
someone else's words.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemagate.action.api import GitHubApi, login_of, whole_field
from schemagate.errors import ApiError


@dataclass(frozen=True)
class Posted:
    id: int
    url: str
    created: bool


def upsert(api: GitHubApi, issue_number: int, marker: str, body: str) -> Posted:
    """Update our comment that carries `marker`, or create it. Never a second one."""
    path = f"/issues/{issue_number}/comments"
    me = api.login()
    for comment in api.pages(path):
        if first_line(comment) == marker and login_of(comment) == me:
            number = whole_field(comment, "id", f"a comment on #{issue_number}")
            updated = api.patch(f"/issues/comments/{number}", {"body": body})
            return Posted(number, str(updated.get("html_url", "")), created=False)
    made = api.post(path, {"body": body})
    return Posted(
        whole_field(made, "id", f"the new comment on #{issue_number}"), str(made.get("html_url", "")), True
    )


def first_line(comment: dict[str, object]) -> str:
    """A comment's first line, as the marker must be (GitHub may store CRLF line endings)."""
    return str(comment.get("body", "")).split("\n", 1)[0].rstrip("\r")


def read_only(error: ApiError) -> bool:
    """A token that cannot write (a fork's pull request gets a read-only one)."""
    return error.status in {403, 404}
