"""Who approved this run: the environment's reviewers, or an /approve comment on an issue."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from schemagate.action.api import GitHubApi, login_of, whole_field
from schemagate.errors import NotApproved
from schemagate.report.escape import inline

TITLE_LIMIT = 200  # GitHub takes 256 characters; a title is read at a glance
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]+")


@dataclass(frozen=True)
class Approval:
    approvers: list[str]
    how: str  # "environment" or "issue #N"

    @property
    def approver(self) -> str:
        return ", ".join(self.approvers)


def from_environment(api: GitHubApi, run_id: str, environment: str | None) -> Approval | None:
    """The reviewers who approved this run's deployment (GET …/actions/runs/{id}/approvals)."""
    approvers = []
    for item in api.get_list(f"/actions/runs/{run_id}/approvals"):
        names = _environment_names(item.get("environments"))
        login = login_of(item)
        if (
            item.get("state") == "approved"
            and login
            and (environment in names or not names or not environment)
        ):
            approvers.append(login)
    return Approval(sorted(set(approvers)), "environment") if approvers else None


def _environment_names(listed: object) -> set[str]:
    return {str(e.get("name")) for e in listed if isinstance(e, dict)} if isinstance(listed, list) else set()


def issue_title(text: str) -> str:
    """One line of plain text: no control or direction characters, bounded."""
    line = " ".join(_CONTROL.sub(" ", text).split())
    return line if len(line) <= TITLE_LIMIT else line[: TITLE_LIMIT - 1] + "…"


def issue_text(what: str, sha: str, details: str, run_url: str) -> tuple[str, str]:
    """The approval issue's title and body. `what` may carry a dispatch's reason and version: in
    the body it is escaped (no mention, image, link or HTML), in the title it is one plain line.
    `details` is Markdown already escaped by its renderer (the deploy plan)."""
    title = issue_title(f"schemagate: approve {what} ({sha[:7]})")
    shown = f"\n\n{details}" if details else ""
    body = f"{inline(what)}{shown}\n\nComment `/approve` to go ahead or `/deny` to stop. Run: {run_url}"
    return title, body


@dataclass
class IssueApproval:
    """Open an issue that lists what will run, then wait for /approve or /deny from a writer."""

    api: GitHubApi
    title: str
    body: str
    timeout_s: float
    merger: str | None = None  # who merged: may not approve their own change
    allow_self: bool = False
    poll_s: float = 10.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def wait(self) -> Approval:
        issue = self.api.post("/issues", {"title": self.title, "body": self.body})
        number = whole_field(issue, "number", "the approval issue")
        deadline = self.clock() + self.timeout_s
        delay, seen = self.poll_s, 0
        while True:
            comments = list(self.api.pages(f"/issues/{number}/comments"))
            for comment in comments[seen:]:
                verdict = self._verdict(comment)
                if verdict == "deny":
                    self._close(number, "denied")
                    raise NotApproved(f"denied by {login_of(comment)} on issue #{number}")
                if verdict == "approve":
                    self._close(number, "approved")
                    return Approval([login_of(comment)], f"issue #{number}")
            seen = len(comments)
            if self.clock() >= deadline:
                self._close(number, "timed out")
                raise NotApproved(f"no /approve on issue #{number} within {self.timeout_s:g} s")
            self.sleep(min(delay, max(deadline - self.clock(), 0)))
            delay = min(delay * 2, 60.0)  # back off: approvals take minutes, not seconds

    def _verdict(self, comment: dict[str, Any]) -> str | None:
        words = str(comment.get("body", "")).strip().split()
        command = words[0].lower() if words else ""
        if command not in {"/approve", "/deny"}:
            return None
        login = login_of(comment)
        if not login:
            return None
        if command == "/approve" and not self.allow_self and self.merger and login == self.merger:
            return None  # the merger cannot approve their own change
        permission = self.api.get(f"/collaborators/{quote(login, safe='')}/permission").get("permission")
        if permission not in {"admin", "maintain", "write"}:
            return None
        return command[1:]

    def _close(self, number: int, outcome: str) -> None:
        self.api.post(f"/issues/{number}/comments", {"body": f"schemagate: {outcome}."})
        self.api.patch(f"/issues/{number}", {"state": "closed"})
