"""Settings from `.github/schemagate.yml` (or `.yaml`), overridden by flags and Action inputs, in
one place.

The CLI and the Action both describe what they override as `Overrides`; `configure` merges it with
the config file and says every mistake of both at once, each with its file, line and key.
"""

from __future__ import annotations

import difflib
import fnmatch
import glob
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemagate import repofiles
from schemagate.bounds import limit_problem, size_problem
from schemagate.errors import InputError
from schemagate.repofiles import CONFIG_LIMIT, present, read_repository_file

DEFAULT_PATH = Path(".github/schemagate.yml")
OTHER_SPELLING = Path(".github/schemagate.yaml")  # read too: never ignored in silence
DEFAULT_MIGRATIONS = Path("supabase/migrations")
SEVERITIES = ("error", "warning", "info", "off")
TRISTATE = ("auto", "true", "false")
ON_DRIFT = ("fail", "warn", "off")


@dataclass
class Config:
    migrations_dir: Path = DEFAULT_MIGRATIONS
    rollbacks: Path | None = None  # default: rollbacks/ beside the migrations folder
    supabase: bool | None = None  # None: on when the folder is supabase/migrations
    seed: bool = True
    # the migrations need a superuser (untrusted extensions, server settings): the check then runs
    # the PR's SQL as one, and says so; off by default, since a superuser reaches the runner
    superuser: bool = False
    lock_timeout: str = "5s"
    statement_timeout: str = "0"
    lock_wait: float = 60.0  # seconds (the file says it with a unit: 60s)
    lock_retries: int = 3  # a migration that failed on lock_timeout is tried this many more times
    on_drift: str = "fail"  # production's catalog against its migrations: fail, warn or off
    # what the PR's SQL may take of the check's database (see bounds.py): a statement, the whole check
    check_statement_timeout: str = "5min"
    check_timeout: str = "30min"
    check_disk_limit: str = "4GB"  # the check's databases, tables and temp tables together
    # None: supabase/config.toml's [api] schemas (what the Data API serves), else public
    exposed_schemas: list[str] | None = None
    # where the project's pgTAP files are (`supabase test db` reads supabase/tests); None: that one
    tests_dirs: list[Path] | None = None
    rules: dict[str, str] = field(default_factory=dict)
    profile: str = "default"  # default or strict: how hard the checklist is (PROFILES)
    path: Path | None = None

    @property
    def shim(self) -> bool:
        if self.supabase is not None:
            return self.supabase
        return self.migrations_dir.as_posix().rstrip("/").endswith("supabase/migrations")

    @property
    def rollbacks_dir(self) -> Path:
        return self.rollbacks or self.migrations_dir.parent / "rollbacks"

    @property
    def seed_file(self) -> Path:
        return self.migrations_dir.parent / "seed.sql"

    @property
    def test_folders(self) -> list[Path]:
        """The folders `schemagate test` and `check` read pgTAP files from."""
        return self.tests_dirs if self.tests_dirs is not None else [self.migrations_dir.parent / "tests"]

    @property
    def exposed(self) -> list[str]:
        """The schemas the Data API serves: set here, else the project's [api] schemas."""
        if self.exposed_schemas is not None:
            return self.exposed_schemas
        schemas = supabase_toml(self).get("api", {}).get("schemas")
        if isinstance(schemas, list) and all(isinstance(s, str) for s in schemas) and schemas:
            return list(schemas)
        return ["public"]


@dataclass
class Overrides:
    """What flags (or the Action's inputs) set over the config file; None leaves it."""

    config_file: Path | None = None
    migrations_dir: Path | None = None
    supabase: str | None = None  # auto, true or false
    lock_timeout: str | None = None
    statement_timeout: str | None = None
    lock_wait: float | None = None
    lock_retries: int | None = None
    on_drift: str | None = None
    seed: bool | None = None
    profile: str | None = None


_KEYS: dict[str, type | tuple[type, ...]] = {
    "migrations_dir": str,
    "rollbacks_dir": str,
    "supabase": (bool, str),
    "seed": bool,
    "superuser": bool,
    "lock_timeout": (str, int),
    "statement_timeout": (str, int),
    "lock_wait": (str, int, float),
    "lock_retries": int,
    "on_drift": str,
    "check_statement_timeout": (str, int),
    "check_timeout": (str, int),
    "check_disk_limit": str,
    "exposed_schemas": list,
    "tests_dirs": list,
    "rules": dict,
    "profile": str,
}


