"""The REST calls schemagate makes, through PyGithub's requester: retries on 5xx and secondary
rate limits (honouring Retry-After), then one clear error."""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import partial
from typing import Any

from github import Auth, Github, GithubException
from github.GithubRetry import GithubRetry

from schemagate import secrets
from schemagate.errors import SchemagateError

PER_PAGE = 100


class ApiError(SchemagateError):
    """GitHub kept failing after the retries, or refused outright."""

    def __init__(self, message: str, status: int | None = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.status = status

    def __reduce__(self) -> tuple[Any, ...]:
        rebuild, args = super().__reduce__()
        return (partial(rebuild, status=self.status), args)


def _retry() -> GithubRetry:
    backoff = float(os.environ.get("SCHEMAGATE_GITHUB_BACKOFF", "1.0"))
    return GithubRetry(
        total=int(os.environ.get("SCHEMAGATE_GITHUB_RETRIES", "4")),
        backoff_factor=backoff,
        allowed_methods={"GET", "POST", "PATCH", "PUT", "DELETE"},
        max_rate_limit_wait=120,
    )


def _timeout() -> int:
    """Seconds to wait for one answer (PyGithub takes whole seconds); a hung call then retries."""
    return max(1, int(float(os.environ.get("SCHEMAGATE_GITHUB_TIMEOUT", "20"))))


class GitHubApi:
    def __init__(self, token: str, repository: str, api_url: str) -> None:
        secrets.register(token)
        self.repository = repository
        self._github = Github(
            auth=Auth.Token(token),
            base_url=api_url.rstrip("/"),
            retry=_retry(),
            timeout=_timeout(),
            per_page=PER_PAGE,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        self._requester = self._github.requester

    def _call(self, verb: str, path: str, **kwargs: Any) -> Any:
        url = f"/repos/{self.repository}{path}"
        try:
            _headers, data = self._requester.requestJsonAndCheck(verb, url, **kwargs)
        except GithubException as exc:
            message = exc.data.get("message") if isinstance(exc.data, dict) else None
            raise ApiError(
                secrets.redact(f"GitHub API {verb} {url} failed: {exc.status} {message or exc}"), exc.status
            ) from None
        except Exception as exc:  # retries exhausted, timeouts, connection errors
            raise ApiError(
                secrets.redact(f"GitHub API {verb} {url} failed: {type(exc).__name__}: {exc}")
            ) from None
        return data

    def get(self, path: str, **params: Any) -> Any:
        return self._call("GET", path, parameters=params or None)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self._call("POST", path, input=body)

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self._call("PATCH", path, input=body)

    def delete(self, path: str) -> None:
        self._call("DELETE", path)

    def pages(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a paginated list, page by page (the API caps pages at 100 items)."""
        page = 1
        while True:
            items = self.get(path, per_page=PER_PAGE, page=page, **params)
            items = items if isinstance(items, list) else []
            yield from items
            if len(items) < PER_PAGE:
                return
            page += 1
