"""What users reference by name: action.yml, its from-source twin, the release's version check and
the pre-commit hook. Each is checked against what it points at."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from actionrun import ROOT
from conftest import EXAMPLE
from schemagate import __version__
from schemagate.action import OUTPUTS
from schemagate.action.runner import INPUTS

RELEASE = ROOT / ".github" / "scripts" / "release_version.py"


def _load(path: Path) -> dict[str, object]:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_action_yml_declares_exactly_the_entrypoints_inputs_and_outputs() -> None:
    action = _load(ROOT / "action.yml")
    inputs, outputs = action["inputs"], action["outputs"]
    assert isinstance(inputs, dict) and isinstance(outputs, dict)
    assert sorted(inputs) == sorted(INPUTS)
    assert sorted(outputs) == sorted(OUTPUTS)
    assert all(spec.get("description") for spec in inputs.values())
    assert inputs["github-token"]["default"] == "${{ github.token }}"


def test_action_yml_pulls_the_image_of_this_version() -> None:
    runs = _load(ROOT / "action.yml")["runs"]
    assert runs == {"using": "docker", "image": f"docker://ghcr.io/schemagate/schemagate:{__version__}"}


def test_the_from_source_action_is_the_action_built_from_the_dockerfile() -> None:
    action, twin = _load(ROOT / "action.yml"), _load(ROOT / "from-source" / "action.yml")
    assert twin["inputs"] == action["inputs"] and twin["outputs"] == action["outputs"]
    runs = twin["runs"]
    assert isinstance(runs, dict) and runs["using"] == "docker"
    # the runner builds the Dockerfile with its folder as the context: the repository's root
    assert (ROOT / "from-source" / runs["image"]).resolve() == ROOT / "Dockerfile"


def _release(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(RELEASE), *argv], capture_output=True, text=True)


def test_a_release_tag_of_this_version_publishes_action_yml_s_image() -> None:
    done = _release(f"v{__version__}", "Schemagate")
    assert done.returncode == 0, done.stderr
    outputs = dict(line.split("=", 1) for line in done.stdout.splitlines())
    assert outputs == {
        "image": "ghcr.io/schemagate/schemagate",
        "version": __version__,
        "major": __version__.split(".")[0],
    }


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (("v99.0.0", "schemagate"), "::error file=action.yml::the tag is v99.0.0 but action.yml names"),
        (("v99.0.0", "schemagate"), "::error file=src/schemagate/__init__.py::the tag is v99.0.0"),
        ((f"v{__version__}", "someone"), "pulls ghcr.io/schemagate/schemagate, not this repository's"),
        (
            ("v99.0.0", "schemagate"),
            "::error file=CHANGELOG.md::the tag is v99.0.0 but CHANGELOG.md has no section",
        ),
    ],
)
def test_a_release_tag_the_files_disagree_with_is_refused(argv: tuple[str, str], error: str) -> None:
    done = _release(*argv)
    assert done.returncode == 1 and error in done.stderr
    assert done.stdout == ""  # nothing reaches $GITHUB_OUTPUT, so nothing is published


def test_the_workflows_and_docs_name_the_tags_a_release_of_this_version_makes() -> None:
    """A release of this version pushes vX.Y.Z and moves vX: the release workflow's trigger takes
    the first, and every `uses:` the README, docs and examples show names the second."""
    release = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    (pattern,) = release[True]["push"]["tags"]  # YAML 1.1 reads the key `on` as true
    # GitHub's filter: `[0-9]+` as in a regex, `.` a plain dot
    assert re.fullmatch(pattern.replace(".", r"\."), f"v{__version__}")
    major = f"v{__version__.split('.')[0]}"
    assert (
        'git tag -f "v${{ needs.version.outputs.major }}"'
        in (ROOT / ".github/workflows/release.yml").read_text()
    )
    shown = [*ROOT.glob("examples/workflows/*.yml"), ROOT / "README.md", *ROOT.glob("docs/*.md")]
    refs = {
        ref for path in shown for ref in re.findall(r"schemagate/schemagate@(\S+?)[`\s]", path.read_text())
    }
    assert {ref for ref in refs if not ref.startswith("<")} == {major}  # `@<ref>`: a placeholder


def test_the_pre_commit_hook_runs_schemagate_lint_on_migrations_only() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "schemagate-lint" and hook["language"] == "python"
    files = re.compile(hook["files"])
    assert files.search("supabase/migrations/20251201000000_add_things.sql")
    assert files.search("apps/api/supabase/migrations/20251201000000_add_things.sql")
    assert not files.search("supabase/rollbacks/20251201000000_add_things.sql")
    assert not files.search("supabase/seed.sql")
    command, *args = shlex.split(hook["entry"])
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts[command] == "schemagate.cli:run"  # the console script the package installs
    done = subprocess.run(
        [sys.executable, "-m", "schemagate.cli", *args], cwd=EXAMPLE, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


WORKFLOWS = sorted((ROOT / "examples" / "workflows").glob("*.yml"))


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_an_example_check_workflow_has_no_paths_filter(path: Path) -> None:
    """The README: a required check under a `paths:` filter never reports on a pull request that
    touches no migration, which then waits forever."""
    loaded: dict[object, object] = yaml.safe_load(path.read_text())
    triggers = loaded.get(True) or {}  # YAML 1.1 reads the key `on` as True
    assert isinstance(triggers, dict)
    pull_request = triggers.get("pull_request") or {}
    assert "paths" not in pull_request and "paths-ignore" not in pull_request


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_environment_of_an_example_is_explained_there_and_in_the_action_docs(path: Path) -> None:
    jobs = _load(path)["jobs"]
    assert isinstance(jobs, dict)
    readme, text = (ROOT / "docs" / "action.md").read_text(), path.read_text()
    comments = "\n".join(line.split("#", 1)[1] for line in text.splitlines() if "#" in line)
    for job in jobs.values():
        environment = job.get("environment")
        if environment is None:
            continue
        assert f"`{environment}`" in comments, f"{path.name}: no comment explains {environment}"
        assert f"`{environment}`" in readme, f"docs/action.md never explains {environment}"
