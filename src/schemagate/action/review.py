"""The mechanical fixes as one pull request review: a suggestion on each statement's own lines.

Each suggestion carries a hidden key made of its file and text, so a re-run on the same head
posts nothing twice, and a suggestion whose statement has since been fixed is deleted. Only files
the pull request adds are suggested on (a merged migration is never edited); GitHub refuses a
review with any comment off the diff (422), and then the sticky comment alone carries the fixes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from schemagate.action.api import GitHubApi, login_of, whole_field
from schemagate.action.comments import first_line
from schemagate.errors import ApiError
from schemagate.findings.fixes import Edit
from schemagate.repofiles import display_path

_KEY = re.compile(r"<!-- schemagate:suggestion (?P<project>\S*) (?P<key>[0-9a-f]{16}) -->")  # the first line


@dataclass(frozen=True)
class Posted:
    added: int
    kept: int
    removed: int


@dataclass(frozen=True)
class Suggestion:
    path: str  # from the repository's root
    edit: Edit
    project: str

    @property
    def key(self) -> str:
        # not the line numbers: GitHub keeps a comment on its code when lines above it move
        made = f"{self.path}\n{self.edit.old}\n{self.edit.new}"
        return hashlib.sha256(made.encode()).hexdigest()[:16]

    @property
    def body(self) -> str:
        longest = max((len(m) for m in re.findall(r"`+", self.edit.new)), default=0)
        fence = "`" * max(3, longest + 1)
        rules = ", ".join(f"`{r}`" for r in self.edit.rules)
        return "\n".join(
            [
                f"<!-- schemagate:suggestion {self.project or '.'} {self.key} -->",
                f"**schemagate** fixes {rules} here:",
                "",
                f"{fence}suggestion",
                self.edit.new,
                fence,
            ]
        )

    def comment(self) -> dict[str, object]:
        made: dict[str, object] = {"path": self.path, "line": self.edit.last, "side": "RIGHT"}
        made["body"] = self.body
        if self.edit.first < self.edit.last:
            made |= {"start_line": self.edit.first, "start_side": "RIGHT"}
        return made


def suggestions(edits: Iterable[Edit], project: str) -> list[Suggestion]:
    out = []
    for edit in edits:
        path = display_path(edit.path) or edit.path.as_posix()
        out.append(Suggestion(f"{project}/{path}" if project else path, edit, project))
    return out


def _added_files(api: GitHubApi, number: int) -> set[str]:
    return {str(f["filename"]) for f in api.pages(f"/pulls/{number}/files") if f.get("status") == "added"}


def _ours(api: GitHubApi, number: int, project: str) -> dict[str, int]:
    """key -> comment id of this project's suggestions already on the pull request: only the ones
    the token wrote, key on the first line. Anyone can paste a key; a stale one is deleted, and
    the bot must never delete (or count as posted) someone else's review comment."""
    found = {}
    me = api.login()
    for comment in api.pages(f"/pulls/{number}/comments"):
        match = _KEY.fullmatch(first_line(comment))
        if match and match["project"] == (project or ".") and login_of(comment) == me:
            found[match["key"]] = whole_field(comment, "id", f"a review comment on #{number}")
    return found


def post(api: GitHubApi, number: int, head_sha: str, wanted: list[Suggestion], project: str) -> Posted:
    """Make the pull request's suggestions these: post the new ones as one review, delete the ones
    for statements fixed since. Raises ApiError as the API does (403 for a read-only token, 422
    for a line off the diff)."""
    added = _added_files(api, number)
    wanted = [s for s in wanted if s.path in added]
    have = _ours(api, number, project)
    keys = {s.key for s in wanted}
    stale = [comment for key, comment in have.items() if key not in keys]
    for comment in stale:
        api.delete(f"/pulls/comments/{comment}")
    fresh = [s for s in wanted if s.key not in have]
    if fresh:
        count = len(fresh)
        api.post(
            f"/pulls/{number}/reviews",
            {
                "commit_id": head_sha,
                "event": "COMMENT",
                "body": f"schemagate: {count} fix{'' if count == 1 else 'es'} to commit with a click "
                "(each is a suggestion on the statement it fixes)",
                "comments": [s.comment() for s in fresh],
            },
        )
    return Posted(len(fresh), len(wanted) - len(fresh), len(stale))


def off_the_diff(error: ApiError) -> bool:
    return error.status == 422
