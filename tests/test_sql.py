"""Statement splitting and classification with PostgreSQL's parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemagate.errors import InputError
from schemagate.files.migrations import Migration
from schemagate.statements.sql import Kind, parse


def parsed(text: str) -> list[tuple[int, str, str]]:
    result = parse(Migration("1", "t", Path("1_t.sql"), text, ""))
    return [(s.line, s.node_type, s.text) for s in result.statements]


def migration(text: str) -> Migration:
    return Migration("1", "t", Path("supabase/migrations/1_t.sql"), text, "")


def test_dollar_quotes_functions_do_blocks_and_comments_split_as_the_server_reads_them() -> None:
    text = (
        "-- header; with a semicolon\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $fn$\n"
        "BEGIN\n  RETURN 1; -- inside; still inside\nEND\n$fn$;\n"
        "/* block ; comment */\n"
        "DO $$ BEGIN PERFORM 1; END $$;\n"
        "select 'a;b', $q$x;y$q$;\n"
        "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\n"
    )
    assert [(line, node) for line, node, _ in parsed(text)] == [
        (2, "CreateFunctionStmt"),
        (8, "DoStmt"),
        (9, "SelectStmt"),
        (10, "CreateFunctionStmt"),
    ]
    assert parsed(text)[0][2].endswith("$fn$")


def test_syntax_error_points_at_file_line_and_column() -> None:
    with pytest.raises(InputError) as caught:
        parse(migration("select 1;\n\ncreate tabel x (id int);\n"))
    assert str(caught.value).startswith('supabase/migrations/1_t.sql:3:8: syntax error at or near "tabel"')
    assert 'at or near "tabel"' in str(caught.value)


def test_psql_meta_commands_are_explained() -> None:
    with pytest.raises(InputError, match=r":2:1: syntax error.*psql meta-commands"):
        parse(migration("select 1;\n\\i other.sql\n"))


def test_unterminated_dollar_quote_is_a_syntax_error() -> None:
    with pytest.raises(InputError, match="syntax error: unterminated dollar-quoted string"):
        parse(migration("DO $$ BEGIN PERFORM 1; END;\n"))


@pytest.mark.parametrize(
    ("text", "stored"),
    [  # as Supabase CLI 3.1 stored them in schema_migrations.statements
        ("-- a\n\n-- b\n/* c */\n", ("-- a\n\n-- b\n/* c */",)),
        ("\n\n  \n", ()),
        ("/* only block */", ("/* only block */",)),
        ("select 1;\n-- trailing\n", ("select 1", "-- trailing")),
    ],
)
def test_a_file_without_statements_is_a_migration_stored_as_the_cli_stores_it(
    text: str, stored: tuple[str, ...]
) -> None:
    parsed = parse(migration(text))
    assert parsed.history_statements == stored
    assert len(parsed.statements) == (1 if "select" in text else 0)


@pytest.mark.parametrize(
    ("sql", "kind", "transactional"),
    [
        ("create table t (id int)", Kind.DDL, True),
        ("alter table t add column c int", Kind.DDL, True),
        ("insert into t values (1)", Kind.DATA, True),
        ("update t set id = 2 where id = 1", Kind.DATA, True),
        ("delete from t", Kind.DATA, True),
        ("select 1", Kind.QUERY, True),
        ("do $$ begin end $$", Kind.PROCEDURAL, True),
        ("set search_path = x", Kind.SESSION, True),
        ("begin", Kind.TRANSACTION, True),
        ("commit", Kind.TRANSACTION, True),
        ("create index concurrently i on t (id)", Kind.DDL, False),
        ("drop index concurrently i", Kind.DDL, False),
        ("reindex index concurrently i", Kind.DDL, False),
        ("reindex index i", Kind.DDL, True),
        ("vacuum t", Kind.DDL, False),
        ("analyze t", Kind.DDL, True),
        ("create database d", Kind.DDL, False),
        ("alter system set work_mem = '1MB'", Kind.DDL, False),
        ("alter table p detach partition c concurrently", Kind.DDL, False),
        ("alter type mood add value 'meh'", Kind.DDL, True),
    ],
)
def test_classification(sql: str, kind: Kind, transactional: bool) -> None:
    (statement,) = parse(migration(sql + ";")).statements
    assert statement.kind is kind
    assert statement.transactional is transactional


def test_a_whole_file_begin_commit_folds_into_the_migration_transaction() -> None:
    result = parse(
        migration("BEGIN;\nupdate t set a = 1 where a = 0;\nalter table t alter a set not null;\nCOMMIT;\n")
    )
    assert result.wrapped
    assert [s.node_type for s in result.body] == ["UpdateStmt", "AlterTableStmt"]
    assert result.transaction_splits() == []


def test_commit_in_the_middle_is_a_split() -> None:
    result = parse(migration("create table a (id int);\nCOMMIT;\nBEGIN;\ncreate table b (id int);\n"))
    assert not result.wrapped
    assert [s.line for s in result.transaction_splits()] == [2, 3]


def test_history_statements_match_the_supabase_cli_format() -> None:
    text = "-- lead\ncreate table a (id int);\n\n;\nselect ';';  -- tail\n"
    assert parse(migration(text)).history_statements == (
        "-- lead\ncreate table a (id int)",
        "select ';'",
        "-- tail",
    )
