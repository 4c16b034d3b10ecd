"""The package's rooms import one way, in the order data flows (docs/architecture.md):

files -> statements -> database -> findings -> report -> commands -> cli / action

A room may import the rooms before it and the ground floor; the ground floor imports no room. Read
from the source's import statements (also those under TYPE_CHECKING or inside functions), so a
crossing is caught before anything runs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import schemagate

PACKAGE = Path(schemagate.__file__).parent
ROOMS = ("files", "statements", "database", "findings", "report", "commands", "cli", "action")
# the two front ends stand side by side: neither imports the other
STEP = {room: min(index, ROOMS.index("cli")) for index, room in enumerate(ROOMS)}
GROUND = ("config", "errors", "secrets", "bounds", "repofiles")


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, dotted name) of every schemagate module or name an import statement names."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found if name.startswith("schemagate.")]


def _room(parts: tuple[str, ...]) -> str | None:
    """The room (or ground-floor module) a path inside the package belongs to."""
    first = parts[0].removesuffix(".py")
    return first if first in STEP or first in GROUND else None


def crossings(package: Path) -> list[str]:
    """Each import that reaches a room downstream of its own (or a room, from the ground floor)."""
    found = []
    for path in sorted(package.rglob("*.py")):
        home = _room(path.relative_to(package).parts)
        if home is None:
            continue
        for line, name in _imported(ast.parse(path.read_text(encoding="utf-8"))):
            target = _room(tuple(name.split(".")[1:]))
            if target is None or target in GROUND or target == home:
                continue
            if home in GROUND or STEP[target] >= STEP[home]:
                found.append(f"{path.relative_to(package)}:{line} ({home}) imports {name} ({target})")
    return found


def test_no_room_imports_a_room_downstream_of_it() -> None:
    assert crossings(PACKAGE) == []


def test_a_downstream_import_is_caught(tmp_path: Path) -> None:
    (tmp_path / "findings").mkdir()
    (tmp_path / "findings" / "judge.py").write_text("from schemagate.report.model import Report\n")
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "main.py").write_text("from schemagate import action\nimport schemagate.findings\n")
    (tmp_path / "config.py").write_text("def load():\n    from schemagate.files import migrations\n")
    assert crossings(tmp_path) == [
        "cli/main.py:1 (cli) imports schemagate.action (action)",
        "config.py:2 (config) imports schemagate.files.migrations (files)",
        "findings/judge.py:1 (findings) imports schemagate.report.model.Report (report)",
    ]
