"""Find PostgreSQL server binaries: named, on the machine, or bundled with pgserver."""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from schemagate.errors import InputError

_REQUIRED = ("postgres", "initdb")
_VERSION = re.compile(r"\(PostgreSQL\)\s+(?P<full>(?P<major>\d+)(?:\.\d+)?)")


@dataclass(frozen=True)
class PgBinaries:
    bindir: Path
    source: str  # "--pg-bin", "PG_BIN", "system" or "pgserver"

    def tool(self, name: str) -> Path:
        return self.bindir / name

    @property
    def version(self) -> str:
        return _version(self.tool("postgres"))

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])


@functools.cache
def _version(postgres: Path) -> str:
    out = subprocess.run([str(postgres), "--version"], capture_output=True, text=True, check=True).stdout
    match = _VERSION.search(out)
    return match["full"] if match else out.strip()


@functools.cache
def pg_config(bindir: Path, what: str) -> Path | None:
    """An installation directory (`sharedir`, `pkglibdir`, ...) as the installation's own
    pg_config reports it; None without pg_config. Debian keeps share/ far from bin/, so no guess."""
    tool = bindir / "pg_config"
    if not tool.is_file():
        return None
    result = subprocess.run([str(tool), f"--{what}"], capture_output=True, text=True)
    return Path(result.stdout.strip()) if result.returncode == 0 and result.stdout.strip() else None


def _usable(bindir: Path) -> bool:
    return all((bindir / tool).is_file() for tool in _REQUIRED)


# Where packagers put one tree per major: Debian/Ubuntu and the PostgreSQL apt repository, Red Hat's
# PGDG RPMs, Homebrew (Apple silicon and Intel) and Postgres.app.
_MAJOR_TREES = (
    "/usr/lib/postgresql/*/bin",
    "/usr/pgsql-*/bin",
    "/opt/homebrew/opt/postgresql@*/bin",
    "/usr/local/opt/postgresql@*/bin",
    "/Applications/Postgres.app/Contents/Versions/*/bin",
)


def _major_of(bindir: Path) -> int:
    digits = "".join(ch for ch in bindir.parent.name.rsplit("@", 1)[-1].rsplit("-", 1)[-1] if ch.isdigit())
    return int(digits) if digits else 0


def system_bindirs() -> list[Path]:
    """Servers named in SCHEMAGATE_PG_PATH (colon-separated bin folders), then the packagers' trees,
    newest major first, then whatever PATH offers."""
    named = [Path(p) for p in os.environ.get("SCHEMAGATE_PG_PATH", "").split(os.pathsep) if p]
    trees = sorted(
        (bindir for pattern in _MAJOR_TREES for bindir in Path("/").glob(pattern.lstrip("/"))),
        key=_major_of,
        reverse=True,
    )
    found = [*named, *trees]
    on_path = shutil.which("postgres")
    if on_path:
        found.append(Path(on_path).resolve().parent)
    unique = list(dict.fromkeys(d.resolve() for d in found))
    return [d for d in unique if _usable(d)]


def pgserver_bindir() -> Path | None:
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        return None
    bindir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return bindir if _usable(bindir) else None


def installed() -> list[PgBinaries]:
    """Every server on this machine that schemagate would choose from, in order of preference:
    the machine's own, newest major first, then the one bundled with pgserver."""
    named = {Path(p).resolve() for p in os.environ.get("SCHEMAGATE_PG_PATH", "").split(os.pathsep) if p}
    own = [PgBinaries(d, "SCHEMAGATE_PG_PATH" if d in named else "system") for d in system_bindirs()]
    candidates = sorted(own, key=lambda b: -b.major)  # stable: named ones first within a major
    bundled = pgserver_bindir()
    if bundled:
        candidates.append(PgBinaries(bundled, "pgserver"))
    return candidates


def find(
    pg_bin: str | None = None,
    *,
    major: int | None = None,
    lacks: Callable[[PgBinaries], tuple[int, ...]] = lambda _b: (),
) -> PgBinaries:
    """The server binaries to use, in the documented order of preference.

    `lacks` says what a candidate is missing, most important first (extensions the migrations
    create, then ones it has only as a stand-in that refuses what the real one takes): the less,
    the better, before the nearest major.
    """
    explicit = pg_bin or os.environ.get("PG_BIN")
    if explicit:
        bindir = Path(explicit)
        if not _usable(bindir):
            raise InputError(f"no PostgreSQL server binaries (postgres, initdb) in {bindir}")
        return PgBinaries(bindir, "--pg-bin" if pg_bin else "PG_BIN")
    candidates = installed()
    if not candidates:
        raise InputError(
            "no PostgreSQL server found: install postgresql (apt-get install postgresql), "
            "pip install pgserver, or name binaries with --pg-bin / PG_BIN"
        )

    # The asked-for major, else the nearest one: at equal distance the newer, whose catalog and
    # syntax accept more of what the project's real (newer) server took. Without a major, the
    # order of installed(): the newest of the machine's own servers, the bundled one last.
    def rank(item: tuple[int, PgBinaries]) -> tuple[int, ...]:
        order, c = item
        if major is None:
            return (*lacks(c), order)
        return (*lacks(c), abs(c.major - major), -c.major, order)

    return min(enumerate(candidates), key=rank)[1]