def default_config(folder: Path = Path()) -> Path:
    """The project's config file: `.github/schemagate.yml`, else `.github/schemagate.yaml` (the
    first when neither exists); both at once is a mistake, named, never a silent choice."""
    yml, yaml = folder / DEFAULT_PATH, folder / OTHER_SPELLING
    if present(yaml) and present(yml):
        raise InputError(
            f"two config files, {DEFAULT_PATH} and {OTHER_SPELLING}: keep one (schemagate reads either)",
            path=yaml,
        )
    return yaml if present(yaml) else yml


# A PostgreSQL duration as the config says it: a number and its unit (0 alone: none). A bare
# number is refused: PostgreSQL would read lock_timeout 10 as 10 ms, a person means 10 s.
_DURATION = re.compile(r"(?P<n>\d{1,15})\s*(?P<unit>ms|s|min|h)?")
_DURATION_MS = {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000}
_PG_MAX_MS = 2_147_483_647


def duration_problem(key: str, value: object) -> str | None:
    """What is wrong with a configured duration, or None: one with its unit, or 0 for none."""
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else None
    match = _DURATION.fullmatch(text) if text is not None else None
    if match is None:
        return (
            f"{key} must be a duration with its unit, such as 500ms, 10s or 2min (0 for none), not {value!r}"
        )
    if match["unit"] is None and int(match["n"]) != 0:
        return f"{key}: {value!r} has no unit; write e.g. {int(match['n'])}s or {int(match['n'])}ms"
    if int(match["n"]) * _DURATION_MS[match["unit"] or "ms"] > _PG_MAX_MS:
        return f"{key} must be at most 596h (PostgreSQL's limit), not {value!r}"
    return None


def duration_seconds(text: str) -> float:
    """A duration duration_problem() accepted, in seconds."""
    match = _DURATION.fullmatch(text.strip())
    assert match is not None
    return int(match["n"]) * _DURATION_MS[match["unit"] or "ms"] / 1000


def project_root(start: Path) -> Path:
    """The project a folder belongs to: the nearest one up that holds the config file, a supabase/
    folder or a git checkout, so a command works from any folder inside it."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        named = (candidate / DEFAULT_PATH).is_file() or (candidate / OTHER_SPELLING).is_file()
        if named or (candidate / "supabase").is_dir():
            return candidate
        if (candidate / ".git").exists():
            return candidate
    return start


# Each value that both the config file and the flags (or Action inputs) can set is judged here,
# once; `name` is how the caller's user spells it (on_drift in the file, on-drift as a flag).
def tristate(value: object, wanted: str) -> tuple[bool | None, str | None]:
    """auto / true / false, in any case: (None | True | False, None), or (None, why not)."""
    text = str(value).lower()
    if text in TRISTATE:
        return (None if text == "auto" else text == "true"), None
    return None, f"{wanted}, not {value!r}"


def on_drift_problem(value: object, name: str) -> str | None:
    return None if value in ON_DRIFT else f"{name} must be fail, warn or off, not {value!r}"


def lock_retries_problem(value: object, name: str) -> str | None:
    """A whole number, 0 or more (a YAML `true` is not one)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return None
    return f"{name} must be a whole number, 0 or more, not {value!r}"


# the profiles findings knows (Rule.severity_in); named here, where the config is judged, since
# config is upstream of findings (tests/unit/test_import_flow.py)
PROFILES = ("default", "strict")


def profile_problem(value: object, name: str) -> str | None:
    return None if value in PROFILES else f"{name} must be default or strict, not {value!r}"


_JUDGED: dict[str, Callable[[object, str], str | None]] = {
    "profile": profile_problem,
    "on_drift": on_drift_problem,
    "lock_retries": lock_retries_problem,
}


