"""The runner's side of a Docker action: INPUT_* variables in, workflow commands, outputs and the
step summary out, every line redacted."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from secrets import token_hex as secrets_token_hex

from schemagate import secrets
from schemagate.errors import InputError
from schemagate.report.annotations import command_data
from schemagate.report.escape import visible

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
    "profile",
    "working-directory",
)
SECRET_INPUTS = ("database-url", "check-database-url", "github-token")
WEEK_S = 7 * 24 * 3600
PG_TIMEOUT_MAX_MS = 2_147_483_647  # PostgreSQL's timeouts are an int of milliseconds
_UNIT_MS = {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000}
_TIMEOUT = re.compile(r"(?P<n>[0-9]{1,12}) *(?P<unit>ms|s|min|h)?")


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
        if not re.fullmatch(r"[0-9]{1,6}", value):  # str.isdigit() takes "²", which int() refuses
            raise InputError(f"input {name} must be a whole number from 0 to 999999, not {value[:40]!r}")
        return int(value)

    def flag(self, name: str, default: bool) -> bool:
        value = self.get(name).lower()
        if not value:
            return default
        if value not in {"true", "false"}:
            raise InputError(f"input {name} must be true or false, not {value!r}")
        return value == "true"

    def choice(self, name: str, options: tuple[str, ...]) -> str:
        """One of `options`; the first is the default."""
        value = self.get(name, options[0])
        if value not in options:
            raise InputError(
                f"input {name} must be {', '.join(options[:-1])} or {options[-1]}, not {value!r}"
            )
        return value

    def seconds(self, name: str, default: float) -> float:
        """A duration in seconds: more than 0, at most a week (a job never waits longer)."""
        value = self.get(name)
        if not value:
            return default
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not 0 < number <= WEEK_S:  # also refuses nan and inf
            raise InputError(
                f"input {name} must be a number of seconds above 0, at most {WEEK_S}, not {value!r}"
            )
        return number

    def timeout(self, name: str) -> str | None:
        """A PostgreSQL timeout (500ms, 5s, 2min, 1h, 0 for none) that the server accepts: it takes
        at most 2147483647 ms. None when the input is empty."""
        value = self.get(name)
        if not value:
            return None
        match = _TIMEOUT.fullmatch(value)
        if not match or int(match["n"]) * _UNIT_MS[match["unit"] or "ms"] > PG_TIMEOUT_MAX_MS:
            raise InputError(
                f"input {name} must be a timeout such as 500ms, 5s, 2min or 1h, 0 for none, "
                f"at most 596h (PostgreSQL's limit), not {value[:40]!r}"
            )
        return value

    def validate(self) -> None:
        """Every input with a fixed form, checked at once: nothing is written before this passes."""
        self.choice("fail-on", ("error", "warning", "info"))
        self.choice("profile", ("default", "strict"))
        self.choice("approval", ("environment", "issue"))
        self.seconds("approval-timeout", 3600.0)
        for name in ("comment", "suggestions", "require-approval", "allow-self-approval"):
            self.flag(name, True)
        self.count("lock-retries")
        self.timeout("lock-timeout")
        self.timeout("statement-timeout")


class Runner:
    """Workflow commands, outputs and the step summary, with every line redacted.

    Text from the repository, the event or a database never reaches the runner where it reads a
    command: a command's message and properties are escaped, and a log line that could be read as
    one (a line break in a file name, a line starting `::` or `##[`) is printed between
    `::stop-commands::<random token>` and `::<token>::`, as GitHub advises for untrusted output.
    """

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def mask(self, value: str) -> None:
        if value:
            print(f"::add-mask::{command_data(value)}", flush=True)
            secrets.register(value)

    def log(self, line: str) -> None:
        text = visible(secrets.redact(line), keep="\n\t")  # no ESC sequence, no bidi override
        if not _could_command(text):
            print(text, flush=True)
            return
        token = _stop_token(text)
        print(f"::stop-commands::{token}\n{text}\n::{token}::", flush=True)

    def warning(self, line: str) -> None:
        print(f"::warning::{command_data(secrets.redact(line))}", flush=True)

    def error(self, line: str) -> None:
        print(f"::error::{command_data(secrets.redact(line))}", flush=True)

    def group(self, title: str) -> None:
        print(f"::group::{command_data(secrets.redact(title))}", flush=True)

    def endgroup(self) -> None:
        print("::endgroup::", flush=True)

    def output(self, name: str, value: str) -> None:
        """One step output in the multi-line form (`name<<DELIMITER`): a value holding a line
        break, or anything else, can never write a second output."""
        if not _OUTPUT_NAME.fullmatch(name):
            raise InputError(f"{name!r} is not an output name")
        path = self.env.get("GITHUB_OUTPUT")
        if not path:
            return
        text = secrets.redact(value)
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
        if delimiter in text:  # cannot happen by chance; refuse rather than trust it
            raise InputError(f"the value of output {name} holds its own delimiter")
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{name}<<{delimiter}\n{text}\n{delimiter}\n")

    def summary(self, text: str) -> None:
        path = self.env.get("GITHUB_STEP_SUMMARY")
        if path:
            with open(path, "a", encoding="utf-8") as out:
                out.write(secrets.redact(text) + "\n")


# Where the runner starts a new line (it reads \r and \n; the rest are kept out to be safe) and
# what it reads as a command there once leading whitespace is trimmed: `::name::` and the older
# `##[name]`.
_COMMAND_START = re.compile(r"(?:^|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029])\s*(?:::|##\[)")
_OUTPUT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _could_command(text: str) -> bool:
    return bool(_COMMAND_START.search(text)) or any(sep in text for sep in "\r\n")


def _stop_token(text: str) -> str:
    """A token the text does not hold, so nothing inside the block can resume commands."""
    while True:
        token = secrets_token_hex(16)
        if token not in text:
            return token


def mask_secrets(inputs: Inputs, runner: Runner) -> None:
    """First thing, before any other output: the runner hides these in every log line."""
    for name in SECRET_INPUTS:
        value = inputs.get(name)
        runner.mask(value)
        password = secrets.password_of(value) if value else None
        if password:
            runner.mask(password)
