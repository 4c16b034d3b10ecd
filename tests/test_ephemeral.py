"""The throwaway server: found binaries, an unprivileged user under root, nothing left behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from conftest import Project
from schemagate.database.server import binaries
from schemagate.database.server.ephemeral import EphemeralPostgres


@pytest.fixture
def scratch_tmp() -> Iterator[Path]:
    """A TMPDIR the unprivileged server user can traverse (pytest's own is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="sg-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _uid_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError("no Uid line")


def test_starts_reports_its_version_and_leaves_nothing(
    scratch_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(scratch_tmp))
    found = binaries.find()
    with EphemeralPostgres(found) as pg:
        assert pg.workdir is not None and pg.workdir.parent == scratch_tmp
        assert pg.version.split(".")[0] == str(found.major)
        with pg.connect() as conn:
            assert conn.execute("select current_setting('server_version_num')::int / 10000").fetchone() == (
                found.major,
            )
        assert pg.process is not None
        if os.geteuid() == 0:
            assert _uid_of(pg.process.pid) != 0  # PostgreSQL refuses root: we ran it as someone else
        process = pg.process
    assert process.poll() is not None
    assert list(scratch_tmp.iterdir()) == []


def test_removed_when_the_block_raises(scratch_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(scratch_tmp))
    with pytest.raises(RuntimeError), EphemeralPostgres(binaries.find()) as pg:
        process = pg.process
        raise RuntimeError("boom")
    assert process is not None and process.poll() is not None
    assert list(scratch_tmp.iterdir()) == []


def test_pgserver_binaries_work_when_named(scratch_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = binaries.pgserver_bindir()
    if bundled is None:
        pytest.skip("pgserver is not installed")
    monkeypatch.setattr(tempfile, "tempdir", str(scratch_tmp))
    monkeypatch.setenv("PG_BIN", str(bundled))
    found = binaries.find()
    assert found.source == "PG_BIN"
    with EphemeralPostgres(found) as pg, pg.connect() as conn:
        assert conn.execute("select 1").fetchone() == (1,)
    assert list(scratch_tmp.iterdir()) == []


def test_named_binaries_that_do_not_exist_are_an_error(tmp_path: Path) -> None:
    from schemagate.errors import InputError

    with pytest.raises(InputError, match="no PostgreSQL server binaries"):
        binaries.find(str(tmp_path))


def _wait_for_sleeping_migration(scratch: Path, process: subprocess.Popen[str]) -> None:
    """Block until the throwaway server is running the migration's pg_sleep."""
    while True:
        assert process.poll() is None, process.communicate()
        pidfiles = list(scratch.glob("schemagate-pg-*/data/postmaster.pid"))
        if pidfiles:
            try:
                lines = pidfiles[0].read_text().splitlines()
                port = int(lines[3])
                # the migration role sees its own sessions; the superuser needs the run's password
                url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
                with psycopg.connect(url, connect_timeout=2) as conn:
                    row = conn.execute(
                        "select count(*) from pg_stat_activity where query like '%pg_sleep%' "
                        "and pid <> pg_backend_pid()"
                    ).fetchone()
                    if row and row[0]:
                        return
            except (psycopg.OperationalError, IndexError, ValueError, FileNotFoundError):
                pass


@pytest.mark.parametrize(
    ("sig", "code", "message"),
    [
        (signal.SIGINT, 130, "interrupted"),
        (signal.SIGTERM, 143, "terminated (SIGTERM)"),
    ],
)
def test_signal_during_local_cleans_up(
    project: Project, scratch_tmp: Path, sig: int, code: int, message: str
) -> None:
    project.write("1_slow.sql", "create table t (id int);\nselect pg_sleep(60);")
    process = subprocess.Popen(
        [sys.executable, "-m", "schemagate.cli", "local"],
        cwd=project.root,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(scratch_tmp)},
    )
    try:
        _wait_for_sleeping_migration(scratch_tmp, process)
        process.send_signal(sig)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == code, err
    assert message in err and "rolled back" in err
    assert "Traceback" not in err
    assert list(scratch_tmp.iterdir()) == []  # server stopped, its files removed


def test_initdb_is_cached_once_and_reused(scratch_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache_root = scratch_tmp / "cache"
    monkeypatch.setenv("SCHEMAGATE_CACHE_DIR", str(cache_root))
    found = binaries.find()
    with EphemeralPostgres(found) as pg, pg.connect() as conn:
        conn.execute("create table only_in_this_server (id int)")
    (template,) = list(cache_root.glob("initdb-*"))
    built = template.stat().st_mtime_ns
    with EphemeralPostgres(found) as pg, pg.connect() as conn:
        assert conn.execute("select to_regclass('only_in_this_server')").fetchone() == (None,)
    assert list(cache_root.glob("initdb-*")) == [template]
    assert template.stat().st_mtime_ns == built  # reused, not rebuilt


def test_a_cache_others_can_write_is_not_used(scratch_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from schemagate.database.server import cache

    shared = scratch_tmp / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("SCHEMAGATE_CACHE_DIR", str(shared))
    assert cache.cache_dir() is None
    with EphemeralPostgres(binaries.find()) as pg, pg.connect() as conn:
        assert conn.execute("select 1").fetchone() == (1,)
    assert list(shared.iterdir()) == []
