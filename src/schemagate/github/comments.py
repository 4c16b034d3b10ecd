"""One sticky comment per pull request: found by a hidden marker, updated in place."""

from __future__ import annotations

from dataclasses import dataclass

from schemagate.github.api import ApiError, GitHubApi


@dataclass(frozen=True)
class Posted:
    id: int
    url: str
    created: bool


def upsert(api: GitHubApi, issue_number: int, marker: str, body: str) -> Posted:
    """Update the comment that carries `marker`, or create it. Never a second one."""
    path = f"/issues/{issue_number}/comments"
    for comment in api.pages(path):
        if marker in str(comment.get("body", "")):
            updated = api.patch(f"/issues/comments/{comment['id']}", {"body": body})
            return Posted(int(updated["id"]), str(updated.get("html_url", "")), created=False)
    made = api.post(path, {"body": body})
    return Posted(int(made["id"]), str(made.get("html_url", "")), created=True)


def read_only(error: ApiError) -> bool:
    """A token that cannot write (a fork's pull request gets a read-only one)."""
    return error.status in {403, 404}