def configure(overrides: Overrides, known_rules: Iterable[str] = ()) -> Config:
    """The config file (when there is one) under the overrides; every mistake in one error."""
    problems: list[str] = []
    config = load(overrides.config_file, problems, known_rules)
    if overrides.migrations_dir is not None:
        config.migrations_dir = overrides.migrations_dir
    if overrides.supabase is not None:
        chosen, why = tristate(overrides.supabase.strip(), "supabase must be auto, true or false")
        if why:
            problems.append(why)
        else:
            config.supabase = chosen
    if overrides.lock_retries is not None and (
        why := lock_retries_problem(overrides.lock_retries, "lock retries")
    ):
        problems.append(why)
    if overrides.on_drift is not None and (why := on_drift_problem(overrides.on_drift, "on-drift")):
        problems.append(why)
    for key in ("lock_timeout", "statement_timeout"):
        given = getattr(overrides, key)
        if given is not None and (why := duration_problem(key.replace("_", " "), given)):
            problems.append(why)
    if overrides.profile is not None and (why := profile_problem(overrides.profile, "profile")):
        problems.append(why)
    keys = ("lock_timeout", "statement_timeout", "lock_wait", "lock_retries", "on_drift", "seed", "profile")
    for key in keys:
        value = getattr(overrides, key)
        if value is not None:
            setattr(config, key, value)
    if problems:
        where = f" in {config.path}" if config.path else ""
        count = f"{len(problems)} mistakes{where}: " if len(problems) > 1 else ""
        raise InputError(count + "; ".join(problems), path=config.path if len(problems) == 1 else None)
    return config


