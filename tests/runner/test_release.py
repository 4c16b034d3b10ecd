"""The release workflow (.github/workflows/release.yml) run under act on a version tag, up to the
push: the version job computes the image and its tags from the tag, the image job asks build-push
for exactly those tags, the package job builds the sdist and wheel it hands to the PyPI upload,
and the major-tag job moves `v<major>`. Nothing leaves this machine.

What act cannot fetch or must not do is swapped, as for the examples (actrunner.py):

- the marketplace actions go to the stand-ins of tests/runner/standins, which record what they
  were asked into `.standins/` of the working tree and build, log in to and upload nothing;
- the job image (the Action's own, for `ubuntu-latest`) has no `python` of the version the
  workflow sets up and no pip: this machine's own Python is bound into the jobs, read-only at its
  own path, and put first on PATH (the setup-python stand-in checks its version);
- GitHub's runner has a sudo, the image has none: the recording sudo of standins/runner;
- the repository is a copy of this one's tracked files whose origin is
  github.com/schemagate/schemagate (act reads `github.repository` from it) but whose pushes go to
  a bare repository of the test's (git's `pushInsteadOf`), also bound into the job.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from actrunner import (
    ROOT,
    STANDINS,
    Act,
    ActRun,
    commit,
    git,
    require_runner,
    started_act,
)
from fakegithub import TOKEN, FakeGitHub

require_runner()

OWNER = "schemagate"
GITHUB_URL = f"https://github.com/{OWNER}/schemagate.git"
IMAGE_NAME = f"ghcr.io/{OWNER}/schemagate"
ACTOR = "release-manager"  # who pushed the tag: github.actor, the registry login's user
PYTHON = Path(sys.base_prefix)  # this machine's Python, with pip and build
JOB_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # the image's PATH


def package_version() -> str:
    found = re.search(r'__version__ = "([^"]+)"', (ROOT / "src/schemagate/__init__.py").read_text())
    assert found, "src/schemagate/__init__.py names no __version__"
    return found[1]


VERSION = package_version()


@dataclass
class Release:
    repo: Path
    remote: Path  # where `git push origin` lands
    head: str


@pytest.fixture(scope="module")
def act(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Act]:
    yield from started_act(tmp_path_factory)


def release_repository(tmp_path: Path, tag: str) -> Release:
    """This repository's tracked files (as the working tree has them) in a repository of their own,
    one commit, tagged."""
    repo, remote = tmp_path / "schemagate", tmp_path / "remote.git"
    for name in filter(None, git(ROOT, "ls-files", "-z").split("\0")):
        source = ROOT / name
        if source.is_file() or source.is_symlink():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name, follow_symlinks=False)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "remote", "add", "origin", GITHUB_URL)
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "config", f"url.{remote}.pushInsteadOf", GITHUB_URL)
    head = commit(repo, "release")
    git(repo, "tag", tag)
    return Release(repo, remote, head)


def run_release(act: Act, release: Release, tag: str, github: FakeGitHub) -> ActRun:
    binds = [f"{PYTHON}:{PYTHON}:ro", f"{release.remote}:{release.remote}"]
    binds.append(f"{STANDINS / 'runner' / 'bin' / 'sudo'}:/usr/local/bin/sudo:ro")
    event = {
        "ref": f"refs/tags/{tag}",
        "after": release.head,
        "repository": {"full_name": f"{OWNER}/schemagate", "default_branch": "main"},
    }
    options = [
        f"--container-options={' '.join(f'-v {b}' for b in binds)}",
        f"--env=PATH={PYTHON / 'bin'}:{JOB_PATH}",
        f"--actor={ACTOR}",
    ]
    return act.run(release.repo, "release.yml", "push", event, github, options=options)


def recorded(release: Release, name: str) -> list[str]:
    path = release.repo / ".standins" / name
    return path.read_text().splitlines() if path.exists() else []


def recorded_builds(release: Release) -> list[dict[str, object]]:
    return [json.loads(line) for line in recorded(release, "build-push.jsonl")]


def pushed_refs(release: Release) -> dict[str, str]:
    """The refs the bare remote holds: what `git push` sent it."""
    lines = git(release.remote, "for-each-ref", "--format=%(refname) %(objectname)").splitlines()
    return {ref: sha for ref, sha in (line.split(" ") for line in lines)}


@pytest.mark.timeout(900)
def test_a_version_tag_computes_the_tags_and_builds_what_it_would_publish(
    act: Act, tmp_path: Path, github: FakeGitHub
) -> None:
    tag = f"v{VERSION}"
    assert f"## {VERSION} " in (ROOT / "CHANGELOG.md").read_text()  # the release's own check
    release = release_repository(tmp_path, tag)
    run = run_release(act, release, tag, github)
    assert run.code == 0, run.log
    major = VERSION.split(".")[0]
    assert run.outputs("version") == {"image": IMAGE_NAME, "version": VERSION, "major": major}, run.log

    # the image job: the runner's own build is loaded and tested before the push build
    loaded, pushed = recorded_builds(release)
    assert loaded == {
        "context": ".",
        "platforms": [],
        "tags": ["schemagate:release"],
        "labels": [],
        "push": False,
        "load": True,
    }
    # the container tests ran (by sudo, as the workflow says) on the image just loaded
    assert recorded(release, "sudo.txt") == [
        "CI=true SCHEMAGATE_CONTAINER_ENGINE=docker SCHEMAGATE_TEST_IMAGE=schemagate:release"
        " bash .ci/run tests/container"
    ]
    assert recorded(release, "login.jsonl") == [
        json.dumps({"registry": "ghcr.io", "username": ACTOR, "password": True})
    ]
    assert pushed == {
        "context": ".",
        "platforms": ["linux/amd64", "linux/arm64"],
        "tags": [f"{IMAGE_NAME}:{VERSION}", f"{IMAGE_NAME}:{major}"],
        "labels": [
            f"org.opencontainers.image.source=https://github.com/{OWNER}/schemagate",
            f"org.opencontainers.image.version={VERSION}",
            f"org.opencontainers.image.revision={release.head}",
        ],
        "push": True,
        "load": False,
    }
    # action.yml at this tag pulls the first of the pushed tags
    assert f"image: docker://{IMAGE_NAME}:{VERSION}" in (release.repo / "action.yml").read_text()

    # the package job: the sdist and the wheel of this version, handed to the upload
    built = sorted(p.name for p in (release.repo / "dist").iterdir())
    assert built == [f"schemagate_pg-{VERSION}-py3-none-any.whl", f"schemagate_pg-{VERSION}.tar.gz"]
    assert recorded(release, "pypi-publish.txt") == built

    # the major-tag job moved v<major> to the tagged commit, and pushed nothing else
    assert pushed_refs(release) == {f"refs/tags/v{major}": release.head}
    assert all(TOKEN not in p.read_text() for p in (release.repo / ".standins").iterdir())


@pytest.mark.timeout(600)
def test_a_tag_the_package_disagrees_with_stops_the_release_before_anything_is_built(
    act: Act, tmp_path: Path, github: FakeGitHub
) -> None:
    release = release_repository(tmp_path, "v9.9.9")
    run = run_release(act, release, "v9.9.9", github)
    assert run.code != 0, run.log
    assert "::error file=src/schemagate/__init__.py::the tag is v9.9.9 but" in run.log, run.log
    assert "[release/version] 🏁  Job failed" in run.log, run.log
    assert not (release.repo / ".standins").exists(), run.log  # no build, login, upload or sudo
    assert not (release.repo / "dist").exists()
    assert pushed_refs(release) == {}
