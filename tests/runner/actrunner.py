"""The shipped example workflows, run by act (nektos/act, the GitHub Actions runner emulator) as a
user's repository would run them: act reads the workflow, evaluates its expressions, runs each job in
a container, reads the Action's action.yml and starts its image as a Docker action, and passes the
step's outputs to the next step.

What a machine without GitHub cannot fetch is swapped in with act's own option, so the workflow
files are used as shipped:

- `uses: schemagate/schemagate@<ref>`: `--local-repository` points it at a folder holding this
  repository's action.yml with its `image:` naming the image `.ci/run` built
  (SCHEMAGATE_TEST_IMAGE), for whichever refs the examples name;
- `uses: actions/checkout@...`: act skips it and binds (`--bind`) the working tree, a git
  repository with its base commit, into the job;
- other marketplace actions: `--local-repository` points each at a stand-in of tests/runner/standins
  (upload-artifact copies the files it is given into `.artifacts/<name>/` of the working tree; cache
  restores `.artifacts/cache/<key>/` when a test put one there and otherwise misses). An
  example naming an action without a stand-in fails: act cannot fetch it.

act drives podman through its Docker-compatible API, served by `podman system service` on a socket
of the test session's own. Jobs run in the Action's image (it has bash and python3; `ubuntu-latest`
is mapped to it), on the host's network (act's default), so the Action reaches the fake GitHub API
and the "production" PostgreSQL of the suite at 127.0.0.1.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from fakegithub import TOKEN, FakeGitHub

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / "examples" / "workflows"
STANDINS = Path(__file__).resolve().parent / "standins"
IMAGE = os.environ.get("SCHEMAGATE_TEST_IMAGE", "")
REPOSITORY = "acme/app"
# act prints each output a step set as `[workflow/job]   ⚙  ::set-output:: name=value`
_OUTPUT_LINE = re.compile(r"^\[(?P<job>[^\]]+)\]\s+⚙\s+::set-output:: (?P<name>[\w-]+)=(?P<value>.*)$")
_ACTION_USE = re.compile(r"uses:\s*schemagate/schemagate@(\S+)")
_MARKETPLACE_USE = re.compile(r"uses:\s*([\w.-]+/[\w.-]+)@(\S+)")


@dataclass
class ActRun:
    code: int
    log: str

    def outputs(self, job: str) -> dict[str, str]:
        """The outputs act reported for the job's steps (`workflow/job` or `workflow/job-N` for a
        matrix entry), later steps' values over earlier ones'."""
        found: dict[str, str] = {}
        for line in self.log.splitlines():
            match = _OUTPUT_LINE.match(line)
            if match and match["job"].split("/", 1)[1] == job:
                found[match["name"]] = match["value"]
        return found


@contextmanager
def podman_service(folder: Path) -> Iterator[str]:
    """`podman system service` on a socket this process binds first and hands over (socket
    activation, as systemd does): it accepts connections from the start, so nothing waits for the
    service to come up. Yields the DOCKER_HOST value; with docker as the engine (the project's GitHub
    CI), docker's own socket."""
    if os.environ.get("SCHEMAGATE_CONTAINER_ENGINE", "podman") == "docker":
        yield os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        return
    path = folder / "podman.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.listen(64)
    fd = listener.fileno()
    # the service expects the socket as fd 3 and LISTEN_PID to be its own pid: exec keeps the shell's
    # (when the socket already is fd 3, moving it there would close it)
    move = "" if fd == 3 else f"exec 3<&{fd} {fd}<&-; "
    script = f"{move}LISTEN_PID=$$ LISTEN_FDS=1 exec podman system service --time=0"
    service = subprocess.Popen(
        ["bash", "-c", script], pass_fds=[fd], stdout=subprocess.DEVNULL, preexec_fn=_die_with_parent
    )
    listener.close()
    try:
        yield f"unix://{path}"
    finally:
        service.terminate()
        service.wait(timeout=60)


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the test session ends without its cleanup (killed),
    so that no service outlives it (prctl PR_SET_PDEATHSIG, which survives exec)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def action_folder(folder: Path, image: str) -> Path:
    """This repository's action.yml with its published image swapped for the one under test."""
    text = (ROOT / "action.yml").read_text()
    swapped, count = re.subn(r"(?m)^(\s+image:\s*)docker://\S+$", rf"\g<1>docker://{image}", text)
    assert count == 1, "action.yml's runs.image no longer names a docker:// image"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "action.yml").write_text(swapped)
    return folder


