"""What a check says on its pull request: the sticky checklist comment and the review suggestions.

A token that may not write (a fork's pull request) is no failure, and neither is GitHub's API
failing (an outage, a timeout, an answer we cannot read): the job summary and the annotations carry
the report, the step's exit code is the verdict's, and a warning says what could not be posted and
why. A gate that fails a clean change because the comment could not be written teaches people to
re-run until green.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemagate import secrets
from schemagate.action import comments, review
from schemagate.action.api import GitHubApi
from schemagate.action.runner import Runner
from schemagate.errors import ApiError
from schemagate.findings.fixes import Edit
from schemagate.report import markdown


@dataclass
class PullRequest:
    api: GitHubApi
    runner: Runner
    number: int
    project: str = ""  # the Supabase project's folder in the repository

    def comment(self, body: str) -> None:
        """The checklist, in the one comment that carries this project's marker."""
        try:
            marker = markdown.marker(self.project)
            posted = comments.upsert(self.api, self.number, marker, secrets.redact(body))
        except ApiError as exc:
            if comments.read_only(exc):
                self.runner.warning(
                    "cannot comment on this pull request (the token is read-only, as on pull "
                    "requests from forks); the report is in the job summary and annotations"
                )
                return
            self.runner.warning(
                f"could not post the checklist comment ({exc}); the report is in the job summary and "
                "annotations, and the verdict stands"
            )
            return
        self.runner.log(f"{'created' if posted.created else 'updated'} the checklist comment {posted.url}")

    def suggest(self, head_sha: str, edits: list[Edit]) -> None:
        """The mechanical fixes as review suggestions on the statements' own lines."""
        wanted = review.suggestions(edits, self.project)
        try:
            posted = review.post(self.api, self.number, head_sha, wanted, self.project)
        except ApiError as exc:
            if review.off_the_diff(exc):
                self.runner.warning(
                    "GitHub refused the fixes as review suggestions (a line outside the pull "
                    "request's diff); they are in the checklist comment"
                )
                return
            if comments.read_only(exc):
                self.runner.warning(
                    "cannot post the fixes as review suggestions (the token is read-only, as on pull "
                    "requests from forks); they are in the job summary"
                )
                return
            self.runner.warning(
                f"could not post the fixes as review suggestions ({exc}); they are in the checklist "
                "comment and the job summary, and the verdict stands"
            )
            return
        self.runner.log(
            f"review suggestions: {posted.added} posted, {posted.kept} already there, "
            f"{posted.removed} removed for statements fixed since"
        )
