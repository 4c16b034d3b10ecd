"""migrations.py: versions and file names at their boundaries, encodings refused with their line, and
discovery that skips, refuses and orders exactly as the Supabase CLI would."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from schemagate.errors import InputError
from schemagate.files import migrations
from schemagate.files.migrations import Discovery, Migration


@pytest.mark.parametrize(
    ("version", "number"),
    [("0", True), ("0123", True), ("", False), ("1a", False), ("²", False), ("٣", False)],
)
def test_is_number(version: str, number: bool) -> None:
    assert migrations.is_number(version) is number


def test_version_order_is_the_supabase_cli_s_file_name_order_and_non_numbers_first() -> None:
    assert migrations.version_order("0012") == (0, "0012_", "0012")
    assert migrations.version_order("x1") == (-1, "", "x1")
    versions = ["10", "9", "x", "0009", "2" * 5000, "100"]
    # as the files sort: `100_…` before `10_…`, since `0` comes before `_`
    assert sorted(versions, key=migrations.version_order) == ["x", "0009", "100", "10", "2" * 5000, "9"]
    # a 12-digit version among 14-digit ones sorts by its text, as `ls` shows the files
    assert sorted(["20240101000000", "202401021200"], key=migrations.version_order) == [
        "20240101000000",
        "202401021200",
    ]
    # and two versions where one starts the other compare as their file names do
    assert sorted(["2024", "20240"], key=migrations.version_order) == ["20240", "2024"]


def test_a_migration_s_order_and_file_name() -> None:
    migration = Migration("007", "x", Path("/a/007_x.sql"), "", "")
    assert migration.order == (0, "007_", "007")
    assert migration.filename == "007_x.sql"
    assert Discovery([migration]).by_version() == {"007": migration}
    assert Discovery([]).notices == [] and Discovery([]).skipped == []


@pytest.mark.parametrize(
    ("name", "parsed"),
    [
        ("20251120170000_add_prefs.sql", ("20251120170000", "add_prefs")),
        ("1_.sql", ("1", "")),
        ("1_a_b.sql", ("1", "a_b")),
        ("1_x.sql.sql", ("1", "x.sql")),
        ("_x.sql", None),
        ("1x.sql", None),
        ("a1_x.sql", None),
        ("1_x.sql\n", None),
        ("1_x\n.sql", None),
        ("1_x.SQL", None),
        ("1_xsql", None),
        ("1_x.sql.bak", None),
    ],
)
def test_parse_name(name: str, parsed: tuple[str, str] | None) -> None:
    assert migrations.parse_name(name) == parsed


def test_decode_drops_a_bom_only_at_the_start() -> None:
    assert migrations.decode(Path("f"), "\ufeffselect '\ufeff'".encode()) == "select '\ufeff'"


@pytest.mark.parametrize("bom", [b"\xff\xfe", b"\xfe\xff"])
def test_decode_refuses_utf16(bom: bytes) -> None:
    with pytest.raises(InputError) as caught:
        migrations.decode(Path("f.sql"), bom + "x".encode("utf-16-le"))
    assert (caught.value.message, caught.value.path, caught.value.line) == (
        "file is UTF-16; save it as UTF-8",
        Path("f.sql"),
        1,
    )


def test_decode_refuses_invalid_utf8_with_its_byte_offset_and_line() -> None:
    with pytest.raises(InputError) as caught:
        migrations.decode(Path("f.sql"), b"a\nb\n\ncd\xe9f\n")
    assert (caught.value.message, caught.value.path, caught.value.line) == (
        "invalid UTF-8 (byte 0xe9 at offset 7); save it as UTF-8",
        Path("f.sql"),
        4,
    )


def test_decode_counts_a_leading_line_break() -> None:
    with pytest.raises(InputError) as invalid:
        migrations.decode(Path("f.sql"), b"\n\xe9")
    with pytest.raises(InputError) as nul:
        migrations.decode(Path("f.sql"), b"\n\x00")
    assert (invalid.value.line, nul.value.line) == (2, 2)


def test_read_migration_names_its_file_in_an_encoding_error(tmp_path: Path) -> None:
    folder = _repo(tmp_path)
    (folder / "1_x.sql").write_bytes(b"\xe9")
    with pytest.raises(InputError) as caught:
        migrations.read_migration(folder / "1_x.sql", "1", "x")
    assert caught.value.path == folder / "1_x.sql"


def test_decode_refuses_a_nul_with_its_line() -> None:
    with pytest.raises(InputError) as caught:
        migrations.decode(Path("f.sql"), b"a\n\nb\x00\n\x00")
    assert (caught.value.message, caught.value.path, caught.value.line) == (
        "file contains a NUL byte, which PostgreSQL cannot take",
        Path("f.sql"),
        3,
    )


def _repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    folder = tmp_path / "supabase" / "migrations"
    folder.mkdir(parents=True)
    return folder


def test_read_migration(tmp_path: Path) -> None:
    folder = _repo(tmp_path)
    path = folder / "1_x.sql"
    path.write_bytes("\ufeffselect 1;".encode())
    migration = migrations.read_migration(path, "1", "x")
    assert migration == Migration(
        "1", "x", path, "select 1;", hashlib.sha256("\ufeffselect 1;".encode()).hexdigest()
    )


def test_read_migration_refuses_past_its_limit_with_its_advice(tmp_path: Path) -> None:
    folder = _repo(tmp_path)
    path = folder / "1_x.sql"
    path.write_bytes(b"x" * 11)
    assert migrations.read_migration(path, "1", "x", 11).text == "x" * 11
    with pytest.raises(InputError) as caught:
        migrations.read_migration(path, "1", "x", 10)
    assert caught.value.message == (
        "file is 0.0 MB, over the 0 MB limit for a migration; load bulk data from supabase/seed.sql or "
        "COPY instead"
    )
    with pytest.raises(InputError) as other:
        migrations.read_migration(path, "1", "x", 10, advice="!")
    assert other.value.message == "file is 0.0 MB, over the 0 MB limit!"
    assert migrations.MAX_FILE_BYTES == 10 * 1024 * 1024


def test_read_migration_keeps_symlinks_inside_the_repository(tmp_path: Path) -> None:
    folder = _repo(tmp_path)
    outside = tmp_path.parent / f"{tmp_path.name}-outside.sql"
    outside.write_text("select 1;")
    (folder / "1_x.sql").symlink_to(outside)
    with pytest.raises(InputError, match="symlink points outside the repository"):
        migrations.read_migration(folder / "1_x.sql", "1", "x")
    # the root given wins over the one found
    assert migrations.read_migration(folder / "1_x.sql", "1", "x", root=tmp_path.parent).text == "select 1;"


def test_project_root_is_the_nearest_folder_with_git(tmp_path: Path) -> None:
    folder = _repo(tmp_path)
    assert migrations.project_root(folder) == tmp_path.resolve()
    assert migrations.project_root(tmp_path) == tmp_path.resolve()
    bare = tmp_path / "supabase"
    (tmp_path / ".git").rmdir()
    assert migrations.project_root(bare) == bare.resolve()  # no .git above the test's folder


def test_discover_orders_as_the_cli_lists_files_and_explains_what_it_skips(tmp_path: Path) -> None:
    folder = _repo(tmp_path)
    for name in ("10_c.sql", "9_b.sql", "0002_a.sql", "x.sql", "notes.txt", ".hidden.sql", "1_x.sql.bak"):
        (folder / name).write_text(f"-- {name}\n")
    (folder / "3_dir.sql").mkdir()
    found = migrations.discover(folder)
    assert [m.filename for m in found.migrations] == ["0002_a.sql", "10_c.sql", "9_b.sql"]
    assert [m.text for m in found.migrations] == ["-- 0002_a.sql\n", "-- 10_c.sql\n", "-- 9_b.sql\n"]
    assert found.notices == [
        f"{folder / '1_x.sql.bak'}: skipped (not a .sql file)",
        f"{folder / '3_dir.sql'}: skipped (a folder, not a migration file)",
        f"{folder / 'notes.txt'}: skipped (not a .sql file)",
        f"{folder / 'x.sql'}: skipped, the Supabase CLI never applies it (file name does not fit: "
        "expected <digits>_<name>.sql, e.g. 20251120170000_add_user_preferences.sql)",
    ]
    assert found.skipped == [folder / "x.sql"]


def test_discover_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        migrations.discover(tmp_path / "nope")
    assert caught.value.message == f"migrations folder not found: {tmp_path / 'nope'}"
    # what to do: a newcomer runs it from a subfolder, or keeps migrations elsewhere
    assert caught.value.hint == (
        "run schemagate in the project (the folder that holds supabase/, or one in it), or name the "
        "folder with --migrations-dir (the Action's migrations-dir, the config's migrations_dir)"
    )
    assert "--migrations-dir" in caught.value.hint


def test_discover_refuses_a_down_file_among_migrations(tmp_path: Path) -> None:
    folder = _repo(tmp_path)
    (folder / "1_x.down.sql").write_text("")
    with pytest.raises(InputError) as caught:
        migrations.discover(folder)
    assert caught.value.message == (
        "down migrations belong in supabase/rollbacks/<version>_<name>.sql: "
        "`supabase db push` would run this file as a migration"
    )
    assert caught.value.path == folder / "1_x.down.sql"


def test_discover_refuses_two_files_of_one_number(tmp_path: Path) -> None:
    folder = _repo(tmp_path)
    (folder / "01_a.sql").write_text("")
    (folder / "1_b.sql").write_text("")
    with pytest.raises(InputError) as caught:
        migrations.discover(folder)
    assert caught.value.message == "version 1 is also used by 01_a.sql; every migration needs its own version"
    assert caught.value.path == folder / "1_b.sql"


def test_discover_reads_within_the_root_and_limit_given(tmp_path: Path) -> None:
    folder = _repo(tmp_path)
    outside = tmp_path.parent / f"{tmp_path.name}-o.sql"
    outside.write_text("select 1;")
    (folder / "1_x.sql").symlink_to(outside)
    with pytest.raises(InputError, match="outside the repository"):
        migrations.discover(folder)
    assert migrations.discover(folder, root=tmp_path.parent).migrations[0].text == "select 1;"
    with pytest.raises(InputError, match="over the 0 MB limit"):
        migrations.discover(folder, root=tmp_path.parent, max_bytes=3)


def test_find_downs(tmp_path: Path) -> None:
    folder = tmp_path / "rollbacks"
    assert migrations.find_downs(folder) == {}
    folder.mkdir()
    (tmp_path / ".git").mkdir()
    (folder / "2_b.sql").write_text("drop table b;")
    (folder / "1_a.sql").write_text("drop table a;")
    (folder / "notes.txt").write_text("")
    downs = migrations.find_downs(folder)
    assert list(downs) == ["1", "2"]
    assert (downs["1"].name, downs["1"].text, downs["2"].path) == ("a", "drop table a;", folder / "2_b.sql")


def test_find_downs_without_git_keeps_symlinks_inside_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no .git above, the folder itself bounds its files, not the working folder around it."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "rollbacks"
    folder.mkdir()
    (tmp_path / "beside.sql").write_text("")
    (folder / "1_a.sql").symlink_to(tmp_path / "beside.sql")
    with pytest.raises(InputError, match="outside the repository"):
        migrations.find_downs(folder)


def test_find_downs_refuses_a_file_name_that_does_not_fit(tmp_path: Path) -> None:
    (tmp_path / "x.sql").write_text("")
    with pytest.raises(InputError) as caught:
        migrations.find_downs(tmp_path)
    assert caught.value.message == "rollback file name does not fit <version>_<name>.sql"
    assert caught.value.path == tmp_path / "x.sql"


def test_find_downs_refuses_two_files_of_one_version(tmp_path: Path) -> None:
    (tmp_path / "1_a.sql").write_text("")
    (tmp_path / "1_b.sql").write_text("")
    with pytest.raises(InputError) as caught:
        migrations.find_downs(tmp_path)
    assert caught.value.message == "version 1 has two down files, this and 1_a.sql"
    assert caught.value.path == tmp_path / "1_b.sql"


def test_find_downs_keeps_symlinks_inside_the_repository(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    folder = tmp_path / "rollbacks"
    folder.mkdir()
    outside = tmp_path.parent / f"{tmp_path.name}-d.sql"
    outside.write_text("")
    (folder / "1_a.sql").symlink_to(outside)
    with pytest.raises(InputError, match="outside the repository"):
        migrations.find_downs(folder)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("1_a\x1b.sql", "001B"),
        ("1_a\u202eb.sql", "202E"),
        ("1_a\rb\u200b.sql", "000D"),
        ("1_\U000e0041.sql", "E0041"),
    ],
)
@pytest.mark.parametrize("find", [migrations.discover, migrations.find_downs])
def test_a_file_name_with_an_invisible_character_is_refused_naming_the_first(
    tmp_path: Path, name: str, code: str, find: object
) -> None:
    (tmp_path / ".git").mkdir()
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / name).write_text("select 1;")
    assert callable(find)
    with pytest.raises(InputError) as caught:
        find(folder)
    assert caught.value.message == (
        f"file name holds an invisible or control character (U+{code}); rename the file"
    )
    assert caught.value.path == folder / name


def test_a_file_name_of_printable_unicode_is_read(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "1_café ü.sql").write_text("select 1;")
    assert [m.name for m in migrations.discover(tmp_path).migrations] == ["café ü"]
    assert list(migrations.find_downs(tmp_path)) == ["1"]


def test_outside_git_project_files_stay_in_the_folder_that_holds_supabase(tmp_path: Path) -> None:
    app = tmp_path / "repo" / "app"
    (app / "supabase" / "migrations").mkdir(parents=True)
    assert migrations.project_files_root(app / "supabase" / "migrations") == app.resolve()
    (tmp_path / "repo" / ".git").mkdir()  # a checkout above the project: its files may use it all
    assert migrations.project_files_root(app / "supabase" / "migrations") == (tmp_path / "repo").resolve()