def started_act(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Act]:
    """act with its own podman service and this repository's Action on the image under test: the
    body of each test module's `act` fixture."""
    folder = tmp_path_factory.mktemp("act")
    with podman_service(folder) as docker_host:
        yield Act(docker_host, IMAGE, action_folder(folder / "action", IMAGE))


def local_repositories(workflow: Path, action: Path) -> list[str]:
    """--local-repository options for the actions the workflow names (other than checkout)."""
    text = workflow.read_text()
    options = [
        f"--local-repository=schemagate/schemagate@{ref}={action}" for ref in _ACTION_USE.findall(text)
    ]
    for name, ref in _MARKETPLACE_USE.findall(text):
        if name in {"schemagate/schemagate", "actions/checkout"}:
            continue
        standin = STANDINS / name.replace("/", "-")
        options.append(f"--local-repository={name}@{ref}={standin}")
    return options


@dataclass
class Act:
    docker_host: str
    image: str
    action: Path

    def run(
        self,
        repo: Path,
        workflow: str,
        event: str,
        payload: Mapping[str, object],
        github: FakeGitHub,
        secrets: Mapping[str, str] | None = None,
        options: Sequence[str] = (),
    ) -> ActRun:
        """`act <event>` on one workflow of the repository's .github/workflows/, with act's own
        `options` added."""
        event_path = repo.parent / f"{event}.json"
        event_path.write_text(json.dumps(payload))
        values = {"GITHUB_TOKEN": TOKEN, **(secrets or {})}
        command = ["act", event, "-W", f".github/workflows/{workflow}", "-e", str(event_path)]
        command += [f"-P=ubuntu-latest={self.image}", "--pull=false", "--bind", "--rm"]
        command += [f"--env=GITHUB_API_URL={github.url}", "--env=SCHEMAGATE_GITHUB_BACKOFF=0"]
        command += ["--container-daemon-socket=-"]  # the job needs no engine of its own
        command += local_repositories(repo / ".github" / "workflows" / workflow, self.action)
        command += options
        command += [f"--secret={name}" for name in values]  # values from the environment, not argv
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "ACT"))}
        env |= {"DOCKER_HOST": self.docker_host, **values}
        with _one_act_at_a_time():
            done = subprocess.run(
                command,
                cwd=repo,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=600,
            )
        return ActRun(done.returncode, done.stdout)


@contextmanager
def _one_act_at_a_time() -> Iterator[None]:
    """act names a job's container after the workflow and the job alone, and podman's store is the
    machine's: two runs of one workflow at once (two xdist workers, two sessions) would collide on
    that name. A lock file of the machine's makes them wait for each other."""
    with (Path(tempfile.gettempdir()) / "schemagate-act.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


def new_repository(root: Path, project: Path, workflows: list[str], folders: list[str] | None = None) -> str:
    """A user's repository: the project (in each of `folders`, else at the root), the example
    workflows copied into .github/workflows/ as their first line says, one commit, GitHub as its
    remote. Returns the commit."""
    root.mkdir(parents=True)
    for folder in folders or ["."]:
        shutil.copytree(project, root / folder, dirs_exist_ok=True)
    (root / ".github" / "workflows").mkdir(parents=True)
    for name in workflows:
        shutil.copy(WORKFLOWS / name, root / ".github" / "workflows" / name)
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin", f"https://github.com/{REPOSITORY}.git")  # act's GITHUB_REPOSITORY
    return commit(root, "base")


def commit(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "-c", "user.email=dev@example.invalid", "-c", "user.name=dev", "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


def require_runner() -> None:
    """Skip without the image or act; under .ci/run (SCHEMAGATE_REQUIRE_CONTAINER) fail instead."""
    missing = [
        what for what, ok in (("the image", bool(IMAGE)), ("act", bool(shutil.which("act")))) if not ok
    ]
    if not missing:
        return
    message = f"{' and '.join(missing)} missing (.ci/run installs act and builds the image)"
    if os.environ.get("SCHEMAGATE_REQUIRE_CONTAINER"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message, allow_module_level=True)
