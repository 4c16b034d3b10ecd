"""The REST calls schemagate makes, through PyGithub's requester: retries on 5xx and secondary
rate limits (honouring Retry-After), then one clear error."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

from github import Auth, Github, GithubException
from github.GithubRetry import GithubRetry

from schemagate import secrets
from schemagate.errors import ApiError

# PyGithub logs each failed request to stderr itself, at INFO, through a handler of its own: raw
# text in the job's log that neither redaction nor workflow-command escaping has seen, beside our
# own one-line account of what failed and why (ApiError). Nothing of it is kept.
logging.getLogger("github").setLevel(logging.CRITICAL + 1)

PER_PAGE = 100
ACTIONS_BOT = "github-actions[bot]"  # who the workflow's GITHUB_TOKEN writes as


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
        self._login: str | None = None

    def _call(self, verb: str, url: str, **kwargs: Any) -> Any:
        try:
            _headers, data = self._requester.requestJsonAndCheck(verb, url, **kwargs)
        except GithubException as exc:
            message = exc.data.get("message") if isinstance(exc.data, dict) else None
            raise ApiError(
                secrets.redact(f"GitHub API {verb} {url} failed: {exc.status} {message or exc}"), exc.status
            ) from None
        except Exception as exc:  # retries exhausted, timeouts, connection errors, a body cut short
            raise ApiError(
                secrets.redact(f"GitHub API {verb} {url} failed: {type(exc).__name__}: {_one_line(exc)}")
            ) from None
        return data

    def _object(self, verb: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = f"/repos/{self.repository}{path}"
        return _expect_object(self._call(verb, url, **kwargs), verb, url)

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self._object("GET", path, parameters=params or None)

    def get_list(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """A list of objects (an empty answer is an empty list); anything else is an ApiError."""
        url = f"/repos/{self.repository}{path}"
        items = self._call("GET", url, parameters=params or None)
        return _expect_list([] if items is None else items, "GET", url)

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._object("POST", path, input=body)

    def patch(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._object("PATCH", path, input=body)

    def delete(self, path: str) -> None:
        self._call("DELETE", f"/repos/{self.repository}{path}")

    def pages(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a paginated list, page by page (the API caps pages at 100 items)."""
        page = 1
        while True:
            items = self.get_list(path, per_page=PER_PAGE, page=page, **params)
            yield from items
            if len(items) < PER_PAGE:
                return
            page += 1

    def login(self) -> str:
        """Whom the token writes as. `GET /user` names a personal token's user; the Actions token
        (an installation token) may not read it (403) and writes as github-actions[bot]."""
        if self._login is None:
            try:
                me = _expect_object(self._call("GET", "/user"), "GET", "/user")
            except ApiError as exc:
                if exc.status != 403:
                    raise
                me = {"login": ACTIONS_BOT}
            self._login = text_field(me, "login", "GET /user")
        return self._login


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def _malformed(verb: str, url: str, want: str) -> ApiError:
    return ApiError(f"GitHub API {verb} {url} answered with something other than {want}")


def _expect_object(data: Any, verb: str, url: str) -> dict[str, Any]:
    """An object, as the API documents it; a proxy's HTML page or a list is one clear error."""
    # PyGithub hands over a body that is not JSON as {"data": text} (and adds "url" to a GET's)
    if not isinstance(data, dict) or ("data" in data and set(data) <= {"data", "url"}):
        raise _malformed(verb, url, "a JSON object")
    return data


def _expect_list(data: Any, verb: str, url: str) -> list[dict[str, Any]]:
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise _malformed(verb, url, "a JSON list of objects")
    return data


def whole_field(item: dict[str, Any], key: str, what: str) -> int:
    """A whole number the API always sends (an `id`, a `number`); missing is one clear error."""
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(f"{what}: GitHub's answer has no whole-number {key!r}")
    return value


def text_field(item: dict[str, Any], key: str, what: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise ApiError(f"{what}: GitHub's answer has no {key!r}")
    return value


def login_of(item: dict[str, Any]) -> str:
    """The author's login of a comment or an approval ("" when the answer has none)."""
    user = item.get("user")
    login = user.get("login") if isinstance(user, dict) else None
    return login if isinstance(login, str) else ""
