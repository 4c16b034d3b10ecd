"""catalog/diff.py: which table an object belongs to, when a quoted name holds a dot."""

from __future__ import annotations

import pytest

from schemagate.database.catalog.diff import Change
from schemagate.report import picture_markdown
from schemagate.statements.tree import dotted_parts


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("public.notes", ["public", "notes"]),
        ('public.notes."Anyone reads."', ["public", "notes", '"Anyone reads."']),
        ('public."a.b"."say ""hi""."', ["public", '"a.b"', '"say ""hi""."']),
    ],
)
def test_a_dotted_name_is_cut_only_outside_quotes(name: str, parts: list[str]) -> None:
    assert dotted_parts(name) == parts


@pytest.mark.parametrize(
    ("kind", "name", "table"),
    [
        ("policy", 'public.notes."Anyone reads."', "public.notes"),
        ("column", 'public."v1.0 items".label', 'public."v1.0 items"'),
        ("trigger", 'public.notes."touch.updated_at"', "public.notes"),
    ],
)
def test_a_part_belongs_to_its_table_whatever_dots_its_name_holds(kind: str, name: str, table: str) -> None:
    assert Change("added", kind, name, "").table == table


def test_a_new_tables_policies_fold_into_its_line_even_with_a_full_stop_in_a_name() -> None:
    changes = [
        Change("added", "table", "public.notes", "3 columns"),
        Change("added", "policy", 'public.notes."Anyone reads."', "for select to anon using (true)"),
        Change("added", "policy", 'public.notes."Owners edit"', "for update to authenticated"),
    ]
    listed = picture_markdown.lines(changes)
    assert listed == ["+ table public.notes (3 columns, 2 policies)"], listed
