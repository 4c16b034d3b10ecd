"""Find PostgreSQL server binaries: named, on the machine, or bundled with pgserver."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
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
        out = subprocess.run(
            [str(self.tool("postgres")), "--version"], capture_output=True, text=True, check=True
        ).stdout
        match = _VERSION.search(out)
        return match["full"] if match else out.strip()

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])


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


def system_bindirs() -> list[Path]:
    """Debian/Ubuntu keep one tree per major; newest first. Then whatever PATH offers."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    on_path = shutil.which("postgres")
    if on_path:
        found.append(Path(on_path).resolve().parent)
    return [d for d in found if _usable(d)]


def pgserver_bindir() -> Path | None:
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        return None
    bindir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return bindir if _usable(bindir) else None


def find(pg_bin: str | None = None, *, major: int | None = None) -> PgBinaries:
    """The server binaries to use, in the documented order of preference."""
    explicit = pg_bin or os.environ.get("PG_BIN")
    if explicit:
        bindir = Path(explicit)
        if not _usable(bindir):
            raise InputError(f"no PostgreSQL server binaries (postgres, initdb) in {bindir}")
        return PgBinaries(bindir, "--pg-bin" if pg_bin else "PG_BIN")
    candidates = [PgBinaries(d, "system") for d in system_bindirs()]
    bundled = pgserver_bindir()
    if bundled:
        candidates.append(PgBinaries(bundled, "pgserver"))
    if not candidates:
        raise InputError(
            "no PostgreSQL server found: install postgresql (apt-get install postgresql), "
            "pip install pgserver, or name binaries with --pg-bin / PG_BIN"
        )
    if major is not None:
        for candidate in candidates:
            if candidate.major == major:
                return candidate
    return candidates[0]