def supabase_toml(config: Config) -> dict[str, Any]:
    """supabase/config.toml beside the migrations folder, or nothing."""
    toml = config.migrations_dir.parent / "config.toml"
    if not present(toml):
        return {}
    import tomllib  # only when the file exists: `schemagate lint` should start fast

    raw = read_repository_file(toml, CONFIG_LIMIT)
    try:
        # a leading UTF-8 BOM (Windows editors write one) is passed over, as the Supabase CLI does
        return tomllib.loads(raw.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {toml}: {exc}", path=toml) from None
    except RecursionError:
        raise InputError(f"cannot read {toml}: nested too deeply", path=toml) from None


def seed_files(config: Config) -> list[Path]:
    """The seed files, in the order the Supabase CLI runs them: none when the config says seed:
    false or config.toml's [db.seed] says `enabled = false`; else what its sql_paths globs match
    (default ./seed.sql), relative to supabase/, each pattern's matches sorted and every file once,
    as the CLI's config.Glob.Files has it (supabase/cli apps/cli-go/pkg/config/config.go). A pattern
    that matches nothing is passed over, as the CLI warns and goes on (pkg/migration/seed.go)."""
    section = supabase_toml(config).get("db", {}).get("seed", {})
    section = section if isinstance(section, dict) else {}
    if not config.seed or section.get("enabled") is False:
        return []
    paths = section.get("sql_paths", ["./seed.sql"])
    patterns = [p for p in paths if isinstance(p, str) and p] if isinstance(paths, list) else []
    folder = config.migrations_dir.parent
    found: list[Path] = []
    for pattern in patterns:
        # Go's fs.Glob: `*` does not cross a slash (`**` is no deeper) and matches dot files too
        for match in sorted(bounded_glob(pattern, folder, "[db.seed] sql_paths")):
            path = folder / match
            # anything but a folder: a symlink to /dev/zero or a FIFO is refused by the reader
            # (one line, exit 2), never passed over in silence
            if path not in found and (path.is_symlink() or not path.is_dir()):
                found.append(path)
    return found


# What one pattern of config.toml (sql_paths, schema_paths) may list, all told: a pull request's
# `*/*/*/*/*/*/*/*/*.sql` through a committed symlink to / (or /proc's loops back to it) would walk
# the runner's disk for hours, before any database is there
_GLOB_LISTED = 100_000


@dataclass
class _Walk:
    """One pattern's expansion, as glob.glob(pattern, root_dir=folder) has it: `**` (when recursive)
    any depth of folders, `*` one name, hidden names only when asked or named with their dot."""

    pattern: str
    folder: Path
    label: str  # how the message names the pattern's setting
    recursive: bool = False
    hidden: bool = True
    listed: int = 0
    root: Path = field(init=False)
    base: Path = field(init=False)

    def __post_init__(self) -> None:
        self.root = Path(os.path.realpath(repofiles.repository_root(self.folder / "seed.sql")))
        self.base = Path("/") if self.pattern.startswith("/") else self.folder

    def run(self) -> list[str]:
        matches = ["/" if self.pattern.startswith("/") else ""]
        parts = [p for p in self.pattern.split("/") if p]
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            matches = [found for match in matches for found in self._step(match, part, last)]
        return [m for m in matches if m and m != "/"]

    def _step(self, match: str, part: str, last: bool) -> list[str]:
        if self.recursive and part == "**":
            return [match, *self._below(match, files=last)]
        if not glob.has_magic(part):
            joined = _joined(match, part)
            return [joined] if os.path.lexists(self.base / joined) else []
        hidden = self.hidden or part.startswith(".")
        return [
            _joined(match, n)
            for n in self._names(match)
            if fnmatch.fnmatchcase(n, part) and (hidden or n[0] != ".")
        ]

    def _below(self, match: str, *, files: bool) -> list[str]:
        """Every folder under `match` (and file, when `files`), at any depth, symlinks followed as
        glob follows them."""
        found: list[str] = []
        pending = [match]
        while pending:
            top = pending.pop()
            for name in self._names(top):
                path = _joined(top, name)
                if not self.hidden and name[0] == ".":
                    continue
                if (self.base / path).is_dir():
                    found.append(path)
                    pending.append(path)
                elif files:
                    found.append(path)
        return sorted(found)

    def _names(self, match: str) -> list[str]:
        where = Path(os.path.realpath(self.base / match))
        if where != self.root and self.root not in where.parents:
            raise InputError(
                f"{self.label} {self.pattern!r} lists a folder outside the repository ({self.root})"
            )
        try:
            with os.scandir(where) as entries:
                names = sorted(entry.name for entry in entries)
        except OSError:
            return []
        self.listed += len(names)
        if self.listed > _GLOB_LISTED:
            raise InputError(f"{self.label} {self.pattern!r} lists more than {_GLOB_LISTED:,} files")
        return names


def _joined(match: str, name: str) -> str:
    return f"{match}/{name}" if match and match != "/" else match + name


def bounded_glob(
    pattern: str, folder: Path, label: str, *, recursive: bool = False, hidden: bool = True
) -> list[str]:
    """The names `pattern` matches under `folder`, listing no folder outside the repository (a file
    named there is refused by its reader, as before) and at most _GLOB_LISTED entries in all: more
    is one line naming the pattern."""
    return _Walk(pattern, folder, label, recursive, hidden).run()


def postgres_major(config: Config, explicit: str | None = None) -> int | None:
    """The major to check on: the explicit input, else supabase/config.toml's [db] major_version."""
    if explicit:
        if not (explicit.isascii() and explicit.isdigit()):
            raise InputError(f"postgres-version must be a major version such as 15, not {explicit!r}")
        return int(explicit)
    major = supabase_toml(config).get("db", {}).get("major_version")
    return int(major) if isinstance(major, int) else None


def load(path: Path | None, problems: list[str] | None = None, known_rules: Iterable[str] = ()) -> Config:
    """Read the config file; a missing default file means defaults, a missing named file is an error.

    Mistakes go into `problems` (each naming its line and key) when a list is given, and are
    raised at once otherwise."""
    chosen = path or default_config()
    if not present(chosen):
        if path is not None:
            raise InputError(f"config file not found: {path}")
        return Config()
    import yaml  # only when the file exists: `schemagate lint` should start fast

    raw = read_repository_file(chosen, CONFIG_LIMIT)
    try:
        text = raw.decode("utf-8")
        _refuse_aliases(text, chosen)
        data = yaml.safe_load(text) or {}
        lines = _key_lines(yaml.compose(text))
    except RecursionError:
        raise InputError("malformed YAML: nested too deeply", path=chosen) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"malformed YAML: {problem}", path=chosen, line=line) from None
    except UnicodeDecodeError:
        raise InputError("config is not valid UTF-8", path=chosen) from None
    if not isinstance(data, dict):
        raise InputError("config must be a mapping of keys to values", path=chosen)
    found: list[str] = []
    config = _from_mapping(data, chosen, found, lines, set(known_rules))
    if problems is None and found:
        raise InputError("; ".join(found), path=chosen)
    if problems is not None:
        problems += found
    return config


