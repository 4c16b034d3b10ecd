"""The command line: the seed's four commands (local, apply, status, rollback) plus new and check."""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from schemagate import __version__, lint, scaffold, secrets
from schemagate.config import Config, load, postgres_major
from schemagate.errors import ExitCode, InputError, Interrupted, SchemagateError
from schemagate.output import Console, table
from schemagate.report import annotations as annotation_report
from schemagate.report import markdown, sarif
from schemagate.report import text as text_report
from schemagate.report.model import Report
from schemagate.rules import Severity


class Terminated(Interrupted):
    exit_code = 143  # type: ignore[assignment]


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Unwinding runs every `finally`: the transaction rolls back, the lock and the server go.
    raise Terminated("terminated (SIGTERM); the current migration was rolled back")


# arguments ----------------------------------------------------------------------------------------
def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--migrations-dir", type=Path, help="default: supabase/migrations")
    p.add_argument("--config", type=Path, help="default: .github/schemagate.yml if present")
    p.add_argument(
        "--supabase",
        choices=["auto", "true", "false"],
        default=None,
        help="Supabase shim and role (auto: on for supabase/migrations)",
    )
    p.add_argument("-q", "--quiet", action="store_true")


def _database(p: argparse.ArgumentParser, *, required: bool = True) -> None:
    p.add_argument(
        "--database-url",
        default=None,
        help="target database (default: $DATABASE_URL); its password is never printed",
    )
    p.set_defaults(database_required=required)


def _timeouts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lock-timeout", help="per statement, e.g. 5s (default 5s)")
    p.add_argument("--statement-timeout", help="per statement, e.g. 10min (default 0: none)")
    p.add_argument("--lock-wait", type=float, help="seconds to wait for another run's lock (default 60)")


