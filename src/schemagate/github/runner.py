"""The runner's side of a Docker action: INPUT_* variables in, workflow commands, outputs and the
step summary out, every line redacted."""

from __future__ import annotations

from collections.abc import Mapping

from schemagate import secrets
from schemagate.errors import InputError

# Every input action.yml declares; a test keeps the two in step.
INPUTS = (
    "mode",
    "migrations-dir",
    "database-url",
    "check-database-url",
    "postgres-version",
    "supabase",
    "config",
    "github-token",
    "comment",
    "suggestions",
    "require-approval",
    "approval",
    "approval-timeout",
    "allow-self-approval",
    "environment",
    "rollback-to",
    "reason",
    "lock-timeout",
    "lock-retries",
    "on-drift",
    "statement-timeout",
    "fail-on",
    "working-directory",
)
SECRET_INPUTS = ("database-url", "check-database-url", "github-token")


class Inputs:
    """INPUT_* variables: the runner upper-cases names and keeps their hyphens."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def get(self, name: str, default: str = "") -> str:
        assert name in INPUTS, name
        key = "INPUT_" + name.upper()
        value = self._env.get(key, self._env.get(key.replace("-", "_"), ""))
        return value.strip() or default

    def count(self, name: str) -> int | None:
        """A whole number, 0 or more; None when the input is empty."""
        value = self.get(name)
        if not value:
            return None
        if not value.isdigit():
            raise InputError(f"input {name} must be a whole number, 0 or more, not {value!r}")
        return int(value)

    def flag(self, name: str, default: bool) -> bool:
        value = self.get(name).lower()
        if not value:
            return default
        if value not in {"true", "false"}:
            raise InputError(f"input {name} must be true or false, not {value!r}")
        return value == "true"


class Runner:
    """Workflow commands, outputs and the step summary, with every line redacted."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def mask(self, value: str) -> None:
        if value:
            print(f"::add-mask::{value}", flush=True)
            secrets.register(value)

    def log(self, line: str) -> None:
        print(secrets.redact(line), flush=True)

    def warning(self, line: str) -> None:
        print(f"::warning::{secrets.redact(line)}", flush=True)

    def error(self, line: str) -> None:
        print(f"::error::{secrets.redact(line)}", flush=True)

    def group(self, title: str) -> None:
        print(f"::group::{title}", flush=True)

    def endgroup(self) -> None:
        print("::endgroup::", flush=True)

    def output(self, name: str, value: str) -> None:
        path = self.env.get("GITHUB_OUTPUT")
        if path:
            with open(path, "a", encoding="utf-8") as out:
                out.write(f"{name}={secrets.redact(value)}\n")

    def summary(self, text: str) -> None:
        path = self.env.get("GITHUB_STEP_SUMMARY")
        if path:
            with open(path, "a", encoding="utf-8") as out:
                out.write(secrets.redact(text) + "\n")


def mask_secrets(inputs: Inputs, runner: Runner) -> None:
    """First thing, before any other output: the runner hides these in every log line."""
    for name in SECRET_INPUTS:
        value = inputs.get(name)
        runner.mask(value)
        password = secrets.password_of(value) if value else None
        if password:
            runner.mask(password)