def _refuse_aliases(text: str, where: Path) -> None:
    """Anchors and aliases, refused before anything is built: a config has no use for them, and
    nine aliases of nine aliases (a "billion laughs") expand to gigabytes in what reads them."""
    import yaml

    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise InputError(
                "YAML anchors and aliases (& and *) are not allowed in the config: write the value out",
                path=where,
                line=event.start_mark.line + 1 if event.start_mark else None,
            )


def _key_lines(node: Any, prefix: str = "") -> dict[str, int]:
    """key path ("rules.rls-disabled") -> line, from YAML's node tree."""
    lines: dict[str, int] = {}
    for key, value in getattr(node, "value", []) if getattr(node, "tag", "").endswith(":map") else []:
        name = f"{prefix}{key.value}"
        lines[name] = key.start_mark.line + 1
        lines.update(_key_lines(value, f"{name}."))
    return lines


def _near(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _from_mapping(
    data: dict[str, Any], where: Path, problems: list[str], lines: dict[str, int], known_rules: set[str]
) -> Config:
    config = Config(path=where)

    def problem(key: str, message: str) -> None:
        line = lines.get(key)
        problems.append(f"{f'line {line}: ' if line else ''}{message}")

    for key, value in data.items():
        expected = _KEYS.get(key)
        if expected is None:
            problem(
                str(key),
                f"unknown key {key!r}{_near(str(key), _KEYS)}; known keys: {', '.join(sorted(_KEYS))}",
            )
            continue
        fits = isinstance(value, expected)  # apart, so that `value` keeps its type for mypy
        if not fits:
            problem(key, f"{key}: unexpected value {value!r}")
            continue
        if key == "migrations_dir":
            config.migrations_dir = Path(value)
        elif key == "rollbacks_dir":
            config.rollbacks = Path(value)
        elif key == "supabase":
            chosen, why = tristate(value, "supabase must be true, false or auto")
            if why:
                problem(key, why)
            else:
                config.supabase = chosen
        elif key == "rules":
            config.rules = _rules(value, problem, known_rules)
        elif key == "exposed_schemas":
            config.exposed_schemas = [str(v) for v in value]
        elif key == "tests_dirs":
            config.tests_dirs = [Path(str(v)) for v in value]
        elif key in _MEASURED:
            judge, read = _MEASURED[key]
            why = judge(key, value)
            if why:
                problem(key, why)
            else:
                setattr(config, key, read(value))
        elif key in _JUDGED and (why := _JUDGED[key](value, key)):
            problem(key, why)
        else:
            setattr(config, key, value)
    return config


def _stripped(value: object) -> str:
    return str(value).strip()


# Values with a unit: what judges each (a one-line problem, or None) and what the config keeps.
_MEASURED: dict[str, tuple[Callable[[str, object], str | None], Callable[[object], object]]] = {
    "lock_timeout": (duration_problem, _stripped),
    "statement_timeout": (duration_problem, _stripped),
    "lock_wait": (duration_problem, lambda value: duration_seconds(str(value))),
    "check_statement_timeout": (limit_problem, _stripped),
    "check_timeout": (limit_problem, _stripped),
    "check_disk_limit": (size_problem, _stripped),
}


def _rules(value: dict[str, Any], problem: Any, known: set[str]) -> dict[str, str]:
    rules = {}
    for rule, severity in value.items():
        # YAML 1.1 reads a bare `off` as false, and docs/rules.md writes `rule: off`
        text = "off" if severity is False else str(severity)
        if known and str(rule) not in known:
            problem(f"rules.{rule}", f"unknown rule id {rule!r}{_near(str(rule), known)}")
            continue
        if text not in SEVERITIES:
            problem(
                f"rules.{rule}",
                f"rules.{rule}: severity must be one of {', '.join(SEVERITIES)}, not {severity!r}",
            )
            continue
        rules[str(rule)] = text
    return rules