def _server(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pg-bin", help="PostgreSQL server binaries for the throwaway database ($PG_BIN)")
    p.add_argument("--no-seed", action="store_true", help="do not load supabase/seed.sql")
    p.add_argument(
        "--postgres-version", help="major to run on (default: supabase/config.toml [db] major_version)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="schemagate", description=__doc__)
    parser.add_argument("--version", action="version", version=f"schemagate {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("local", help="apply every migration to a throwaway Postgres (db:migrate:local)")
    _common(p)
    _server(p)
    _timeouts(p)
    p.set_defaults(func=cmd_local)

    p = sub.add_parser(
        "check", help="the PR verdict: apply everything to a throwaway Postgres, judge what is new"
    )
    _common(p)
    _server(p)
    p.add_argument("--base", help="git ref or SHA: migrations not present there are new (default: all)")
    p.add_argument("--fail-on", choices=["error", "warning", "info"], default="error")
    p.add_argument(
        "--format",
        choices=["text", "markdown", "json", "sarif"],
        default="text",
        help="what to print on stdout",
    )
    p.add_argument("--markdown", type=Path, help="also write the Markdown report here")
    p.add_argument("--json", type=Path, help="also write the JSON report here")
    p.add_argument("--sarif", type=Path, help="also write SARIF 2.1.0 here")
    p.add_argument("--annotations", action="store_true", help="print ::error file=…:: workflow commands")
    p.add_argument("--check-database-url", help="check against this database instead of a throwaway one")
    p.add_argument("--drafts", type=Path, help="write each generated down-migration draft into this folder")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("lint", help="only the rules that need no database (names, history, parse trees)")
    _common(p)
    p.add_argument("--base", help="git ref or SHA: migrations not present there are new (default: all)")
    p.add_argument("--fail-on", choices=["error", "warning", "info"], default="error")
    p.add_argument("--format", choices=["text", "markdown", "json", "sarif"], default="text")
    p.set_defaults(func=cmd_lint)

    p = sub.add_parser("apply", help="apply pending migrations to a database (db:migrate)")
    _common(p)
    _database(p)
    _timeouts(p)
    p.add_argument("--dry-run", action="store_true", help="print the plan, touch nothing")
    p.add_argument(
        "--include-all",
        action="store_true",
        help="also apply pending versions older than the newest applied one",
    )
    p.set_defaults(func=cmd_apply)

    p = sub.add_parser("status", help="what is applied, pending, drifted or missing (db:status)")
    _common(p)
    _database(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("rollback", help="roll back with reviewed down migrations, newest first")
    _common(p)
    _database(p)
    _timeouts(p)
    how_far = p.add_mutually_exclusive_group(required=True)
    how_far.add_argument("--to", help="roll back every applied migration newer than VERSION (0: all)")
    how_far.add_argument("--steps", type=int, help="roll back the newest N applied migrations")
    p.add_argument("--reason", help="why: recorded in the audit table")
    p.add_argument("--dry-run", action="store_true", help="print the plan, touch nothing")
    p.set_defaults(func=cmd_rollback)

    p = sub.add_parser("new", help="create a timestamped migration from the template")
    p.add_argument("name", help="lower_snake_case, e.g. add_user_preferences")
    p.add_argument("--migrations-dir", type=Path, default=None)
    p.add_argument("--config", type=Path)
    p.add_argument("--with-down", action="store_true", help="also create supabase/rollbacks/<file>")
    p.set_defaults(func=cmd_new)
    return parser


# configuration ------------------------------------------------------------------------------------
def resolve(args: argparse.Namespace) -> Config:
    config = load(getattr(args, "config", None))
    if getattr(args, "migrations_dir", None):
        config.migrations_dir = args.migrations_dir
    if getattr(args, "supabase", None):
        config.supabase = None if args.supabase == "auto" else args.supabase == "true"
    for key in ("lock_timeout", "statement_timeout", "lock_wait"):
        value = getattr(args, key, None)
        if value is not None:
            setattr(config, key, value)
    return config


def database_url(args: argparse.Namespace) -> str:
    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url:
        raise InputError("no database: pass --database-url or set DATABASE_URL")
    secrets.register_url(url)
    return str(url)


# commands -----------------------------------------------------------------------------------------
def cmd_local(args: argparse.Namespace, console: Console) -> int:
    from schemagate import engine, history  # the driver loads only for commands that need it
    from schemagate.connection import connect
    from schemagate.sandbox import throwaway
    from schemagate.sql import extensions_created

    config = resolve(args)
    local = engine.load(config.migrations_dir, notices=console.notice)
    settings = engine.Settings.of(config, include_all=True, throwaway=True)
    began = time.monotonic()
    major = postgres_major(config, args.postgres_version)
    needs = extensions_created(local)
    with throwaway(supabase=config.shim, pg_bin=args.pg_bin, major=major, wants=needs) as box:
        shim = ", Supabase shim" if box.shim else ""
        console.info(
            f"PostgreSQL {box.server_version} ({box.source}) ready in {box.startup_seconds:.1f} s{shim}"
        )
        for note in box.notes:
            console.notice(note)
        with connect(box.url) as conn:
            result = engine.apply(
                conn,
                box.url,
                local,
                settings=settings,
                context=history.RunContext.local(),
                progress=console.info,
                shim=box.shim,
            )
            if config.seed and not args.no_seed and config.seed_file.exists():
                engine.seed(conn, config.seed_file, settings, console.info, shim=box.shim)
    console.say(
        f"{len(result.applied)} migration(s) applied on a throwaway database in "
        f"{time.monotonic() - began:.1f} s; server stopped"
    )
    return ExitCode.OK


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    config = resolve(args)
    if args.no_seed:
        config.seed = False
    if args.check_database_url:
        secrets.register_url(args.check_database_url)
    from schemagate import check

    options = lint.Options(
        base=args.base,
        fail_on=Severity.parse(args.fail_on),
        pg_bin=args.pg_bin,
        database_url=args.check_database_url,
        pg_major=postgres_major(config, args.postgres_version),
    )
    progress = console.notice if args.format != "text" else console.info
    report = check.run(config, options, progress)
    if args.drafts:
        write_drafts(report, args.drafts)
    for path, kind in ((args.markdown, "markdown"), (args.json, "json"), (args.sarif, "sarif")):
        if path:
            path.write_text(secrets.redact(_render(report, kind)) + "\n", "utf-8")
    if args.annotations:
        for line in annotation_report.render(report):
            console.say(line)
    console.say(_render(report, args.format))
    return ExitCode.FAILED if report.failed else ExitCode.OK


def _render(report: Report, kind: str) -> str:
    if kind == "markdown":
        return markdown.render(report)
    if kind == "json":
        return json.dumps(report.to_json(), indent=2)
    if kind == "sarif":
        return json.dumps(sarif.render(report), indent=2)
    return text_report.render(report)


def write_drafts(report: Report, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for m in report.migrations:
        if m.draft is not None:
            (folder / m.filename).write_text(m.draft.text, "utf-8")


def cmd_lint(args: argparse.Namespace, console: Console) -> int:
    config = resolve(args)
    options = lint.Options(base=args.base, fail_on=Severity.parse(args.fail_on))
    report = lint.lint(config, options)
    console.say(_render(report, args.format))
    return ExitCode.FAILED if report.failed else ExitCode.OK


def cmd_apply(args: argparse.Namespace, console: Console) -> int:
    from schemagate import engine, history, rollback  # the driver loads only for commands that need it
    from schemagate.connection import Target, connect

    config = resolve(args)
    url = database_url(args)
    local = engine.load(config.migrations_dir, notices=console.notice)
    settings = engine.Settings.of(config, include_all=args.include_all)
    console.info(f"target: {Target.of(url)}")
    with connect(url) as conn:
        result = engine.apply(
            conn,
            url,
            local,
            settings=settings,
            context=history.RunContext.local(),
            progress=console.info,
            dry_run=args.dry_run,
            downs=rollback.down_checksums(config.rollbacks_dir),
        )
    if result.dry_run:
        pending = result.plan.pending
        console.say(
            f"dry run: {len(pending)} migration(s) would be applied"
            + (":" if pending else "; nothing touched")
        )
        for parsed in pending:
            mode = "" if parsed.transactional else "  (outside a transaction)"
            console.say(f"  {parsed.migration.filename}{mode}")
        return ExitCode.OK
    total = sum(a.seconds for a in result.applied)
    console.say(
        f"{len(result.applied)} migration(s) applied in {total:.2f} s"
        if result.applied
        else "database is up to date; nothing to apply"
    )
    return ExitCode.OK


def cmd_status(args: argparse.Namespace, console: Console) -> int:
    from schemagate import engine, history  # the driver loads only for commands that need it
    from schemagate.connection import connect
    from schemagate.plan import Plan

    config = resolve(args)
    url = database_url(args)
    local = engine.load(config.migrations_dir, notices=console.notice)
    with connect(url) as conn:
        plan = Plan.build(local, history.recorded(conn))
    rows = [
        [
            r.version,
            r.name,
            "yes" if r.local else "no",
            "yes" if r.remote else "no",
            f"{r.recorded.applied_at:%Y-%m-%d %H:%M}" if r.recorded and r.recorded.applied_at else "",
            r.state.value,
        ]
        for r in plan.rows()
    ]
    for line in table(["version", "name", "local", "remote", "applied at", "state"], rows):
        console.say(line)
    bad = len(plan.drifted) + len(plan.missing)
    console.say(f"{len(plan.pending)} pending, {bad} drifted or missing")
    return ExitCode.INPUT if bad else ExitCode.OK


def cmd_rollback(args: argparse.Namespace, console: Console) -> int:
    from schemagate import engine, history, rollback
    from schemagate.connection import Target, connect

    config = resolve(args)
    url = database_url(args)
    engine.load(config.migrations_dir, notices=console.notice)  # bad files stop here too
    downs = rollback.find_downs(config.rollbacks_dir)
    console.info(f"target: {Target.of(url)}")
    with connect(url) as conn:
        steps = rollback.plan(
            history.recorded(conn), downs, history.down_checksums(conn), to=args.to, steps=args.steps
        )
        for notice in steps.notices:
            console.notice(notice)
        if args.dry_run:
            console.say(
                f"dry run: {len(steps.steps)} step(s), newest first; production would be at {steps.target}:"
            )
            for step in steps.steps:
                console.say(f"  {step.recorded.version}_{step.recorded.name}  <-  {step.down.migration.path}")
            return ExitCode.OK
        actor = history.RunContext.local().applied_by
        context = history.RunContext(actor, None, None, args.reason)
        done = rollback.run(
            conn, url, steps, settings=engine.Settings.of(config), context=context, progress=console.info
        )
    console.say(f"{len(done)} migration(s) rolled back; production is at {steps.target}")
    return ExitCode.OK


def cmd_new(args: argparse.Namespace, console: Console) -> int:
    config = resolve(args)
    rollbacks = config.migrations_dir.parent / "rollbacks" if args.with_down else None
    for path in scaffold.create(config.migrations_dir, args.name, rollbacks=rollbacks):
        console.say(f"created {path}")
    return ExitCode.OK


# entry --------------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(quiet=getattr(args, "quiet", False))
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return int(args.func(args, console))
    except SchemagateError as exc:
        console.error(str(exc))
        return int(exc.exit_code)
    except KeyboardInterrupt:
        console.error("interrupted; the current migration was rolled back")
        return int(ExitCode.INTERRUPTED)
    except Exception as exc:
        # A database error no command anticipated is still one line, never a traceback.
        if not type(exc).__module__.startswith("psycopg"):
            raise
        lines = str(exc).strip().splitlines() or [type(exc).__name__]
        console.error(f"database error ({getattr(exc, 'sqlstate', None) or 'no SQLSTATE'}): {lines[0]}")
        return int(ExitCode.FAILED)
    finally:
        signal.signal(signal.SIGTERM, previous)


def run() -> None:
    """The `schemagate` command: one process, one command, then exit."""
    # What the imports built lives until exit: frozen, the collector stops walking it again and
    # again while a lint allocates a parse tree per file (about 5% of a 1,000-file lint).
    gc.freeze()
    sys.exit(main())


if __name__ == "__main__":
    run()
