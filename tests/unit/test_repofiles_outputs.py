"""repofiles.output_folder and write_output: a report is written only into real folders and only over
a regular file, never through a symlink the checkout may hold, and always redacted."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from unitcheck import forget_secrets

from schemagate import repofiles, secrets
from schemagate.repofiles import UnwritableOutput

THROUGH = "is a symlink; schemagate never writes through one"


@pytest.fixture(autouse=True)
def _no_umask() -> Iterator[None]:
    """Modes as the code asks for them, whatever the runner's umask takes away."""
    before = os.umask(0)
    forget_secrets()
    yield
    os.umask(before)
    forget_secrets()


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def refusal(caught: pytest.ExceptionInfo[UnwritableOutput]) -> tuple[str, Path | None]:
    return caught.value.message, caught.value.path


def test_output_folder_makes_every_missing_folder_below_under(tmp_path: Path) -> None:
    made = repofiles.output_folder(tmp_path / "a" / "b", under=tmp_path)
    assert made == tmp_path / "a" / "b"
    assert mode(tmp_path / "a") == mode(made) == 0o755
    assert repofiles.output_folder(made, under=tmp_path) == made  # already there: fine


def test_output_folder_without_under_makes_the_parents_too(tmp_path: Path) -> None:
    made = repofiles.output_folder(tmp_path / "x" / "y" / "z")
    assert made.is_dir() and mode(made) == 0o755


def test_output_folder_is_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert repofiles.output_folder(Path("out"), under=Path(".")) == tmp_path / "out"
    assert repofiles.output_folder(Path("other")) == tmp_path / "other"
    assert (tmp_path / "out").is_dir() and (tmp_path / "other").is_dir()


def test_output_folder_refuses_a_symlink_as_the_folder(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "out").symlink_to(tmp_path / "home")
    for under in (tmp_path, None):
        with pytest.raises(UnwritableOutput) as caught:
            repofiles.output_folder(tmp_path / "out", under=under)
        assert refusal(caught) == (THROUGH, tmp_path / "out")


def test_output_folder_refuses_a_dangling_symlink(tmp_path: Path) -> None:
    (tmp_path / "out").symlink_to(tmp_path / "nowhere")
    with pytest.raises(UnwritableOutput) as caught:
        repofiles.output_folder(tmp_path / "out", under=tmp_path)
    assert refusal(caught) == (THROUGH, tmp_path / "out")
    assert not (tmp_path / "nowhere").exists()


def test_output_folder_refuses_a_symlink_between_under_and_the_folder(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "link").symlink_to(tmp_path / "real")
    with pytest.raises(UnwritableOutput) as caught:
        repofiles.output_folder(tmp_path / "repo" / "link" / "out", under=tmp_path / "repo")
    assert refusal(caught) == (THROUGH, tmp_path / "repo" / "link")
    assert not (tmp_path / "real" / "out").exists()


def test_output_folder_trusts_what_is_above_under(tmp_path: Path) -> None:
    """`under` and the folders above it are the caller's (the workspace may be a symlink)."""
    (tmp_path / "real").mkdir()
    (tmp_path / "repo").symlink_to(tmp_path / "real")
    made = repofiles.output_folder(tmp_path / "repo" / "out", under=tmp_path / "repo")
    assert made == tmp_path / "repo" / "out" and (tmp_path / "real" / "out").is_dir()
    (tmp_path / "up").symlink_to(tmp_path / "real")
    assert repofiles.output_folder(tmp_path / "up" / "o2").is_dir()  # without under: only the folder


def test_output_folder_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("x")
    for folder in (tmp_path / "a", tmp_path / "a" / "b"):
        with pytest.raises(UnwritableOutput) as caught:
            repofiles.output_folder(folder, under=tmp_path)
        assert refusal(caught) == ("is not a folder", tmp_path / "a")


def test_write_output_writes_the_text_redacted(tmp_path: Path) -> None:
    secrets.register("hunter2")
    path = tmp_path / "report.json"
    repofiles.write_output(path, "é hunter2 " + "x" * 100_000)
    assert path.read_bytes() == ("é *** " + "x" * 100_000).encode("utf-8")
    assert mode(path) == 0o644


def test_write_output_replaces_a_longer_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("an older, longer report")
    os.chmod(path, 0o600)
    repofiles.write_output(path, "new")
    assert path.read_text() == "new" and mode(path) == 0o600
    repofiles.write_output(path, "")
    assert path.read_bytes() == b""


@pytest.mark.parametrize("dangling", [False, True])
def test_write_output_refuses_a_symlink(tmp_path: Path, dangling: bool) -> None:
    target = tmp_path / "victim"
    if not dangling:
        target.write_text("keep")
    (tmp_path / "report.json").symlink_to(target)
    with pytest.raises(UnwritableOutput) as caught:
        repofiles.write_output(tmp_path / "report.json", "x")
    assert refusal(caught) == (f"cannot write the report: {THROUGH}", tmp_path / "report.json")
    assert (target.read_text() == "keep") if not dangling else not target.exists()


def test_write_output_refuses_a_folder(tmp_path: Path) -> None:
    with pytest.raises(UnwritableOutput) as caught:
        repofiles.write_output(tmp_path, "x")
    assert refusal(caught) == ("cannot write the report: Is a directory", tmp_path)


@pytest.mark.timeout(5)
def test_write_output_refuses_a_fifo_without_waiting_for_a_reader(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(UnwritableOutput) as caught:
        repofiles.write_output(tmp_path / "fifo", "x")
    assert refusal(caught) == ("cannot write the report: No such device or address", tmp_path / "fifo")


@pytest.mark.timeout(5)
def test_write_output_writes_only_over_a_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    reader = os.open(tmp_path / "fifo", os.O_RDONLY | os.O_NONBLOCK)  # so that the open succeeds
    try:
        with pytest.raises(UnwritableOutput) as caught:
            repofiles.write_output(tmp_path / "fifo", "x")
        assert refusal(caught) == ("cannot write the report: not a regular file", tmp_path / "fifo")
        assert os.read(reader, 1) == b""  # nothing was written, and the writer is gone
    finally:
        os.close(reader)


def test_write_output_leaves_no_descriptor_open(tmp_path: Path) -> None:
    before = set(os.listdir("/proc/self/fd"))
    repofiles.write_output(tmp_path / "a", "x")
    with pytest.raises(UnwritableOutput):
        repofiles.write_output(Path("/dev/null"), "x")
    assert set(os.listdir("/proc/self/fd")) == before
