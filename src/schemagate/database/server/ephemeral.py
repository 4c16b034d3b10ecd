"""A throwaway PostgreSQL cluster: its own temp directory, random port, gone on exit.

PostgreSQL refuses to run as root, and containers run as root, so when we are root the cluster is
created and run as an unprivileged user (SCHEMAGATE_PG_USER, else `postgres`, else `nobody`).
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import psycopg
from psycopg import sql

from schemagate import secrets
from schemagate.database.server import cache, extensions, logins
from schemagate.database.server.binaries import PgBinaries
from schemagate.errors import SchemagateError

READY_TIMEOUT_S = 30.0
# A throwaway cluster needs no durability; these make start and DDL several times faster.
_FAST = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "50",
    "shared_buffers": "64MB",
    "log_min_messages": "fatal",
}
# What the PR's SQL may take of the runner: temp_file_limit is a superuser's setting, which the
# migration role (a non-superuser) cannot raise; time is bounded by the check's watchdog.
_BOUNDS = {"temp_file_limit": "1GB"}


@dataclass(frozen=True)
class RunAs:
    uid: int
    gid: int
    name: str


def unprivileged_user() -> RunAs | None:
    """Who the server runs as when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in (os.environ.get("SCHEMAGATE_PG_USER"), "postgres", "nobody"):
        if not name:
            continue
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        if entry.pw_uid != 0:
            return RunAs(entry.pw_uid, entry.pw_gid, name)
    raise SchemagateError("running as root and no unprivileged user exists to run PostgreSQL")


def server_environment() -> dict[str, str]:
    """What the server's processes see of ours: no token, URL or other secret of the job, which a
    migration reading its environment (COPY ... FROM PROGRAM, as any superuser could) would find."""
    kept = {"PATH": os.environ.get("PATH") or os.defpath, "LC_ALL": "C", "LANG": "C"}
    for name in ("TZ", "LD_LIBRARY_PATH", "TMPDIR"):
        if os.environ.get(name):
            kept[name] = os.environ[name]
    return kept


