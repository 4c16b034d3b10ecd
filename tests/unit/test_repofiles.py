"""repofiles.py: only a regular file, only up to its limit, never outside the repository — each
refusal one line naming the file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from schemagate import repofiles
from schemagate.repofiles import MIB, UnreadableFile


def test_limits() -> None:
    assert (repofiles.SQL_LIMIT, repofiles.SEED_LIMIT, repofiles.CONFIG_LIMIT) == (10 * MIB, 32 * MIB, MIB)


def test_repository_root_is_the_nearest_folder_up_with_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "a" / "b").mkdir(parents=True)
    assert repofiles.repository_root(tmp_path / "repo" / "a" / "b" / "f") == tmp_path / "repo"
    assert repofiles.repository_root(tmp_path / "repo" / "f") == tmp_path / "repo"
    monkeypatch.chdir(tmp_path / "repo")
    assert repofiles.repository_root(Path("a/b/f")) == tmp_path / "repo"


def test_without_git_the_root_is_the_working_folder_or_the_file_s_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "w" / "a").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "w")
    assert repofiles.repository_root(tmp_path / "w" / "a" / "f") == tmp_path / "w"
    assert repofiles.repository_root(tmp_path / "w" / "f") == tmp_path / "w"
    assert repofiles.repository_root(tmp_path / "elsewhere" / "f") == tmp_path / "elsewhere"
    assert repofiles.repository_root(tmp_path / "wx" / "f") == tmp_path / "wx"


def test_read_limited_reads_a_file_up_to_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 5)
    assert repofiles.read_limited(path, 5) == b"x" * 5
    assert repofiles.read_limited(path, 5, root=tmp_path) == b"x" * 5
    big = tmp_path / "big"
    big.write_bytes(b"y" * (3 * MIB))  # more than one read's chunk
    assert repofiles.read_limited(big, 3 * MIB) == b"y" * (3 * MIB)
    (tmp_path / "empty").write_bytes(b"")
    assert repofiles.read_limited(tmp_path / "empty", 0) == b""


def test_read_limited_refuses_a_file_over_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * (MIB + MIB // 2))
    with pytest.raises(UnreadableFile) as caught:
        repofiles.read_limited(path, MIB + MIB // 2 - 1, advice="; split it")
    assert (caught.value.message, caught.value.path) == (
        "file is 1.5 MB, over the 1 MB limit; split it",
        path,
    )
    with pytest.raises(UnreadableFile) as bare:
        repofiles.read_limited(path, 3 * MIB // 2 - 1)
    assert bare.value.message == "file is 1.5 MB, over the 1 MB limit"


def test_read_limited_stops_at_the_limit_when_a_file_holds_more_than_it_says(tmp_path: Path) -> None:
    # /proc files say they are empty and are not: what is read is bounded, not what fstat says
    path = Path("/proc/self/cmdline")
    size = len(path.read_bytes())
    assert os.stat(path).st_size == 0 and size > 2
    assert repofiles.read_limited(path, size) == path.read_bytes()
    with pytest.raises(UnreadableFile) as caught:
        repofiles.read_limited(path, size - 1, advice="!")
    assert (caught.value.message, caught.value.path) == (
        f"file is growing, over the {(size - 1) / MIB:.0f} MB limit!",
        path,
    )
    with pytest.raises(UnreadableFile):
        repofiles.read_limited(path, size - 2)


@pytest.mark.timeout(5)
def test_read_limited_refuses_what_is_no_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")  # opened without blocking for a writer
    (tmp_path / "dir").mkdir()
    cases = {
        tmp_path / "fifo": "is a FIFO",
        tmp_path / "dir": "is a folder",
        Path("/dev/null"): "is a device",
    }
    for path, kind in cases.items():
        with pytest.raises(UnreadableFile) as caught:
            repofiles.read_limited(path, 10)
        assert (caught.value.message, caught.value.path) == (f"{kind}, not a regular file", path)


def test_read_limited_reads_one_byte_past_the_limit_however_short_the_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that grows while it is read, served a byte per read() (POSIX allows short reads): the
    byte past the limit is still asked for, and seen."""
    path = tmp_path / "f"
    path.write_bytes(b"12345")
    more = iter([b"1", b"2", b"3", b"4", b"5", b"6"])
    monkeypatch.setattr(os, "read", lambda fd, n: next(more, b"") if n > 0 else b"")
    with pytest.raises(UnreadableFile) as caught:
        repofiles.read_limited(path, 5)
    assert caught.value.message == "file is growing, over the 0 MB limit"


