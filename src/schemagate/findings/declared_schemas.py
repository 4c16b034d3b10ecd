"""Declarative schemas (`supabase/schemas/*.sql`) against the migrations: do they agree?

The Supabase CLI's declarative workflow writes migrations from the difference between the schema
files and the database, so a schema file that has drifted from the migrations turns the next
`supabase db diff` into a migration nobody meant. The files are applied, in the order
`[db.migrations] schema_paths` in config.toml gives (else their names'), to a second database on the
same throwaway server, and its catalog is compared with the migrations': every object one has and
the other does not, or has otherwise, is a finding. Auth triggers, publications and grants count:
that is the drift `supabase db diff` itself does not see.
"""

from __future__ import annotations

from pathlib import Path

from schemagate.config import Config, bounded_glob, supabase_toml
from schemagate.database.apply import engine
from schemagate.database.catalog import diff, inventory
from schemagate.database.connection import connect
from schemagate.database.server.sandbox import Sandbox, beside
from schemagate.errors import SchemagateError
from schemagate.files.migrations import project_files_root, read_migration
from schemagate.findings import Finding
from schemagate.findings.rules.declarative import disagreement, do_not_apply
from schemagate.repofiles import UnreadableFile
from schemagate.statements.sql import parse

DATABASE = "schemagate_schemas"


def files(config: Config) -> list[Path]:
    """The schema files, in the order the Supabase CLI applies them."""
    folder = config.migrations_dir.parent
    paths = supabase_toml(config).get("db", {}).get("migrations", {}).get("schema_paths")
    patterns = [str(p) for p in paths] if isinstance(paths, list) and paths else ["./schemas/**/*.sql"]
    found: list[Path] = []
    for pattern in patterns:
        listed = bounded_glob(pattern, folder, "[db.migrations] schema_paths", recursive=True, hidden=False)
        matches = sorted(str(folder / m) for m in listed)
        found += [Path(m) for m in matches if Path(m) not in found and m.endswith(".sql")]
    return [_relative(p) for p in found]


def _relative(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def judge(
    box: Sandbox, settings: engine.Settings, config: Config, migrations: inventory.Inventory
) -> list[Finding]:
    """A finding per object on which the schema files and the migrations disagree."""
    paths = files(config)
    if not paths:
        return []
    with beside(box, DATABASE) as url, connect(url) as conn:
        for path in paths:
            try:
                # schema_paths comes from the pull request too: its globs may not leave the checkout
                root = project_files_root(config.migrations_dir)
                parsed = parse(read_migration(path, "0", path.stem, root=root, advice=""))
                engine.run_file(conn, parsed, settings, shim=box.shim)
            except UnreadableFile:
                raise  # a file no command reads (exit 2, as everywhere), not a disagreement
            except SchemagateError as exc:
                return [do_not_apply(exc, path)]
        declared = inventory.take(conn)
    changes = diff.between(_comparable(migrations), _comparable(declared))
    theirs = inventory.extension_schemas(migrations, declared)
    return [disagreement(c) for c in diff.folded(changes) if c.object.split(".", 1)[0] not in theirs]


def _comparable(found: inventory.Inventory) -> inventory.Inventory:
    """Extensions by name and schema: a version pinned in one and left to the default in the
    other installs the same on a hosted project."""
    return inventory.Inventory(
        {
            key: definition.split(" in ", 1)[-1] if key[0] == "extension" else definition
            for key, definition in found.objects.items()
        }
    )
