"""The CLI's commands about production's history: status, doctor and repair (and the arguments
that name a database, which apply and rollback share)."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from schemagate import commands, repofiles, secrets
from schemagate.cli.output import Console, table
from schemagate.errors import ExitCode, InputError


def database_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--database-url",
        default=None,
        help="the target database (default: $DATABASE_URL); its password is never printed",
    )


def drift_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--on-drift",
        choices=["fail", "warn", "off"],
        help="production's catalog against its migrations, built on a throwaway database (default fail)",
    )
    p.add_argument("--pg-bin", help="PostgreSQL server binaries for that throwaway database ($PG_BIN)")


def database_url(args: argparse.Namespace) -> str:
    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url:
        raise InputError("no database: pass --database-url or set DATABASE_URL")
    secrets.register_url(url)
    return str(url)


def history_commands(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    p = sub.add_parser("status", help="what is applied, pending, drifted or missing (db:status)")
    common(p)
    database_argument(p)
    drift_arguments(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("doctor", help="the folder against the history, with the commands that reconcile them")
    common(p)
    database_argument(p)
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("plan", help="what the pending migrations will lock, for how long (read-only)")
    common(p)
    database_argument(p)
    p.add_argument("--format", choices=["text", "markdown", "json"], default="text", help="what to print")
    p.add_argument("--json", type=Path, help="also write the plan as JSON here")
    p.add_argument("--markdown", type=Path, help="also write the plan as Markdown here")
    p.add_argument(
        "--sample-rows", type=int, help="synthetic rows per table on the throwaway database (20000)"
    )
    p.add_argument("--pg-bin", help="PostgreSQL server binaries for the throwaway database ($PG_BIN)")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser(
        "repair", help="mark versions applied or reverted, as `supabase migration repair` does"
    )
    common(p)
    database_argument(p)
    p.add_argument(
        "--status",
        choices=["applied", "reverted"],
        required=True,
        help="applied: record the file's statements; reverted: remove the row",
    )
    p.add_argument("versions", nargs="+", metavar="VERSION", help="the versions to mark")
    p.set_defaults(func=cmd_repair)


def cmd_status(args: argparse.Namespace, console: Console) -> int:
    found = commands.status(args.config_, database_url(args), notice=console.notice, pg_bin=args.pg_bin)
    rows = [
        [
            r.version,
            r.name,
            "yes" if r.local else "no",
            "yes" if r.remote else "no",
            f"{r.recorded.applied_at:%Y-%m-%d %H:%M}" if r.recorded and r.recorded.applied_at else "",
            r.state.value,
        ]
        for r in found.plan.rows()
    ]
    console.say(f"database: {found.target}")
    for line in table(["version", "name", "local", "remote", "applied at", "state"], rows):
        console.say(line)
    for line in found.catalog.lines() if found.catalog else []:
        console.say(f"catalog drift: {line}")
    console.say(found.summary)
    return ExitCode.INPUT if found.bad else ExitCode.OK


def cmd_doctor(args: argparse.Namespace, console: Console) -> int:
    found = commands.doctor(args.config_, database_url(args))
    console.say(f"database: {found.target}")
    for problem in found.problems:
        console.say(f"{problem.kind}: {problem.what}")
        for fix in problem.fixes:
            console.say(f"  if {fix.when}:")
            console.say(f"    {fix.supabase}")
            if fix.schemagate != fix.supabase:
                console.say(f"    or: {fix.schemagate}")
    if not found.problems:
        console.say("the history and the folder agree")
        return ExitCode.OK
    console.say(f"{len(found.problems)} problem(s); nothing was changed")
    return ExitCode.INPUT


def cmd_plan(args: argparse.Namespace, console: Console) -> int:
    from schemagate.report import deploy_plan as rendered

    url = database_url(args)
    found = commands.deploy_plan(args.config_, url, pg_bin=args.pg_bin, sample=args.sample_rows)
    text = {
        "text": "\n".join(rendered.lines(found)),
        "markdown": rendered.markdown(found),
        "json": json.dumps(found.to_json(), indent=2),
    }
    for path, kind in ((args.json, "json"), (args.markdown, "markdown")):
        if path is not None:
            repofiles.write_output(path, text[kind] + "\n")
    console.say(text[args.format])
    return ExitCode.INPUT if found.refused else ExitCode.OK


def cmd_repair(args: argparse.Namespace, console: Console) -> int:
    changed = commands.repair(
        args.config_, database_url(args), args.status, args.versions, progress=console.info
    )
    console.say(f"{changed} history row(s) changed; the schema was not touched")
    return ExitCode.OK
