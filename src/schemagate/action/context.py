"""What the runner tells the Action: `GITHUB_*` variables and the event payload."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemagate.errors import InputError

PR_EVENTS = {"pull_request", "pull_request_target"}
# What a commit id looks like: anything else from a payload never reaches git (no "--option").
_SHA = re.compile(r"[0-9a-f]{7,64}")


def _object(value: Any) -> dict[str, Any]:
    """A payload field that should be an object; anything else reads as empty."""
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Context:
    event_name: str
    repository: str  # owner/name
    sha: str
    ref: str
    run_id: str
    actor: str
    server_url: str
    api_url: str
    workspace: Path
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def is_pull_request(self) -> bool:
        return self.event_name in PR_EVENTS

    @property
    def run_url(self) -> str:
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"

    @property
    def default_branch(self) -> str:
        return str(_object(self.payload.get("repository")).get("default_branch") or "main")

    @property
    def on_default_branch(self) -> bool:
        return self.ref == f"refs/heads/{self.default_branch}"

    def _need(self, *keys: str) -> Any:
        value: Any = self.payload
        for key in keys:
            if not isinstance(value, dict) or key not in value or value[key] is None:
                raise InputError(f"the {self.event_name} event payload has no {'.'.join(keys)}")
            value = value[key]
        return value

    @property
    def pr_number(self) -> int:
        number = self._need("pull_request", "number")
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise InputError(f"the {self.event_name} event payload's pull_request.number is not a number")
        return number

    @property
    def base_sha(self) -> str:
        return self._commit(self._need("pull_request", "base", "sha"), "pull_request.base.sha")

    @property
    def head_sha(self) -> str:
        return self._commit(self._need("pull_request", "head", "sha"), "pull_request.head.sha")

    def _commit(self, value: Any, name: str) -> str:
        if not isinstance(value, str) or not _SHA.fullmatch(value):
            raise InputError(f"the {self.event_name} event payload's {name} is not a commit id")
        return value

    @property
    def before_sha(self) -> str | None:
        """The commit a push started from; None for a new branch (all zeros) or when absent."""
        before = self.payload.get("before")
        if before is None or (isinstance(before, str) and set(before) == {"0"}):
            return None
        return self._commit(before, "before")

    @property
    def head_is_fork(self) -> bool:
        head_repo = _object(_object(_object(self.payload.get("pull_request")).get("head")).get("repo"))
        return bool(head_repo.get("fork")) or head_repo.get("full_name", self.repository) != self.repository

    @property
    def dispatch_inputs(self) -> dict[str, str]:
        raw = _object(self.payload.get("inputs"))
        return {str(k): str(v) for k, v in raw.items() if v is not None}


def _env(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if not value:
        raise InputError(f"{name} is not set: run schemagate's Action inside a GitHub Actions workflow")
    return value


def load(env: Mapping[str, str] | None = None) -> Context:
    env = env if env is not None else os.environ
    event_path = Path(_env(env, "GITHUB_EVENT_PATH"))
    try:
        payload = json.loads(event_path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the event payload at {event_path}: {exc}") from None
    if not isinstance(payload, dict):
        raise InputError(f"the event payload at {event_path} is not a JSON object")
    return Context(
        event_name=_env(env, "GITHUB_EVENT_NAME"),
        repository=_env(env, "GITHUB_REPOSITORY"),
        sha=env.get("GITHUB_SHA", ""),
        ref=env.get("GITHUB_REF", ""),
        run_id=env.get("GITHUB_RUN_ID", ""),
        actor=env.get("GITHUB_ACTOR", ""),
        server_url=env.get("GITHUB_SERVER_URL", "https://github.com"),
        api_url=env.get("GITHUB_API_URL", "https://api.github.com"),
        workspace=Path(env.get("GITHUB_WORKSPACE") or "."),
        payload=payload,
    )
