"""Settings from `.github/schemagate.yml`, overridden by flags and Action inputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemagate.errors import InputError

DEFAULT_PATH = Path(".github/schemagate.yml")
DEFAULT_MIGRATIONS = Path("supabase/migrations")
SEVERITIES = ("error", "warning", "info", "off")


@dataclass
class Config:
    migrations_dir: Path = DEFAULT_MIGRATIONS
    rollbacks: Path | None = None  # default: rollbacks/ beside the migrations folder
    supabase: bool | None = None  # None: on when the folder is supabase/migrations
    seed: bool = True
    lock_timeout: str = "5s"
    statement_timeout: str = "0"
    lock_wait: float = 60.0
    # None: supabase/config.toml's [api] schemas (what the Data API serves), else public
    exposed_schemas: list[str] | None = None
    rules: dict[str, str] = field(default_factory=dict)
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
    def exposed(self) -> list[str]:
        """The schemas the Data API serves: set here, else the project's [api] schemas."""
        if self.exposed_schemas is not None:
            return self.exposed_schemas
        schemas = supabase_toml(self).get("api", {}).get("schemas")
        if isinstance(schemas, list) and all(isinstance(s, str) for s in schemas) and schemas:
            return list(schemas)
        return ["public"]


_KEYS: dict[str, type | tuple[type, ...]] = {
    "migrations_dir": str,
    "rollbacks_dir": str,
    "supabase": (bool, str),
    "seed": bool,
    "lock_timeout": (str, int),
    "statement_timeout": (str, int),
    "lock_wait": (int, float),
    "exposed_schemas": list,
    "rules": dict,
}


def supabase_toml(config: Config) -> dict[str, Any]:
    """supabase/config.toml beside the migrations folder, or nothing."""
    toml = config.migrations_dir.parent / "config.toml"
    if not toml.is_file():
        return {}
    import tomllib  # only when the file exists: `schemagate lint` should start fast

    try:
        return tomllib.loads(toml.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {toml}: {exc}", path=toml) from None


def postgres_major(config: Config, explicit: str | None = None) -> int | None:
    """The major to check on: the explicit input, else supabase/config.toml's [db] major_version."""
    if explicit:
        if not explicit.isdigit():
            raise InputError(f"postgres-version must be a major version such as 15, not {explicit!r}")
        return int(explicit)
    major = supabase_toml(config).get("db", {}).get("major_version")
    return int(major) if isinstance(major, int) else None


def _tristate(value: Any, where: str) -> bool | None:
    if isinstance(value, bool):
        return value
    if str(value).lower() == "auto":
        return None
    raise InputError(f"{where}: supabase must be true, false or auto, not {value!r}")


def load(path: Path | None) -> Config:
    """Read the config file; a missing default file means defaults, a missing named file is an error."""
    chosen = path or DEFAULT_PATH
    if not chosen.exists():
        if path is not None:
            raise InputError(f"config file not found: {path}")
        return Config()
    import yaml  # only when the file exists: `schemagate lint` should start fast

    try:
        data = yaml.safe_load(chosen.read_text("utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"malformed YAML: {problem}", path=chosen, line=line) from None
    except UnicodeDecodeError:
        raise InputError("config is not valid UTF-8", path=chosen) from None
    if not isinstance(data, dict):
        raise InputError("config must be a mapping of keys to values", path=chosen)
    return _from_mapping(data, chosen)


def _from_mapping(data: dict[str, Any], where: Path) -> Config:
    config = Config(path=where)
    for key, value in data.items():
        expected = _KEYS.get(key)
        if expected is None:
            known = ", ".join(sorted(_KEYS))
            raise InputError(f"unknown key {key!r} (known keys: {known})", path=where)
        if not _fits(value, expected):
            raise InputError(f"{key}: unexpected value {value!r}", path=where)
        if key == "migrations_dir":
            config.migrations_dir = Path(value)
        elif key == "rollbacks_dir":
            config.rollbacks = Path(value)
        elif key == "supabase":
            config.supabase = _tristate(value, str(where))
        elif key == "rules":
            config.rules = _rules(value, where)
        elif key == "exposed_schemas":
            config.exposed_schemas = [str(v) for v in value]
        elif key in {"lock_timeout", "statement_timeout"}:
            setattr(config, key, str(value))
        else:
            setattr(config, key, value)
    return config


def _fits(value: Any, expected: type | tuple[type, ...]) -> bool:
    return isinstance(value, expected)


def _rules(value: dict[str, Any], where: Path) -> dict[str, str]:
    rules = {}
    for rule, severity in value.items():
        if str(severity) not in SEVERITIES:
            raise InputError(
                f"rules.{rule}: severity must be one of {', '.join(SEVERITIES)}, not {severity!r}",
                path=where,
            )
        rules[str(rule)] = str(severity)
    return rules
