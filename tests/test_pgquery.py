"""libpg_query reached two ways: straight from pglast's extension, and through pglast. Same answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from schemagate.statements import pgquery

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = [ROOT / "examples" / "supabase-app", ROOT / "tests" / "fidelity" / "project"]
BROKEN = [
    "create tabel x (id int);",
    "select 'é', 'unterminated",
    "DO $$ BEGIN PERFORM 1; END;\n",
    "select 1 +",
    "\\i other.sql",
]


def outcome(parse: Callable[[str], bytes], text: str) -> tuple[str, bytes | str, int | None]:
    try:
        return ("tree", parse(text), None)
    except pgquery.ParseError as exc:
        return ("error", exc.message, exc.index)


def corpus() -> list[str]:
    files = sorted(f for project in PROJECTS for f in project.glob("supabase/**/*.sql"))
    assert len(files) > 10, "the bundled projects have migrations"
    return [f.read_text("utf-8") for f in files] + ["-- ünïcödé\nselect 'naïve' as café;"] + BROKEN


def test_this_machine_uses_the_direct_path() -> None:
    # pglast's Linux wheels export libpg_query's symbols; if a new release stops, this says so
    assert pgquery._direct() is not None


@pytest.mark.parametrize("text", corpus())
def test_direct_and_pglast_paths_give_the_same_tree_or_the_same_error(text: str) -> None:
    direct = pgquery._direct()
    assert direct is not None
    assert outcome(direct, text) == outcome(pgquery._through_pglast(), text)


def test_an_error_carries_the_message_and_the_character_index() -> None:
    with pytest.raises(pgquery.ParseError) as caught:
        pgquery.parse_json("select 'é' from where;")
    assert caught.value.message == 'syntax error at or near "where"'
    assert caught.value.index == "select 'é' from where;".index("where")


def test_without_the_exported_symbol_pglast_does_the_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pgquery, "_extension", lambda: None)
    assert pgquery._direct() is None
    pgquery.parser.cache_clear()
    try:
        assert pgquery.parser().__qualname__.startswith("_through_pglast")
        assert b'"SelectStmt"' in pgquery.parse_json("select 1;")
    finally:
        pgquery.parser.cache_clear()
