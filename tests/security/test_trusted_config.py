"""A pull request may not loosen its own gate: on a pull request the Action reads the config file
as the base has it, and says so when the pull request changes it."""

from __future__ import annotations

from pathlib import Path

from actionrun import FLAWED, pr_payload, run_action
from checking import commit_base
from conftest import Project
from fakegithub import FakeGitHub

CONFIG = Path(".github/schemagate.yml")


def test_a_pull_request_cannot_make_its_own_migrations_superuser(
    workspace: tuple[Path, str], github: FakeGitHub, drop: Path
) -> None:
    root, base = workspace
    (root / CONFIG).parent.mkdir(exist_ok=True)
    (root / CONFIG).write_text("superuser: true\n")
    mark = drop / "pwned"
    migration = root / "supabase/migrations/20251201000000_escape.sql"
    migration.write_text(f"copy (select 1) to program 'touch {mark}';\n")
    result = run_action(root, github, "pull_request", pr_payload(base), {})
    assert not mark.exists()
    assert result.code == 1 and result.outputs["verdict"] == "fail", result.log
    said = "this pull request changes .github/schemagate.yml: the check ran with the base's"
    assert said in result.log
    assert said.replace(".", "\\.").replace(":", "\\:") in result.summary  # escaped Markdown


def test_a_pull_request_cannot_switch_off_the_rule_it_breaks(
    workspace: tuple[Path, str], github: FakeGitHub
) -> None:
    root, base = workspace
    (root / CONFIG).parent.mkdir(exist_ok=True)
    (root / CONFIG).write_text("rules:\n  rls-disabled: off\n")
    (root / "supabase/migrations/20251201000000_flawed.sql").write_text(FLAWED)
    result = run_action(root, github, "pull_request", pr_payload(base), {})
    assert result.code == 1 and "rls-disabled" in result.log, result.log


def test_the_bases_config_is_used_as_it_is(workspace: tuple[Path, str], github: FakeGitHub) -> None:
    """A rule the base's config switched off stays off, and nothing is said about the config."""
    root, _ = workspace
    (root / CONFIG).parent.mkdir(exist_ok=True)
    (root / CONFIG).write_text("rules:\n  rls-disabled: off\n")
    base = commit_base(Project(root))
    (root / "supabase/migrations/20251201000000_flawed.sql").write_text(FLAWED)
    result = run_action(root, github, "pull_request", pr_payload(base), {})
    assert "rls-disabled" not in result.log, result.log
    assert "changes .github/schemagate.yml" not in result.log


def test_a_config_replaced_by_a_symlink_to_a_device_is_not_read(
    workspace: tuple[Path, str], github: FakeGitHub
) -> None:
    """Only compared with the base's, the PR's config is still read bounded: /dev/zero would be
    read until memory ran out; the base's config runs, and the change is named."""
    root, _ = workspace
    (root / CONFIG).parent.mkdir(exist_ok=True)
    (root / CONFIG).write_text("rules:\n  rls-disabled: off\n")
    base = commit_base(Project(root))
    (root / CONFIG).unlink()
    (root / CONFIG).symlink_to("/dev/zero")
    (root / "supabase/migrations/20251201000000_flawed.sql").write_text(FLAWED)
    result = run_action(root, github, "pull_request", pr_payload(base), {})
    assert "title=rls-disabled" not in result.log, result.log
    assert "this pull request changes .github/schemagate.yml: the check ran with the base's" in result.log


def test_the_bases_yaml_config_is_read_and_a_rename_keeps_it(
    workspace: tuple[Path, str], github: FakeGitHub
) -> None:
    """`.github/schemagate.yaml` is the config as `.yml` is; a pull request that renames the base's
    file to the other spelling still runs with the base's settings, and is told so."""
    root, _ = workspace
    spelled = root / ".github" / "schemagate.yaml"
    spelled.parent.mkdir(exist_ok=True)
    (root / CONFIG).unlink(missing_ok=True)  # the example's own .yml: the base has one spelling only
    spelled.write_text("rules:\n  rls-disabled: off\n")
    base = commit_base(Project(root))
    (root / "supabase/migrations/20251201000000_flawed.sql").write_text(FLAWED)
    kept = run_action(root, github, "pull_request", pr_payload(base), {})
    assert "rls-disabled" not in kept.log, kept.log  # the .yaml file was read
    spelled.rename(root / CONFIG)
    (root / CONFIG).write_text("rules:\n  rls-disabled: off\n  missing-table-comment: off\n")
    renamed = run_action(root, github, "pull_request", pr_payload(base), {})
    assert "rls-disabled" not in renamed.log, renamed.log
    assert "this pull request changes .github/schemagate.yaml: the check ran with the base's" in renamed.log
