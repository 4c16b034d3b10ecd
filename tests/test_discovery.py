"""Discovery: which files are migrations, in what order, and clear errors for the rest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import Project
from schemagate.errors import InputError
from schemagate.files.migrations import discover


def test_versions_sort_as_the_supabase_cli_applies_them_by_file_name(project: Project) -> None:
    # the CLI lists the folder sorted by name (pkg/migration/list.go: fs.ReadDir) and applies in
    # that order: a 12-digit version sorts by its text among 14-digit ones, 9 after 10
    project.write("9_earlier.sql", "select 1;")
    project.write("10_later.sql", "select 1;")
    project.write("20251120170000_add_user_preferences.sql", "select 1;")
    project.write("202511201800_short_version.sql", "select 1;")
    found = discover(project.migrations).migrations
    assert [m.version for m in found] == ["10", "20251120170000", "202511201800", "9"]
    assert found[1].name == "add_user_preferences"


@pytest.mark.parametrize(
    ("filename", "content", "message", "line"),
    [
        ("20250101000000_bad.sql", b"select 1;\nselect '\xff';", "invalid UTF-8 (byte 0xff", 2),
        ("20250101000000_utf16.sql", "select 1;".encode("utf-16"), "file is UTF-16", 1),
        ("20250101000000_nul.sql", b"select 1;\nselect\x00 2;", "NUL byte", 2),
    ],
)
def test_bad_files_are_one_line_errors_naming_the_file(
    project: Project, filename: str, content: bytes, message: str, line: int | None
) -> None:
    path = project.write(filename, content)
    with pytest.raises(InputError) as caught:
        discover(project.migrations)
    error = caught.value
    assert message in error.message
    assert error.path == path
    assert error.line == line
    assert "\n" not in str(error)
    assert str(error).startswith(str(path))


def test_duplicate_versions_name_both_files(project: Project) -> None:
    project.write("20250101000000_one.sql", "select 1;")
    project.write("20250101000000_two.sql", "select 2;")
    with pytest.raises(InputError, match=r"version 20250101000000 is also used by 20250101000000_one\.sql"):
        discover(project.migrations)


def test_versions_equal_as_integers_are_duplicates(project: Project) -> None:
    project.write("0001_one.sql", "select 1;")
    project.write("1_two.sql", "select 2;")
    with pytest.raises(InputError, match="also used by"):
        discover(project.migrations)


def test_bom_is_dropped_and_crlf_accepted(project: Project) -> None:
    project.write("1_bom.sql", "\ufeffcreate table a (id int);\r\nselect 1;\r\n".encode())
    (migration,) = discover(project.migrations).migrations
    assert migration.text.startswith("create table")
    assert "\r\n" in migration.text


def test_other_files_are_skipped_with_a_notice(project: Project) -> None:
    project.write("1_a.sql", "select 1;")
    (project.migrations / "README.md").write_text("docs")
    (project.migrations / ".gitkeep").write_text("")
    (project.migrations / "archive").mkdir()
    found = discover(project.migrations)
    assert [m.filename for m in found.migrations] == ["1_a.sql"]
    assert any("README.md: skipped (not a .sql file)" in n for n in found.notices)
    assert any("archive: skipped (a folder" in n for n in found.notices)
    assert not any(".gitkeep" in n for n in found.notices)
    assert found.skipped == []  # only .sql files are worth a finding


@pytest.mark.parametrize(
    "filename", ["seed.sql", "add_users.sql", "2025a_users.sql", "local_20240107152745_ollama.sql", "1_a.SQL"]
)
def test_sql_files_the_supabase_cli_skips_are_skipped_here_too(project: Project, filename: str) -> None:
    """The CLI applies only `^[0-9]+_.*\\.sql$` and skips the rest with "Skipping migration ..."."""
    project.write("20250101000000_a.sql", "select 1;")
    path = project.write(filename, "select 2;")
    found = discover(project.migrations)
    assert [m.filename for m in found.migrations] == ["20250101000000_a.sql"]
    assert found.skipped == ([path] if filename.endswith(".sql") else [])
    assert any(f"{filename}: skipped" in n for n in found.notices)


@pytest.mark.parametrize(
    ("filename", "content"),
    [("20250101000000_.sql", b"select 1;"), ("20250101000000_empty.sql", b""), ("2_c.sql", b"-- only\n")],
)
def test_files_the_supabase_cli_applies_are_migrations(
    project: Project, filename: str, content: bytes
) -> None:
    """An empty name, an empty file and a comments-only file all apply with the CLI (tried on 3.1)."""
    project.write(filename, content)
    (migration,) = discover(project.migrations).migrations
    assert migration.filename == filename


def test_directory_named_like_a_migration_is_skipped(project: Project) -> None:
    (project.migrations / "20250101000000_oops.sql").mkdir()
    found = discover(project.migrations)
    assert found.migrations == [] and found.skipped == []
    assert any("20250101000000_oops.sql: skipped (a folder" in n for n in found.notices)


def test_symlink_outside_the_repository_is_refused(
    project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "secret.sql"
    outside.write_text("select 1;")
    os.symlink(outside, project.migrations / "20250101000000_link.sql")
    with pytest.raises(InputError, match="symlink points outside the repository"):
        discover(project.migrations)


def test_symlink_inside_the_repository_is_followed(project: Project) -> None:
    shared = project.root / "shared.sql"
    shared.write_text("select 1;")
    os.symlink(shared, project.migrations / "20250101000000_link.sql")
    (migration,) = discover(project.migrations).migrations
    assert migration.text == "select 1;"


def test_oversized_file_is_refused(project: Project) -> None:
    project.write("1_big.sql", b"select 1;\n" * 20)
    with pytest.raises(InputError, match="over the 0 MB limit"):
        discover(project.migrations, max_bytes=100)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="migrations folder not found"):
        discover(tmp_path / "nope")
