"""How much of the check's database the PR's SQL may take: the limits and their wording.

A check runs SQL nobody has reviewed yet. `check_statement_timeout` bounds one statement (one
migration file's batch, as the server sees it), `check_timeout` the whole check, and
`check_disk_limit` the disk its databases take (tables and temp tables alike: `temp_file_limit`,
which the throwaway server also has, counts only a query's own temp files, never a temp table).
The limits are read from the config file, so none can be switched off or set past 6h, a hosted
job's own limit, or past 1 TB.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from schemagate.errors import InputError

if TYPE_CHECKING:
    from schemagate.config import Config

CEILING_S = 6 * 3600.0  # GitHub's own limit on a hosted job
_UNITS = {"ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0}
_LIMIT = re.compile(r"(\d{1,9})\s*(ms|s|min|h)")
_SIZE = re.compile(r"(\d{1,9})\s*(MB|GB)")
_SIZE_UNITS = {"MB": 1 << 20, "GB": 1 << 30}
SIZE_CEILING = 1 << 40


def limit_problem(key: str, value: object) -> str | None:
    """What is wrong with a configured limit, or None: a duration with its unit, above 0 and at
    most 6h."""
    match = _LIMIT.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        return f"{key} must be a duration with its unit, such as 90s, 5min or 1h, not {value!r}"
    seconds = _match_seconds(match)
    if not 0 < seconds <= CEILING_S:
        return f"{key} must be more than 0 and at most 6h, not {value!r}"
    return None


def _match_seconds(match: re.Match[str]) -> float:
    return int(match.group(1)) * _UNITS[match.group(2)]


def limit_seconds(key: str, value: str) -> float:
    """A configured limit in seconds; one that is not usable is an input error."""
    problem = limit_problem(key, value)
    match = _LIMIT.fullmatch(value.strip())
    if problem or match is None:
        raise InputError(problem or f"{key}: {value!r}")
    return _match_seconds(match)


def size_problem(key: str, value: object) -> str | None:
    """What is wrong with a configured size, or None: MB or GB, at least 1 MB, at most 1 TB."""
    match = _SIZE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        return f"{key} must be a size in MB or GB, such as 500MB or 4GB, not {value!r}"
    if not 0 < int(match.group(1)) * _SIZE_UNITS[match.group(2)] <= SIZE_CEILING:
        return f"{key} must be more than 0 and at most 1024GB, not {value!r}"
    return None


def limit_bytes(key: str, value: str) -> int:
    """A configured size in bytes; one that is not usable is an input error."""
    problem = size_problem(key, value)
    match = _SIZE.fullmatch(value.strip())
    if problem or match is None:
        raise InputError(problem or f"{key}: {value!r}")
    return int(match.group(1)) * _SIZE_UNITS[match.group(2)]


def spoken_duration(value: float) -> str:
    """A duration as a report says it: 800 ms, 1 s, 5 min, 1.5 h."""
    for unit, size in (("h", 3600.0), ("min", 60.0), ("s", 1.0)):
        if value >= size:
            return f"{value / size:g} {unit}"
    return f"{value * 1000:g} ms"


@dataclass(frozen=True)
class Limits:
    statement_s: float
    check_s: float
    disk_bytes: int = SIZE_CEILING

    @classmethod
    def of(cls, config: Config) -> Limits:
        return cls(
            limit_seconds("check_statement_timeout", config.check_statement_timeout),
            limit_seconds("check_timeout", config.check_timeout),
            limit_bytes("check_disk_limit", config.check_disk_limit),
        )

    @property
    def disk_cause(self) -> str:
        shown = (
            f"{self.disk_bytes / (1 << 30):g} GB"
            if self.disk_bytes >= 1 << 30
            else f"{self.disk_bytes >> 20} MB"
        )
        return f"stopped at {shown} of data: the check's disk limit (check_disk_limit)"

    @property
    def statement_cause(self) -> str:
        limit = spoken_duration(self.statement_s)
        return f"stopped after {limit}: the check's statement limit (check_statement_timeout)"

    @property
    def check_cause(self) -> str:
        return f"stopped after {spoken_duration(self.check_s)}: the check's time limit (check_timeout)"

    def server_timeout(self, configured: str) -> str:
        """The statement_timeout a throwaway database sets before each migration: the project's
        own when it is smaller, else the check's limit (a migration can unset it; see watchdog)."""
        mine = f"{round(self.statement_s * 1000)}ms"
        match = re.fullmatch(r"(\d{1,15})\s*(ms|s|min|h)?", configured.strip())
        if match is None:
            return configured  # engine.Settings says what is wrong with it
        if int(match.group(1)) == 0:
            return mine
        theirs = int(match.group(1)) * _UNITS[match.group(2) or "ms"]
        return configured if theirs < self.statement_s else mine