def test_open_refuses_a_symlink_swapped_in_for_the_resolved_name(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    (tmp_path / "swapped").symlink_to(tmp_path / "f")
    with pytest.raises(UnreadableFile) as caught:
        repofiles._open(tmp_path / "name", str(tmp_path / "swapped"))
    assert (caught.value.message, caught.value.path) == (f"cannot open: {os.strerror(40)}", tmp_path / "name")


def test_read_limited_refuses_a_missing_file_and_a_dangling_symlink(tmp_path: Path) -> None:
    (tmp_path / "dangling").symlink_to(tmp_path / "nothing")
    for path in (tmp_path / "missing", tmp_path / "dangling"):
        with pytest.raises(UnreadableFile) as caught:
            repofiles.read_limited(path, 10)
        assert (caught.value.message, caught.value.path) == ("file not found (a symlink to nothing?)", path)


def test_read_limited_refuses_a_file_it_may_not_open(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(UnreadableFile) as caught:
        repofiles.read_limited(loop, 10)
    assert (caught.value.message, caught.value.path) == (f"cannot open: {os.strerror(40)}", loop)


def test_symlinks_are_followed_inside_the_root_only(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    (root / "target").write_bytes(b"inside")
    (tmp_path / "outside").write_bytes(b"outside")
    (root / "sub" / "in").symlink_to(root / "target")
    (root / "sub" / "out").symlink_to(tmp_path / "outside")
    assert repofiles.read_limited(root / "sub" / "in", 10, root=root) == b"inside"
    assert repofiles.read_limited(root / "sub" / "out", 10) == b"outside"  # no root: no bound
    with pytest.raises(UnreadableFile) as caught:
        repofiles.read_limited(root / "sub" / "out", 10, root=root)
    assert (caught.value.message, caught.value.path) == (
        f"symlink points outside the repository ({root})",
        root / "sub" / "out",
    )


def test_a_path_through_a_symlinked_folder_out_of_the_root_is_refused_as_a_symlink(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (tmp_path / "away").mkdir()
    (tmp_path / "away" / "f").write_bytes(b"x")
    (root / "link").symlink_to(tmp_path / "away")
    with pytest.raises(UnreadableFile) as caught:
        repofiles.read_limited(root / "link" / "f", 10, root=root)
    assert caught.value.message == f"symlink points outside the repository ({root})"


def test_a_file_outside_the_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (tmp_path / "f").write_bytes(b"x")
    with pytest.raises(UnreadableFile) as caught:
        repofiles.read_limited(tmp_path / "f", 10, root=root)
    assert (caught.value.message, caught.value.path) == (
        f"file is outside the repository ({root})",
        tmp_path / "f",
    )


@pytest.mark.parametrize("through", ["directly", "by a symlink", "by a path up and back"])
def test_nothing_is_read_from_inside_git(tmp_path: Path, through: str) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "config").write_bytes(b"[http]\n\textraheader = AUTHORIZATION: basic x\n")
    (root / "tests").mkdir()
    named = {
        "directly": root / ".git" / "config",
        "by a symlink": root / "tests" / "config.sql",
        "by a path up and back": root / "tests" / ".." / ".git" / "config",
    }[through]
    if through == "by a symlink":
        named.symlink_to(root / ".git" / "config")
    with pytest.raises(UnreadableFile) as caught:
        repofiles.read_limited(named, 1000, root=root)
    assert (caught.value.message, caught.value.path) == (
        "is inside .git, which holds git's files, not the project's",
        named,
    )


def test_a_file_named_like_git_outside_the_git_folder_is_read(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / ".gitkeep.sql").write_bytes(b"select 1;")
    assert repofiles.read_limited(root / "docs" / ".gitkeep.sql", 100, root=root) == b"select 1;"


def test_a_root_that_is_itself_a_symlink_is_resolved(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "f").write_bytes(b"x")
    (tmp_path / "alias").symlink_to(tmp_path / "real")
    assert repofiles.read_limited(tmp_path / "real" / "f", 10, root=tmp_path / "alias") == b"x"
    assert repofiles.read_limited(tmp_path / "alias" / "f", 10, root=tmp_path / "alias") == b"x"


def test_read_repository_file_bounds_symlinks_by_the_checkout(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (tmp_path / "outside").write_bytes(b"outside")
    (root / "in").write_bytes(b"inside")
    (root / "out").symlink_to(tmp_path / "outside")
    assert repofiles.read_repository_file(root / "in", 10) == b"inside"
    with pytest.raises(UnreadableFile) as out:
        repofiles.read_repository_file(root / "out", 10)
    assert out.value.message == f"symlink points outside the repository ({root})"
    with pytest.raises(UnreadableFile) as caught:
        repofiles.read_repository_file(root / "in", 3, advice="!")
    assert caught.value.message == "file is 0.0 MB, over the 0 MB limit!"
    with pytest.raises(UnreadableFile) as plain:
        repofiles.read_repository_file(root / "in", 3)
    assert plain.value.message == "file is 0.0 MB, over the 0 MB limit"


def test_present_counts_a_dangling_symlink(tmp_path: Path) -> None:
    (tmp_path / "dangling").symlink_to(tmp_path / "nothing")
    assert repofiles.present(tmp_path / "dangling")
    assert not repofiles.present(tmp_path / "nothing")


def test_the_kinds_named() -> None:
    assert repofiles._KINDS[stat.S_IFBLK] == "a device" and repofiles._KINDS[stat.S_IFSOCK] == "a socket"


def test_display_path_is_relative_to_the_project_and_with_its_folder_to_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert repofiles.display_path(None) is None
    assert repofiles.display_path(Path("supabase/migrations/1_a.sql")) == "supabase/migrations/1_a.sql"
    assert repofiles.display_path(tmp_path / "supabase" / "1_a.sql") == "supabase/1_a.sql"
    # the project's folder, however the input wrote its slashes (and an X that strip must keep)
    assert repofiles.display_path(tmp_path / "1_a.sql", "/Xdb/") == "Xdb/1_a.sql"
    assert repofiles.display_path(Path("1_a.sql"), "Xdb") == "Xdb/1_a.sql"
    # outside the project: no folder in front of a path that leaves it
    assert repofiles.display_path(tmp_path.parent / "elsewhere.sql", "db") == "../elsewhere.sql"
    assert repofiles.display_path(Path("../up.sql"), "db") == "../up.sql"
