"""Who approved this run: the environment's reviewers, or an /approve comment on an issue."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from schemagate.errors import SchemagateError
from schemagate.github.api import GitHubApi


class NotApproved(SchemagateError):
    pass


@dataclass(frozen=True)
class Approval:
    approvers: list[str]
    how: str  # "environment" or "issue #N"

    @property
    def approver(self) -> str:
        return ", ".join(self.approvers)


def from_environment(api: GitHubApi, run_id: str, environment: str | None) -> Approval | None:
    """The reviewers who approved this run's deployment (GET …/actions/runs/{id}/approvals)."""
    approvals = api.get(f"/actions/runs/{run_id}/approvals") or []
    approvers = []
    for item in approvals:
        names = {str(e.get("name")) for e in item.get("environments", [])}
        if item.get("state") == "approved" and (environment is None or not names or environment in names):
            approvers.append(str(item.get("user", {}).get("login")))
    return Approval(sorted(set(approvers)), "environment") if approvers else None


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
        number = int(issue["number"])
        deadline = self.clock() + self.timeout_s
        delay, seen = self.poll_s, 0
        while True:
            comments = list(self.api.pages(f"/issues/{number}/comments"))
            for comment in comments[seen:]:
                verdict = self._verdict(comment)
                if verdict == "deny":
                    self._close(number, "denied")
                    raise NotApproved(f"denied by {comment['user']['login']} on issue #{number}")
                if verdict == "approve":
                    self._close(number, "approved")
                    return Approval([str(comment["user"]["login"])], f"issue #{number}")
            seen = len(comments)
            if self.clock() >= deadline:
                self._close(number, "timed out")
                raise NotApproved(f"no /approve on issue #{number} within {self.timeout_s:g} s")
            self.sleep(min(delay, max(deadline - self.clock(), 0)))
            delay = min(delay * 2, 60.0)  # back off: approvals take minutes, not seconds

    def _verdict(self, comment: dict[str, object]) -> str | None:
        words = str(comment.get("body", "")).strip().split()
        command = words[0].lower() if words else ""
        if command not in {"/approve", "/deny"}:
            return None
        login = str(comment.get("user", {}).get("login"))  # type: ignore[attr-defined]
        if command == "/approve" and not self.allow_self and self.merger and login == self.merger:
            return None  # the merger cannot approve their own change
        permission = self.api.get(f"/collaborators/{login}/permission").get("permission")
        if permission not in {"admin", "maintain", "write"}:
            return None
        return command[1:]

    def _close(self, number: int, outcome: str) -> None:
        self.api.post(f"/issues/{number}/comments", {"body": f"schemagate: {outcome}."})
        self.api.patch(f"/issues/{number}", {"state": "closed"})
