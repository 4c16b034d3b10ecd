"""What the runner tells the Action: `GITHUB_*` variables and the event payload."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemagate.errors import InputError

PR_EVENTS = {"pull_request", "pull_request_target"}


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
        return str(self.payload.get("repository", {}).get("default_branch") or "main")

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
        return int(self._need("pull_request", "number"))

    @property
    def base_sha(self) -> str:
        return str(self._need("pull_request", "base", "sha"))

    @property
    def head_is_fork(self) -> bool:
        head_repo = self.payload.get("pull_request", {}).get("head", {}).get("repo") or {}
        return bool(head_repo.get("fork")) or head_repo.get("full_name", self.repository) != self.repository

    @property
    def dispatch_inputs(self) -> dict[str, str]:
        raw = self.payload.get("inputs") or {}
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