def _reachable_by_others(path: Path) -> bool:
    return all(os.stat(p).st_mode & 0o001 for p in (path, *path.parents))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EphemeralPostgres:
    """Start with `with EphemeralPostgres(binaries) as pg:`; everything is removed afterwards."""

    def __init__(
        self,
        binaries: PgBinaries,
        *,
        superuser: str = "postgres",
        supabase: bool = False,
        pins: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        self.binaries = binaries
        self.superuser = superuser
        self.supabase = supabase  # run from an overlay with Supabase's extensions (real or stand-in)
        self.pins = pins  # extension versions the migrations ask for
        self.notes: list[str] = []
        self.run_as = unprivileged_user()
        self.port = 0
        self.workdir: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.version = ""
        self.startup_seconds = 0.0
        self._password: str | None = None  # the superuser's, once require_password() ran

    # lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> EphemeralPostgres:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        began = time.monotonic()
        self.workdir = Path(tempfile.mkdtemp(prefix="schemagate-pg-"))
        atexit.register(self.stop)
        bindir = self._bindir_for_server()
        data = self.workdir / "data"
        if self.run_as:
            os.chown(self.workdir, self.run_as.uid, self.run_as.gid)
        self._make_cluster(bindir, data)
        made = extensions.overlay(bindir, self.workdir, sorted(self.pins)) if self.supabase else None
        server_bindir = made.bindir if made else bindir
        self.notes = made.notes if made else []
        preload = extensions.preload(bindir) if self.supabase else []
        self.port = _free_port()
        logins.write_logins(self._hba_file, logins.OPEN_LOGINS, self._owner())
        user, group, extra = self._as_user()
        self.process = subprocess.Popen(
            self._server_command(server_bindir, data, preload),
            env=server_environment(),
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "server.log", "wb"),  # noqa: SIM115 - closed with the process
            start_new_session=True,  # Ctrl-C reaches us, and we stop the server in order
            user=user,
            group=group,
            extra_groups=extra,
        )
        self._wait_ready()
        self.version = self.binaries.version
        self.startup_seconds = time.monotonic() - began

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGQUIT)  # immediate shutdown: nothing here is worth keeping
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        workdir, self.workdir = self.workdir, None
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)

    # connection ------------------------------------------------------------------------------
    @property
    def socket_dir(self) -> Path:
        assert self.workdir is not None, "server not started"
        return self.workdir

    def url(self, user: str | None = None, dbname: str = "postgres") -> str:
        login = user or self.superuser
        password = f":{self._password}" if self._password and login == self.superuser else ""
        return f"postgresql://{login}{password}@127.0.0.1:{self.port}/{dbname}"

    def require_password(self) -> None:
        """From now on every superuser logs in with a password, and only ours has one. Run it
        before any SQL that is not ours reaches the server."""
        password = logins.new_password()
        secrets.register(password)
        with self.connect() as conn:
            verifier = logins.scram_verifier(password)
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(self.superuser), sql.Literal(verifier)
                )
            )
            names = [str(r[0]) for r in conn.execute(b"SELECT rolname FROM pg_roles WHERE rolsuper")]
            logins.write_logins(self._hba_file, logins.guarded_logins(names), self._owner())
            reloaded = conn.execute(b"SELECT pg_reload_conf()").fetchone()
        if not reloaded or reloaded[0] is not True:
            raise SchemagateError("the throwaway server did not reload its login rules")
        self._password = password

    def connect(
        self, dbname: str = "postgres", user: str | None = None
    ) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.url(user, dbname), autocommit=True, prepare_threshold=None)

    # internals -------------------------------------------------------------------------------
    @property
    def _hba_file(self) -> Path:
        assert self.workdir is not None, "server not started"
        return self.workdir / "pg_hba.conf"

    def _owner(self) -> tuple[int, int] | None:
        return (self.run_as.uid, self.run_as.gid) if self.run_as else None

    def _as_user(self) -> tuple[int | None, int | None, list[int] | None]:
        """user, group and extra_groups for subprocess: the unprivileged user when we are root."""
        if self.run_as is None:
            return None, None, None
        return self.run_as.uid, self.run_as.gid, []

    def _initdb(self, bindir: Path, data: Path, *, sync: bool = False) -> None:
        command = [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            self.superuser,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
        ]
        self._run(command if sync else [*command, "-N"])

    def _make_cluster(self, bindir: Path, data: Path) -> None:
        """Copy a cached initdb of these binaries (fast), else run initdb here."""
        owner = self.run_as

        def build(staging: Path) -> None:
            if owner:
                os.chown(staging, owner.uid, owner.gid)
            self._initdb(bindir, staging / "data", sync=True)

        key = cache.key_for(str(bindir.resolve()), self.binaries.version, self.superuser, str(owner))
        template = cache.build_once(f"initdb-{key}", build)
        if template is None:
            self._initdb(bindir, data)
            return
        shutil.copytree(template / "data", data, symlinks=True)
        if owner:
            for path in (data, *data.rglob("*")):
                os.lchown(path, owner.uid, owner.gid)
        data.chmod(0o700)

    def _bindir_for_server(self) -> Path:
        """Binaries under /root cannot be run by the unprivileged user: run a readable copy.

        pgserver's binaries find their libraries through an RPATH relative to the package, so the
        copy keeps `<package>/<install>` and its `<package>.libs` sibling in the same places.
        """
        bindir = self.binaries.bindir
        if self.run_as is None or _reachable_by_others(bindir):
            return bindir
        install = bindir.parent
        package = install.parent
        libs = package.parent / f"{package.name}.libs"

        def build(staging: Path) -> None:
            staging.chmod(0o755)
            shutil.copytree(install, staging / package.name / install.name, symlinks=True)
            if libs.is_dir():
                shutil.copytree(libs, staging / libs.name, symlinks=True)

        copy = cache.build_once(f"bin-{cache.key_for(str(bindir.resolve()))}", build)
        if copy is None or not _reachable_by_others(copy):
            assert self.workdir is not None
            copy = self.workdir / "pg"
            build(copy)
        return copy / package.name / install.name / bindir.name

    def _server_command(self, bindir: Path, data: Path, preload: list[str]) -> list[str]:
        settings = {
            **_FAST,
            **_BOUNDS,
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.workdir),
            # outside the data folder, which a cache may copy from server to server
            "hba_file": str(self._hba_file),
        }
        if preload:
            settings["shared_preload_libraries"] = ",".join(preload)
        command = [str(bindir / "postgres"), "-D", str(data)]
        for key, value in settings.items():
            command += ["-c", f"{key}={value}"]
        return command

    def _run(self, command: list[str]) -> None:
        user, group, extra = self._as_user()
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            user=user,
            group=group,
            extra_groups=extra,
            env=server_environment(),
        )
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise SchemagateError(
                f"{Path(command[0]).name} failed: {detail[-1] if detail else result.returncode}"
            )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise SchemagateError(f"PostgreSQL exited while starting: {self._log_tail()}")
            try:
                with psycopg.connect(self.url(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise SchemagateError(f"PostgreSQL did not become ready: {self._log_tail()}") from None
                time.sleep(0.02)

    def _log_tail(self) -> str:
        assert self.workdir is not None
        log = self.workdir / "server.log"
        lines = log.read_text(errors="replace").strip().splitlines() if log.exists() else []
        return lines[-1] if lines else "no log"
