"""Which project a job is about and its settings: the working-directory input, and the config file
a pull request may not loosen (the base's)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from schemagate import commands
from schemagate.action.context import Context
from schemagate.action.runner import Inputs
from schemagate.config import DEFAULT_PATH, OTHER_SPELLING, Config, Overrides, default_config
from schemagate.errors import InputError
from schemagate.files.changes import base_blob
from schemagate.repofiles import CONFIG_LIMIT, UnreadableFile, present, read_repository_file


def project_folder(ctx: Context, inputs: Inputs) -> tuple[Path, str]:
    """The Supabase project the job is about: the workspace, or one folder in it (a monorepo)."""
    given = inputs.get("working-directory").strip().strip("/")
    workspace = ctx.workspace.resolve()
    folder = (workspace / given).resolve() if given else workspace
    if not folder.is_relative_to(workspace):
        raise InputError(f"input working-directory {given!r} is outside the repository")
    if not folder.is_dir():
        raise InputError(f"input working-directory: the repository has no folder {given!r}")
    project = folder.relative_to(workspace).as_posix()
    return folder, "" if project == "." else project


def configure(folder: Path, inputs: Inputs, trusted_base: str | None = None) -> tuple[Config, str | None]:
    """Settings from the inputs over the project's config file; paths are the project's. With a
    trusted base (a pull request's), the config file is the base's: the pull request may not
    loosen its own gate (superuser, rules off, longer limits). The note says when it differs."""
    config_path = inputs.get("config")
    config_file = folder / config_path if config_path else None
    if config_file and not config_file.resolve().is_relative_to(folder.resolve()):
        raise InputError(f"input config {config_path!r} is outside the project folder")
    note = None
    if trusted_base:
        config_file, note = _base_config(
            folder, config_file or _base_default(folder, trusted_base), trusted_base
        )
    migrations = inputs.get("migrations-dir")
    config = commands.settings(
        Overrides(
            config_file=config_file,
            migrations_dir=Path(migrations) if migrations else None,
            supabase=inputs.get("supabase", "auto"),
            lock_timeout=inputs.timeout("lock-timeout"),
            statement_timeout=inputs.timeout("statement-timeout"),
            lock_retries=inputs.count("lock-retries"),
            on_drift=inputs.get("on-drift") or None,
            profile=inputs.get("profile") or None,
        )
    )
    return config, note


def _base_default(folder: Path, base: str) -> Path:
    """The config file the base reads by default (.yml, else .yaml): a pull request that renames
    one to the other still runs with the base's settings."""
    for name in (DEFAULT_PATH, OTHER_SPELLING):
        if base_blob(folder / name, base) is not None:
            return folder / name
    return default_config(folder)


def _pr_config(path: Path) -> bytes | None:
    """The pull request's config file, read only to compare with the base's: one that is not a
    regular file of bounded size inside the checkout is simply not the base's, so the base's runs
    and nothing behind a planted symlink (`/dev/zero`, a FIFO) is read."""
    if not present(path):
        return None
    try:
        return read_repository_file(path, CONFIG_LIMIT)
    except UnreadableFile as exc:
        return f"unreadable: {exc}".encode()


def _base_config(folder: Path, path: Path, base: str) -> tuple[Path | None, str | None]:
    """The config file as the base has it: the same file when the PR leaves it alone, else a copy
    of the base's (or none, when the base has none)."""
    ours = _pr_config(path)
    theirs = base_blob(path, base)  # the job runs in the project folder
    if ours == theirs:
        return (path if ours is not None else None), None
    note = (
        f"this pull request changes {path.relative_to(folder).as_posix()}: the check ran with the "
        f"base's ({base[:7]}), since a pull request may not loosen its own gate; the new settings "
        "apply once it is merged"
    )
    # the base without a config file means defaults: an empty file, since naming none would read
    # the pull request's from its default place
    copy = Path(tempfile.mkdtemp(prefix="schemagate-config-")) / path.name
    copy.write_bytes(theirs or b"")
    return copy, note
